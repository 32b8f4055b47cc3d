"""`nesa-collab serve --workers N`: connections accepted by the workers are TCP_NODELAY, so a keep-alive
request does not wait ~40 ms for the client's delayed ACK (uvicorn's own supervisor socket loses it)."""

from __future__ import annotations

import asyncio
import socket
import threading

from nesa_collab.serving import tcp_listener


def test_connections_on_the_workers_socket_are_tcp_nodelay():
    async def accepted_nodelay() -> int:
        sock = tcp_listener("127.0.0.1", 0)
        seen: asyncio.Future = asyncio.get_running_loop().create_future()

        class Report(asyncio.Protocol):
            def connection_made(self, transport):
                accepted = transport.get_extra_info("socket")
                seen.set_result(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Report, sock=sock)
        _, writer = await asyncio.open_connection(*sock.getsockname()[:2])
        try:
            return await asyncio.wait_for(seen, 5)
        finally:
            writer.close()
            server.close()
            await server.wait_closed()

    # In a thread of its own: a test worker that drives the browser journeys has a loop running.
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(asyncio.run(accepted_nodelay())))
    thread.start()
    thread.join(30)
    assert result == [1]


def test_a_socket_bound_without_naming_tcp_is_what_loses_it():
    """The control: a listener bound as uvicorn's supervisor binds it (proto 0)."""
    plain = socket.socket(socket.AF_INET)
    try:
        plain.bind(("127.0.0.1", 0))
        assert plain.proto == 0 and tcp_listener("127.0.0.1", 0).proto == socket.IPPROTO_TCP
    finally:
        plain.close()
