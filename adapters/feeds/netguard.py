"""SSRF guard: refuse URLs that lead to this machine or its private network.

Feed URLs come from chat users, so a URL like ``http://169.254.169.254/latest/meta-data``
or ``http://localhost:5432/`` must not make the bot fetch internal resources. Every
request, including every redirect hop, is checked: the host name is resolved and *all*
its addresses must be globally routable (no loopback, private, link-local, shared,
multicast, reserved or unspecified addresses, IPv4 or IPv6, including IPv4 addresses
embedded in IPv6 forms). Operators can allow specific hosts, addresses or networks
(``STORYBOT_ALLOWED_HOSTS``), e.g. an intranet feed server or ``127.0.0.1`` in tests.

A name is checked where it is resolved for the connection (:meth:`AddressGuard.vetted`,
which the HTTP client's resolver calls: ``adapters.feeds.resolver``), so the addresses
connected to are the ones checked, in one lookup: a DNS server that answers a public
address to a check and a private one to the connection (DNS rebinding) has no second
lookup to answer. Before each request :meth:`AddressGuard.check_url` checks what needs no
lookup (the scheme, the host, a literal address, which the HTTP client connects to
without resolving). :meth:`AddressGuard.check` does both, for a feed being added.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Iterable
from typing import Self
from urllib.parse import urlsplit

from yarl import URL

from adapters.feeds.errors import AddressRefused, FetchError
from adapters.feeds.threads import OwnThreads
from bot.allowed_hosts import checked_allowed_hosts
from bot.hostname import ipv4_form_problem

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# ``lookup(host, port, family) -> [(family, address), ...]``: the DNS, as the guard asks it
Lookup = Callable[[str, int, int], Awaitable[list[tuple[int, str]]]]
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# numbers (decimal, octal, 0x-hex) joined by at most three dots: a legacy IPv4 form
_LEGACY_IPV4 = re.compile(r"(?:(?:0x[0-9a-f]+|[0-9]+)\.){0,3}(?:0x[0-9a-f]+|[0-9]+)", re.I)


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def forbidden_reason(ip: IPAddress) -> str | None:
    """Say why an address must not be fetched from, or None if it is public."""
    inner = _embedded_ipv4(ip)
    if inner is not None:
        reason = forbidden_reason(inner)
        if reason:
            return reason
    checks = (
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address (cloud metadata lives here)"),
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_private, "a private-network address"),
        (ip.is_reserved, "a reserved address"),
        (not ip.is_global, "not a public internet address"),
    )
    return next((why for bad, why in checks if bad), None)


class AddressGuard:
    """Checks URLs against the public-address rule and the operator's allow list."""

    def __init__(self, allowed_hosts: Iterable[str] = (), lookup: Lookup | None = None) -> None:
        """Create a guard.

        Args:
            allowed_hosts: Host names, IP addresses or networks (CIDR) that may be
                fetched even though they are not public, e.g. ``{"127.0.0.1"}``; each
                allows all of its ports. Empty entries are skipped.
            lookup: Where names are resolved; the system resolver (``getaddrinfo``,
                :class:`SystemLookup`, in threads the guard owns: see :meth:`close`)
                when None. Tests give a fake DNS here.

        Raises:
            ConfigError: An entry is none of these (``bot.allowed_hosts.allowed_host_problem``:
                a ``host:port``, a URL, a name with a space). Taken as a name it would
                match no URL's host, and allow nothing while the operator thinks it does.
        """
        # the system resolver's threads are the guard's, let go by close(); a lookup
        # given is the caller's
        self._own_lookup: SystemLookup | None = None
        if lookup is None:
            lookup = self._own_lookup = SystemLookup()
        self._lookup = lookup
        self._names: set[str] = set()
        self._networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for entry in sorted(checked_allowed_hosts(allowed_hosts, "allowed hosts")):
            try:
                self._networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                self._names.add(_client_form(entry.rstrip(".")))

    def close(self) -> None:
        """Let the threads of the guard's own lookups end (its owner is closing).

        The guard can still be used: a lookup after this starts new threads.
        """
        if self._own_lookup is not None:
            self._own_lookup.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _address_allowed(self, ip: IPAddress) -> bool:
        return any(ip.version == net.version and ip in net for net in self._networks)

    def _check_addresses(self, host: str, addresses: Iterable[str]) -> None:
        for text in addresses:
            ip = ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone id
            reason = forbidden_reason(ip)
            if reason and not self._address_allowed(ip):
                shown = f"{host} is" if host == str(ip) else f"{host} resolves to {ip}, which is"
                raise AddressRefused(
                    f"refused: {shown} {reason}; feeds, seed URLs and linked pages must be on"
                    " the public internet (an operator can allow it with STORYBOT_ALLOWED_HOSTS"
                    " or the config file's [network] allowed_hosts)"
                )

    def _target(self, url: str) -> tuple[str, int] | None:
        """Return (host, port) to resolve, or None if the host is allowed outright."""
        try:
            parts = urlsplit(url)
            port = parts.port
            # The host as the HTTP client reads it (aiohttp parses with yarl), not as
            # written: yarl folds compatibility forms (UTS #46) into the ASCII name or
            # address connected to, so "１２７.０.０.１" or "127。0。0。1" is 127.0.0.1,
            # which aiohttp connects to without asking the resolver.
            client_host = URL(url).raw_host if parts.scheme in ("http", "https") else None
        except ValueError as exc:
            raise FetchError(f"invalid URL {url!r}: {exc}") from None
        if parts.scheme not in ("http", "https"):
            raise FetchError(
                f"unsupported URL scheme {parts.scheme or '(none)'!r} in {url!r}: use http or https"
            )
        # A host of digits and dots that is no dotted quad ("127.1", "127.0.0.1."): the
        # client would refuse it ("not a canonical IPv4 address"); refused here first, in
        # the words ``bot.validate`` refused it with when a feed was added (one rule).
        problem = ipv4_form_problem(client_host or "")
        if problem:
            raise FetchError(f"invalid URL {url!r}: {problem}")
        host = (client_host or "").lower().rstrip(".")
        if not host:
            raise FetchError(f"invalid URL {url!r}: no host name")
        if host in self._names:
            return None
        return host, port or (443 if parts.scheme == "https" else 80)

    @staticmethod
    def _literal(host: str) -> str | None:
        # An address written as an address, also in the legacy IPv4 forms C's inet_aton
        # reads ("2130706433", "0x7f000001", "127.1": all 127.0.0.1), which a resolver
        # would turn into the address they spell.
        try:
            return str(ipaddress.ip_address(host))
        except ValueError:
            pass
        if not _LEGACY_IPV4.fullmatch(host):
            return None
        try:
            return socket.inet_ntoa(socket.inet_aton(host))
        except OSError:
            return None

    async def check(self, url: str) -> None:
        """Raise ``FetchError`` unless ``url`` may be fetched: :meth:`check_url`, then its
        host's addresses (:meth:`vetted`). For a feed being added; a fetch checks the
        addresses in the connection's own lookup instead."""
        lookup = self._needs_lookup(url)
        if lookup is not None:
            await self.vetted(*lookup)

    async def vetted(self, host: str, port: int, family: int = 0) -> list[tuple[int, str]]:
        """Resolve ``host`` and return its addresses, all of which may be connected to.

        The HTTP client's resolver (``adapters.feeds.resolver``) connects to exactly what
        this returns, so what was checked is what is reached.

        Args:
            host: A host name (a trailing dot is ignored).
            port: The port to connect to.
            family: ``socket.AF_INET``, ``AF_INET6`` or 0 for either.

        Returns:
            ``(family, address)`` pairs, in the resolver's order.

        Raises:
            AddressRefused: The name resolves to an address the guard refuses.
            FetchError: The name does not resolve.
        """
        host = host.rstrip(".")
        try:
            found = await self._lookup(host, port, family)
        except (OSError, UnicodeError) as exc:
            raise FetchError(
                f"DNS lookup failed for {host}: {_gai_message(exc)}",
                transient=_lookup_may_pass(exc),
            ) from None
        if not found:
            raise FetchError(f"DNS lookup failed for {host}: no address")
        if host.lower() not in self._names:
            self._check_addresses(host, [address for _, address in found])
        return found

    async def refusal(self, url: str) -> str | None:
        """Why ``check`` would refuse ``url``'s host, or None (a ``bot.ports.HostCheck``).

        For checking a feed when it is added, with exactly the rule and message of a poll.
        Only the address rule counts: a name that does not resolve (DNS may be down for a
        moment) or a malformed URL (checked before, by ``bot.validate``) is not a refusal.
        """
        try:
            await self.check(url)
        except AddressRefused as exc:
            return str(exc)
        except FetchError:
            return None
        return None

    def check_url(self, url: str) -> None:
        """Raise ``FetchError`` for what is wrong with ``url`` before any lookup: the
        scheme, a missing host, an IPv4 address in a form the HTTP client refuses
        (``bot.hostname.ipv4_form_problem``), a refused literal address. A name is checked when it is
        resolved for the connection (:meth:`vetted`)."""
        self._needs_lookup(url)

    def _needs_lookup(self, url: str) -> tuple[str, int] | None:
        """Check what can be checked without DNS; return (host, port) if a lookup is needed.

        Raises ``FetchError`` for a refused literal address.
        """
        target = self._target(url)
        if target is None:
            return None
        host, _ = target
        literal = self._literal(host)
        if literal:
            self._check_addresses(host, [literal])
            return None
        return target


# Lookups run in threads of their own. ``loop.getaddrinfo`` would queue a lookup in the
# event loop's default pool behind parsing, storing and judging, and a name that resolves
# at once would spend the fetcher's connect limit waiting for a thread (reported as a DNS
# server that does not answer, a sign of an outage). As many as fetches run at once by
# default (``[polling] concurrency``).
LOOKUP_THREADS = 32


class SystemLookup:
    """The system resolver (``getaddrinfo``) as a :data:`Lookup`, in threads for lookups alone.

    The threads are its own (:class:`OwnThreads`): started as lookups need them, and let
    go by :meth:`close` when the guard that owns it closes (its fetcher's ``aclose``, the
    app's), so a closed app leaves no idle lookup thread behind; used again after that,
    it starts new ones.
    """

    def __init__(self, threads: int = LOOKUP_THREADS) -> None:
        self._threads = OwnThreads(threads, "storybot-dns")

    async def __call__(self, host: str, port: int, family: int = 0) -> list[tuple[int, str]]:
        """Resolve ``host``: ``(family, address)`` pairs, in the resolver's order."""
        infos = await self._threads.run(socket.getaddrinfo, host, port, family, socket.SOCK_STREAM)
        return [(int(info[0]), str(info[4][0])) for info in infos]

    def close(self) -> None:
        """Let the threads end; a lookup under way finishes on its own, none waits for it."""
        self._threads.shutdown()


def _lookup_may_pass(exc: BaseException) -> bool:
    """Whether a failed lookup may succeed if tried again shortly.

    ``EAI_AGAIN`` ("Temporary failure in name resolution") is the resolver saying it
    could not get an answer, as at boot before the network is up or while the DNS server
    is unreachable; a name that does not exist (``EAI_NONAME``) will not appear by
    waiting, and is left to the operator.
    """
    return isinstance(exc, socket.gaierror) and exc.errno == socket.EAI_AGAIN


def _gai_message(exc: BaseException) -> str:
    if isinstance(exc, socket.gaierror) and exc.errno in (
        socket.EAI_NONAME,
        getattr(socket, "EAI_NODATA", None),
    ):
        return "no such host"
    return str(exc.args[-1]) if exc.args else str(exc)


def _client_form(name: str) -> str:
    """A host name as the HTTP client reads it (IDNA, lower case), for comparing with it.

    ``bücher.example`` is ``xn--bcher-kva.example`` in a URL the client parses; an allowed
    name in the form typed would never match. A name yarl cannot read is kept as typed.
    """
    try:
        return (URL.build(scheme="http", host=name).raw_host or name).lower()
    except ValueError:
        return name
