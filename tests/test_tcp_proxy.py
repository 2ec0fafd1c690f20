"""The TCP proxy the outage tests put between the workers and PostgreSQL (fakes.tcp_proxy).

Its faults were waits without end in those tests: a client the proxy kept from hearing
that the server closed its connection waits for an answer for ever (its TCP peer, the
proxy, is alive, so keepalives do not help), and so does one whose connection the proxy
took and never passed on. Here the server is a plain echo server on a free port.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from fakes.tcp_proxy import tcp_proxy

WAIT_S = 2.0  # for an answer that comes at once, or an end of stream


class EchoServer:
    """Echoes what each connection sends; keeps the server sides to close them."""

    def __init__(self, listener: socket.socket) -> None:
        self.listener = listener
        self.address = listener.getsockname()[:2]
        self.connections: list[socket.socket] = []
        self.accepted = threading.Semaphore(0)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(conn)
            self.accepted.release()
            threading.Thread(target=self._echo, args=(conn,), daemon=True).start()

    @staticmethod
    def _echo(conn: socket.socket) -> None:
        try:
            while data := conn.recv(1024):
                conn.sendall(data)
        except OSError:
            pass


@contextmanager
def echo_server(listener: socket.socket | None = None) -> Iterator[EchoServer]:
    listener = listener or socket.create_server(("127.0.0.1", 0))
    try:
        yield EchoServer(listener)
    finally:
        listener.close()


def _echoed(port: int) -> bytes | None:
    """What a new connection through ``port`` gets back for b"ping" (None: nothing)."""
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT_S) as client:
        try:
            client.sendall(b"ping")
            return client.recv(16)
        except TimeoutError:
            return None
        except OSError:
            return b""


def test_a_closed_proxys_port_takes_no_more_connections() -> None:
    """Closed, the proxy's listener stayed open in the kernel (its thread still waited in
    ``accept``): the next connection there went through to the server and was never
    closed, by the test or the proxy."""
    with echo_server() as server:
        with tcp_proxy(*server.address) as proxy:
            assert _echoed(proxy.port) == b"ping"
        try:
            got = _echoed(proxy.port)
        except ConnectionRefusedError:
            got = b""
        assert got == b"", "a connection through the closed proxy reached the server"


def test_after_an_outage_the_servers_close_reaches_its_client() -> None:
    """The proxy remembered the sockets it cut off by their ids, which later sockets
    reuse: a connection made after an outage could be taken for one cut off, and the
    server closing it (a terminated backend) was kept from its client, which then
    waited for an answer for ever."""
    with echo_server() as server, tcp_proxy(*server.address) as proxy:
        for _ in range(20):
            with socket.create_connection(("127.0.0.1", proxy.port), timeout=WAIT_S):
                assert server.accepted.acquire(timeout=WAIT_S)
                proxy.down()  # its sockets closed, and gone: their ids free for new ones
            proxy.up()
            with socket.create_connection(("127.0.0.1", proxy.port), timeout=WAIT_S) as client:
                assert server.accepted.acquire(timeout=WAIT_S)
                # the server ends the connection (a shutdown: a close alone does not
                # reach the kernel's socket while the echoing thread waits in recv)
                server.connections[-1].shutdown(socket.SHUT_RDWR)
                try:
                    end = client.recv(16)
                except TimeoutError:
                    end = None
                except OSError:
                    end = b""
                assert end == b"", "the client was not told that the server closed"


def test_a_connection_the_server_refuses_leaves_the_proxy_taking_the_next() -> None:
    """A connection the server refused (restarting, say) ended the proxy's accepting
    thread with the exception: every later client got a connection that nothing
    answered, and waited for its connect timeout, over and over."""
    upstream = socket.socket()
    upstream.bind(("127.0.0.1", 0))  # not listening yet: connections to it are refused
    with tcp_proxy(*upstream.getsockname()[:2]) as proxy:
        assert _echoed(proxy.port) == b"", "closed as the server refused it"
        upstream.listen()
        with echo_server(upstream):
            assert _echoed(proxy.port) == b"ping", "the next connection went through"
