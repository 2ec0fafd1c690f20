"""A TCP proxy that can cut its clients off while the server keeps their sessions.

What a network cut looks like to both ends when only the client notices: :meth:`cut`
closes the client side of every connection through the proxy and keeps the server side
open (and silent), as the server's socket stays open until its own TCP keepalive says
the client is gone. New connections through the proxy work as before. :meth:`down` plays
the database going away for everyone (a restart, a network outage): every connection is
closed on both sides and new ones are closed as they come (``refused_at`` notes when each
came), until :meth:`up`. Closing the
proxy closes the server sides too, and its port takes no more connections. Bound to
127.0.0.1 on a free port.

A connection the server cannot be reached for (refused: the server restarting) is closed
as a refused one is; the proxy goes on taking the next ones.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress


class TcpProxy:
    def __init__(self, upstream: tuple[str, int]) -> None:
        self._upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._clients: list[socket.socket] = []
        self._servers: list[socket.socket] = []  # kept open after a cut
        # the sockets cut off (the sockets themselves: an id is reused once its socket is
        # gone, and a later connection's end was then kept from the other side)
        self._cut: set[socket.socket] = set()
        self._closed = False
        self._refusing = False  # down: connections are closed as they come
        self.refused_at: list[float] = []  # when each was (time.monotonic())
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            if self._refusing or self._closed:
                self.refused_at.append(time.monotonic())
                client.close()  # the client reads "server closed the connection"
                continue
            try:
                server = socket.create_connection(self._upstream)
            except OSError:
                client.close()  # as the server would refuse it; the next one may get through
                continue
            with self._lock:
                # down() or close() may have come while connecting: they did not see these
                if self._refusing or self._closed:
                    server.close()
                    client.close()
                    continue
                self._clients.append(client)
                self._servers.append(server)
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, to_server: bool) -> None:
        client = source if to_server else sink
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        # the client went away on its own: pass that on, unless it was cut off (the server
        # must not hear of it)
        if client not in self._cut and not self._closed:
            for sock in (source, sink):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Close every client's side; the server sides stay open, saying nothing."""
        with self._lock:
            clients, self._clients = self._clients, []
            self._cut.update(clients)
        for client in clients:
            with suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)
            client.close()

    def down(self) -> None:
        """Close every connection on both sides, and each new one at once, until :meth:`up`."""
        with self._lock:
            self._refusing = True
            socks, self._clients, self._servers = self._clients + self._servers, [], []
            self._cut.update(socks)
        for sock in socks:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def up(self) -> None:
        """Let new connections through again (after :meth:`down`)."""
        self._refusing = False

    def close(self) -> None:
        with self._lock:
            self._closed = True
            socks = self._clients + self._servers
        # closing alone does not wake the thread waiting in accept(): the port went on
        # taking a connection, passed on to the server and never closed
        with suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        for sock in socks:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


@contextmanager
def tcp_proxy(host: str, port: int) -> Iterator[TcpProxy]:
    proxy = TcpProxy((host, port))
    try:
        yield proxy
    finally:
        proxy.close()
