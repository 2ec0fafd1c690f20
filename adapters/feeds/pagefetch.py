"""Fetch one web page synchronously, with the feed fetcher's safety rules.

Used for seed articles given as URLs: the same SSRF guard on every redirect hop, a
decompressed-size limit, a redirect limit and a wall-clock deadline (checked between
chunks, so a dripping server cannot hold the caller much past it).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable
from urllib.parse import urljoin

import httpx

from adapters.feeds.body import LimitedBody
from adapters.feeds.errors import FetchError
from adapters.feeds.fetcher import DEFAULT_USER_AGENT
from adapters.feeds.netguard import AddressGuard

_REDIRECTS = {301, 302, 303, 307, 308}


def make_page_fetcher(
    *,
    allowed_hosts: Iterable[str] = (),
    timeout_s: float = 20.0,
    max_bytes: int = 5 * 1024 * 1024,
    max_redirects: int = 5,
    user_agent: str = DEFAULT_USER_AGENT,
) -> Callable[[str], tuple[str, str]]:
    """Return ``fetch(url) -> (html, final_url)``, raising ``FetchError`` on any failure.

    Args:
        allowed_hosts: Hosts, addresses or networks exempt from the SSRF guard.
        timeout_s: Wall-clock limit for the whole fetch.
        max_bytes: Limit on the decompressed body.
        max_redirects: Redirects followed.
        user_agent: The User-Agent header.
    """
    guard = AddressGuard(allowed_hosts)
    # Building TLS settings (the CA bundle) costs about 25 ms of CPU: once per fetcher, not
    # per page. Each fetch still has a client of its own (no cookies carried between pages).
    tls = functools.cache(lambda: httpx.create_ssl_context(trust_env=False))

    def fetch(url: str) -> tuple[str, str]:
        deadline = time.monotonic() + timeout_s
        headers = {
            "User-Agent": user_agent,
            "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
            "Accept-Encoding": "gzip, deflate",
        }
        chain = [url]
        with httpx.Client(
            timeout=timeout_s,
            follow_redirects=False,
            trust_env=False,
            headers=headers,
            verify=tls(),
        ) as client:
            for _ in range(max_redirects + 1):
                guard.check_sync(url)
                try:
                    with client.stream("GET", url) as resp:
                        if resp.status_code in _REDIRECTS and resp.headers.get("location"):
                            url = urljoin(url, resp.headers["location"].strip())
                            if url in chain:
                                raise FetchError("redirect loop: " + " -> ".join([*chain, url]))
                            chain.append(url)
                            continue
                        if resp.status_code != 200:
                            raise FetchError(
                                f"HTTP {resp.status_code} {resp.reason_phrase}",
                                http_status=resp.status_code,
                            )
                        body = LimitedBody(resp.headers.get("content-encoding"), max_bytes)
                        for raw in resp.iter_raw():
                            body.add(raw)
                            if time.monotonic() > deadline:
                                raise FetchError(
                                    f"timed out: the page did not arrive within {timeout_s:g}s"
                                )
                        return body.data.decode(resp.encoding or "utf-8", "replace"), url
                except httpx.TimeoutException:
                    raise FetchError(
                        f"timed out: the page did not arrive within {timeout_s:g}s"
                    ) from None
                except httpx.HTTPError as exc:
                    raise FetchError(
                        f"could not fetch {url}: {exc or type(exc).__name__}"
                    ) from None
        raise FetchError(f"too many redirects (more than {max_redirects})")

    return fetch
