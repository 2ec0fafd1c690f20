"""The HTTP client's DNS resolver: names are resolved once, checked, and connected to.

Why: checking a URL's host before the request and letting the HTTP client resolve the
name again to connect leaves a window in which a hostile DNS server can answer a public
address first and ``127.0.0.1`` (or the cloud metadata address) second: DNS rebinding.
aiohttp asks its connector's resolver for the addresses it connects to, so a resolver
that returns only addresses the SSRF guard has passed closes that window for feeds and
linked pages alike.
"""

from __future__ import annotations

import socket

from aiohttp.abc import AbstractResolver, ResolveResult

from adapters.feeds.netguard import AddressGuard


class GuardedResolver(AbstractResolver):
    """Resolves through :meth:`AddressGuard.vetted`: a refused address is never returned.

    A refusal or a failed lookup raises ``FetchError`` (not ``OSError``), which aiohttp
    passes through unwrapped, so the fetch reports the guard's own words.
    """

    def __init__(self, guard: AddressGuard) -> None:
        self._guard = guard

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Return ``host``'s addresses, each one passed by the guard."""
        found = await self._guard.vetted(host, port, int(family))
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=fam,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for fam, address in found
        ]

    async def close(self) -> None:
        """Nothing to release: lookups go through the guard's resolver."""
