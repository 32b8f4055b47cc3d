"""``nesa-collab serve`` with several worker processes, without uvicorn's Nagle delay.

uvicorn's supervisor binds the listening socket itself before starting the workers, without naming
the protocol (``proto`` 0); accepted connections inherit that, and asyncio turns on TCP_NODELAY only
for sockets that say IPPROTO_TCP. Every keep-alive request after the first then waits ~40 ms for the
client's delayed ACK (uvicorn issue #3149, open). Here the socket is bound with IPPROTO_TCP and handed
to the same supervisor; one worker needs none of this (asyncio binds the socket itself).
"""

from __future__ import annotations

import logging
import socket

import uvicorn
from uvicorn.supervisors import Multiprocess

log = logging.getLogger("uvicorn.error")


def tcp_listener(host: str, port: int) -> socket.socket:
    """A listening TCP socket whose accepted connections asyncio recognises as TCP."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def serve(app: str, *, host: str, port: int, workers: int, **options) -> None:
    """``uvicorn.run`` for one worker; for more, the supervisor on a socket bound as ``tcp_listener``."""
    if workers <= 1:
        uvicorn.run(app, host=host, port=port, **options)
        return
    config = uvicorn.Config(app, host=host, port=port, workers=workers, **options)
    sock = tcp_listener(host, port)
    log.info("Uvicorn running on http://%s:%d with %d workers (Press CTRL+C to quit)", host,
             sock.getsockname()[1], workers)
    try:
        Multiprocess(config, sockets=[sock]).run()
    except KeyboardInterrupt:
        pass
