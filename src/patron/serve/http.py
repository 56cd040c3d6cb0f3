"""uvicorn's HTTP protocol with TCP_NODELAY on every connection, whatever the worker count.

With ``--workers N`` uvicorn binds the listening socket itself as
``socket.socket(AF_INET)`` (protocol number 0), and asyncio only switches Nagle's
algorithm off for sockets whose protocol reads ``IPPROTO_TCP``. Each answer goes out in
two writes (head, then body), so without TCP_NODELAY the body waited for the client's
delayed ACK: about 40 ms added to every request on a busy keep-alive connection.
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class NoDelayHttpToolsProtocol(HttpToolsProtocol):
    """``HttpToolsProtocol`` that sends small writes at once (no Nagle delay)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:  # the connection is already gone: nothing to tune
                pass
        super().connection_made(transport)


HTTP_PROTOCOL = "patron.serve.http:NoDelayHttpToolsProtocol"
