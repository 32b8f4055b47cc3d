"""Text people write — norms (K3), plan sections (P2) and minutes (M4) — shown as Markdown, safely:
raw HTML comes out as text, links are checked and marked nofollow, and the Markdown export carries the
sections as Markdown without raw HTML."""

from __future__ import annotations

from markupsafe import Markup

from nesa_collab.markdown import markdown_source, render

from .conftest import post_form

NORMS = "- **We begin on the minute.**\n- We share the minutes within a week."


def test_k3_written_markdown_becomes_lists_and_emphasis():
    html = render(NORMS)
    assert isinstance(html, Markup)
    assert "<ul>" in html and "<li><strong>We begin on the minute.</strong></li>" in html
    assert "**" not in html


def test_raw_html_and_scripts_come_out_as_text():
    html = render('<script>alert("x")</script>\n\nHi <b onclick="x()">there</b> <img src=x onerror=y>')
    assert "<script" not in html and "<b " not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&lt;b onclick=" in html


def test_links_get_nofollow_and_javascript_urls_are_not_links():
    html = render("See [the rubric](https://example.org/rubric) and [this](javascript:alert(1)).")
    assert '<a href="https://example.org/rubric" rel="nofollow noopener">the rubric</a>' in html
    assert 'href="javascript' not in html.lower() and "[this](javascript:alert(1))" in html
    assert 'href="javascript' not in render("[x](JavaScript:alert(1)) <javascript:alert(1)>").lower()
    assert 'href="' not in render("[x](vbscript:msgbox(1)) [y](data:text/html;base64,PHNjcmlwdD4=)")


def test_images_from_elsewhere_are_not_loaded():
    html = render("![pixel](https://tracker.example/p.gif)")
    assert "<img" not in html


def test_single_line_breaks_are_kept_and_nothing_written_is_empty():
    assert "We start on time.<br>" in render("We start on time.\nWe share minutes.")
    assert render(None) == "" and render("   ") == ""


def test_the_export_keeps_markdown_but_not_raw_html():
    text = "# Aims\n- **bold** <b>x</b> <!-- c --> <https://example.org>\n\n```\n<b>code</b>\n```\nand `<i>`"
    source = markdown_source(text)
    assert source.startswith("# Aims\n- **bold** \\<b>x\\</b> \\<!-- c --> <https://example.org>")
    assert "```\n<b>code</b>\n```" in source and "`<i>`" in source  # code is shown as written anyway
    assert "<b>" not in str(render(source)).replace("<b>code</b>", "").replace("&lt;", "")


def test_k3_the_norms_show_as_markdown_on_the_collaborative_page_and_in_their_history(factory, as_):
    dpl = factory.dpl()
    collab = factory.collaborative("Librarians")
    d = as_(dpl)
    assert post_form(d, f"/collaboratives/{collab.slug}/norms/edit",
                     {"text": NORMS + "\n\n<script>alert(1)</script>", "summary": "first"}).status_code == 303
    for url in (f"/collaboratives/{collab.slug}", f"/collaboratives/{collab.slug}/norms"):
        page = d.get(url).text
        assert "<li><strong>We begin on the minute.</strong></li>" in page, url
        assert "**We begin" not in page and "<script>alert(1)" not in page and "&lt;script&gt;" in page, url
    # The editing form still holds the text as written.
    assert "- **We begin on the minute.**" in d.get(f"/collaboratives/{collab.slug}/norms/edit").text
