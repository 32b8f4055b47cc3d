"""The yardstick of ``bench/pages.py``: a bare Starlette + Jinja page of about the size of a small page
of the product, served by the same uvicorn in the same run. What a page costs beyond it is ours."""

from __future__ import annotations

from jinja2 import Environment
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

TEMPLATE = Environment(autoescape=True).from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><h1>{{ title }}</h1><ul>{% for row in rows %}<li><a href="/x/{{ row }}">Row {{ row }}</a></li>{% endfor %}</ul>
</body></html>""")


async def bare(request):
    return HTMLResponse(TEMPLATE.render(title="A bare page", rows=range(25)))


async def health(request):
    return HTMLResponse("ok")


app = Starlette(routes=[Route("/", bare), Route("/health", health)])
