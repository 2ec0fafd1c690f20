"""A PostgreSQL server at the wire that refuses every connection as told.

It speaks just enough of the protocol for libpq to hear the refusal: it declines SSL and
GSS encryption ('N'), reads the startup packet and answers with an ``ErrorResponse``
(severity, SQLSTATE, message, in any language), then closes the connection. With no
error given it closes the connection without a word, as a server that crashed or a
network cut would. Bound to 127.0.0.1 on a free port.
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

_SSL_REQUEST = 80877103
_GSSENC_REQUEST = 80877104


@dataclass(frozen=True)
class Refusal:
    """What the server answers: ``severity`` as the server's language spells FATAL."""

    sqlstate: str
    message: str
    severity: str = "FATAL"


def _read(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("client went away")
        data += chunk
    return data


def _error_response(refusal: Refusal) -> bytes:
    fields = b"".join(
        code + value.encode() + b"\0"
        for code, value in (
            (b"S", refusal.severity),
            (b"V", "FATAL"),  # never translated
            (b"C", refusal.sqlstate),
            (b"M", refusal.message),
        )
    )
    body = fields + b"\0"
    return b"E" + struct.pack("!I", len(body) + 4) + body


@contextmanager
def refusing_server(refusal: Refusal | None) -> Iterator[int]:
    """Run the server while the block runs; yields its port."""

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            sock = self.request
            try:
                while True:
                    (length,) = struct.unpack("!I", _read(sock, 4))
                    packet = _read(sock, length - 4)
                    (code,) = struct.unpack("!I", packet[:4])
                    if code in (_SSL_REQUEST, _GSSENC_REQUEST):
                        sock.sendall(b"N")
                        continue
                    break  # the startup packet
                if refusal is not None:
                    sock.sendall(_error_response(refusal))
            except ConnectionError:
                pass

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    # shutdown() returns once serve_forever next looks at its flag: every poll_interval,
    # 0.5 s by default, which each test using this server waited at its end
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
