"""Security headers on every answer (issue 13): what the browser may load, frame and send along.

The pages carry no inline script or style (a test keeps it so), so the policy needs no
``unsafe-inline``: scripts, styles, fonts and images come from this site only; nothing may frame
the site (clickjacking); forms post only here; a link to elsewhere does not send the page's address
(a secret calendar link must not leak in a Referer). HTTPS is insisted on in production (HSTS).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

HSTS = "max-age=31536000; includeSubDomains"


def security_headers(production: bool) -> list[tuple[bytes, bytes]]:
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    }
    if production:
        headers["Strict-Transport-Security"] = HSTS
    return [(k.lower().encode(), v.encode()) for k, v in headers.items()]


class SecurityHeaders:
    """Pure ASGI middleware (no body buffering: feeds and files stream through untouched)."""

    def __init__(self, app: ASGIApp, production: bool = False):
        self.app = app
        self.headers = security_headers(production)
        self.names = {name for name, _ in self.headers}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in self.names]
                message = {**message, "headers": kept + self.headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
