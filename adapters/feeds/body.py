"""Read a response body within a size limit counted on *decompressed* bytes.

We ask only for gzip/deflate and decode the raw stream ourselves (rather than letting
the HTTP client do it) so that every ``decompress`` call is bounded with ``max_length``:
a 10 KB gzip bomb that inflates to gigabytes stops at the limit without ever holding
more than the limit in memory.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import AsyncIterator

from adapters.feeds.errors import FetchError, TooLarge

_AUTO_GZIP_ZLIB = 32 + zlib.MAX_WBITS  # accepts both gzip and zlib headers
_RAW_DEFLATE = -zlib.MAX_WBITS  # some servers send "deflate" without the zlib wrapper


def too_large(limit: int) -> TooLarge:
    """The error for a feed body over the limit (a page's is said by ``get_page``)."""
    return TooLarge(
        f"feed is too large: more than {limit / 1048576:.1f} MiB after decompression"
        f" (limit max_body_bytes={limit})",
        limit=limit,
    )


class _Inflater:
    def __init__(self) -> None:
        self._d = zlib.decompressobj(_AUTO_GZIP_ZLIB)
        self._started = False

    def feed(self, data: bytes, room: int) -> bytes:
        """Decompress ``data``, producing at most ``room`` bytes (more means over the limit)."""
        out = bytearray()
        while data and len(out) <= room:
            try:
                chunk = self._d.decompress(data, room - len(out) + 1)
            except zlib.error as exc:
                if self._started:
                    raise FetchError(f"corrupt compressed body: {exc}") from None
                self._d = zlib.decompressobj(_RAW_DEFLATE)
                self._started = True
                continue
            self._started = True
            out += chunk
            if self._d.eof:
                data = self._d.unused_data  # next gzip member, if any
                if data:
                    self._d = zlib.decompressobj(_AUTO_GZIP_ZLIB)
            else:
                data = self._d.unconsumed_tail
        return bytes(out)


class LimitedBody:
    """Accumulates raw body chunks, decoding ``Content-Encoding`` and enforcing a limit.

    The decoded chunks are kept as they come and hashed as they come (SHA-256, while
    each is still in the CPU cache); the body is joined only when ``data`` is asked
    for. An unchanged feed is recognised by its hash alone, so its body, often hundreds
    of kilobytes, is never copied into one piece.
    """

    def __init__(self, content_encoding: str | None, limit: int) -> None:
        """Create a collector.

        Args:
            content_encoding: The response's Content-Encoding header.
            limit: Maximum decompressed size in bytes.

        Raises:
            FetchError: The encoding is not gzip, deflate or identity.
        """
        coding = (content_encoding or "identity").strip().lower()
        if coding in ("gzip", "x-gzip", "deflate"):
            self._inflater: _Inflater | None = _Inflater()
        elif coding in ("identity", ""):
            self._inflater = None
        else:
            raise FetchError(
                f"unsupported Content-Encoding {content_encoding!r} (we asked for gzip or deflate)"
            )
        self._limit = limit
        self._parts: list[bytes] = []
        self._size = 0
        self._sha256 = hashlib.sha256()

    def add(self, raw: bytes) -> None:
        """Add one raw chunk; raises ``FetchError`` when over the limit or corrupt."""
        room = self._limit - self._size
        chunk = self._inflater.feed(raw, room) if self._inflater else bytes(raw)
        self._size += len(chunk)
        if self._size > self._limit:
            raise too_large(self._limit)
        self._sha256.update(chunk)
        self._parts.append(chunk)

    @property
    def data(self) -> bytes:
        """The decompressed body so far."""
        if len(self._parts) > 1:
            self._parts = [b"".join(self._parts)]
        return self._parts[0] if self._parts else b""

    def hexdigest(self) -> str:
        """SHA-256 of the decompressed body so far, in hex."""
        return self._sha256.hexdigest()


async def collect_limited(
    chunks: AsyncIterator[bytes], content_encoding: str | None, limit: int
) -> LimitedBody:
    """Like :func:`read_limited`, but returns the collector (for its hash; data on demand)."""
    body = LimitedBody(content_encoding, limit)
    async for raw in chunks:
        body.add(raw)
    return body


async def read_limited(
    chunks: AsyncIterator[bytes], content_encoding: str | None, limit: int
) -> bytes:
    """Collect a raw (possibly compressed) byte stream, decoding and enforcing ``limit``.

    Args:
        chunks: The raw body stream (transfer-encoding already removed).
        content_encoding: The response's Content-Encoding header.
        limit: Maximum decompressed size in bytes.

    Returns:
        The decompressed body.

    Raises:
        FetchError: Unsupported encoding, corrupt data, or over the limit.
    """
    return (await collect_limited(chunks, content_encoding, limit)).data
