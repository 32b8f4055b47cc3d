"""Issue 12 (10): measure the main pages at phone and desktop widths in a real browser.

Run against a running demo (``nesa-collab demo``):

    .venv/bin/python bench/phone_widths.py --base http://127.0.0.1:8021 --shots /dev/shm/shots

For each page and width it prints ``document.documentElement.scrollWidth`` (it must equal the
viewport width: nothing makes the page wider than the screen), whether the name and "Sign out"
sit on one line with the navigation's last row, and the widest elements that stick out. Needs
the ``playwright`` package and a Chromium (``--chromium``, default /usr/bin/chromium); neither
is a project dependency.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

WIDTHS = (390, 1280)
LIST_PAGES = ["/", "/cores", "/collaboratives", "/meetings", "/plans", "/people", "/audit",
              "/flags", "/claims", "/obligations", "/conferences", "/schools", "/calendars",
              "/interests", "/consultations", "/flags/history"]

MEASURE = """() => {
  const vw = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > vw + 1) {
      // An absolutely placed element is clipped only by a scroll box that is also its containing block.
      const absolute = getComputedStyle(el).position === 'absolute';
      let inside = false;
      for (let p = absolute ? el.offsetParent : el.parentElement; p; p = absolute ? p.offsetParent : p.parentElement) {
        const s = getComputedStyle(p);
        if (s.overflowX === 'auto' || s.overflowX === 'scroll' || s.overflowX === 'hidden') { inside = true; break; }
      }
      if (!inside) out.push(el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).replace(/ /g, '.') : '') + ' ' + Math.round(r.right));
    }
  }
  const who = document.querySelector('.who');
  const name = who && who.querySelector('a');
  const signOut = who && who.querySelector('button');
  const sameLine = !(name && signOut) || Math.abs(name.getBoundingClientRect().top - signOut.getBoundingClientRect().top) < 8;
  // On a wide screen the name and "Sign out" share the brand's line, whatever the navigation does.
  const brand = document.querySelector('.brand');
  const besideBrand = !(brand && who) || vw < 700 || Math.abs(brand.getBoundingClientRect().top - who.getBoundingClientRect().top) < 12;
  const header = document.querySelector('header.site');
  return {scrollWidth: document.documentElement.scrollWidth, viewport: vw,
          headerHeight: header ? Math.round(header.getBoundingClientRect().height) : 0,
          whoTogether: sameLine && besideBrand, offenders: out.slice(0, 8)};
}"""


def sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(base + "/sign-in")
    page.fill("#f-email", email)
    page.fill("#f-password", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def first_link(page, base: str, path: str, pattern: str) -> str | None:
    page.goto(base + path)
    for href in page.eval_on_selector_all("main a[href]", "els => els.map(e => e.getAttribute('href'))"):
        if re.fullmatch(pattern, href):
            return href
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8021")
    parser.add_argument("--email", default="maya.haddad@nesa-demo.org")
    parser.add_argument("--password", default="demo-password")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--shots", type=Path, default=None, help="folder for full-page screenshots")
    parser.add_argument("--pages", nargs="*", default=None, help="only these paths")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    failures = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        sign_in(page, args.base, args.email, args.password)
        paths = list(args.pages or LIST_PAGES)
        if not args.pages:
            for listing, pattern in (("/collaboratives", r"/collaboratives/(?!new$)[a-z0-9-]+"),
                                     ("/meetings", r"/meetings/\d+"),
                                     ("/conferences", r"/conferences/(?!new$)[a-z0-9-]+"),
                                     ("/plans", r"/plans/\d+")):
                found = first_link(page, args.base, listing, pattern)
                if found:
                    paths.append(found)
                    if listing == "/conferences":
                        paths += [found + "/support", found + "/run-sheet"]
                    if listing == "/meetings":
                        paths += [found + "/agenda", found + "/minutes", "/meetings/new"]
                    if listing == "/collaboratives":
                        paths += [found + "/core", found + "/members", found + "/seats"]
        if args.shots:
            args.shots.mkdir(parents=True, exist_ok=True)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            for path in paths:
                response = page.goto(args.base + path)
                status = response.status if response else 0
                m = page.evaluate(MEASURE)
                bad = m["scrollWidth"] != m["viewport"] or not m["whoTogether"]
                failures += bad
                print(f"{width:5} {path:45} {status} scrollWidth={m['scrollWidth']:5} header={m['headerHeight']:4}"
                      f" who-together={m['whoTogether']!s:5} {'  <-- ' + ' '.join(m['offenders']) if bad else ''}")
                if args.shots:
                    name = path.strip("/").replace("/", "_") or "home"
                    page.screenshot(path=str(args.shots / f"{width}-{name}.png"), full_page=True)
        browser.close()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
