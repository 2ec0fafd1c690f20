"""Read a response body within a size limit counted on *decompressed* bytes.

We ask only for gzip/deflate and decode the raw stream ourselves (rather than letting
the HTTP client do it) so that every ``decompress`` call is bounded with ``max_length``:
a 10 KB gzip bomb that inflates to gigabytes stops at the limit without ever holding
more than the limit in memory.

A label that compresses nothing is read as the body it labels, as feedparser (the
reference for tolerance) and browsers read it, with a note for the log: a
``Content-Encoding`` that names no compression (a charset put there, as S3 object
metadata set to ``ContentEncoding: utf-8`` sends it), and a body labelled gzip or
deflate that starts as a feed or page does (a server that labels every answer and
compresses none). A compression storybot did not ask for (``br``, ``zstd``...) stays
an error.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import AsyncIterator

from adapters.feeds.errors import FetchError, TooLarge

_AUTO_GZIP_ZLIB = 32 + zlib.MAX_WBITS  # accepts both gzip and zlib headers
_RAW_DEFLATE = -zlib.MAX_WBITS  # some servers send "deflate" without the zlib wrapper
_INFLATED = frozenset({"gzip", "x-gzip", "deflate"})
# The other codings of IANA's HTTP Content Coding Registry: compressed or encrypted, so
# unreadable as they come, and never asked for. Any other word names no coding at all.
_UNREADABLE = frozenset(
    {"br", "zstd", "compress", "x-compress", "aes128gcm", "dcb", "dcz", "exi", "pack200-gzip"}
)
# How an uncompressed feed or page starts (after a byte order mark or blank lines). No
# gzip stream starts so (1f 8b), nor a zlib one (78 ..); a raw deflate stream spelling
# out one of these words is not to be expected.
# How much of a compressed-labelled body's start is read before deciding what it is:
# more than _PLAIN_START needs after a short run of blank space, and far more than the
# two bytes of a zlib or gzip header.
_SNIFFED = 64
_PLAIN_START = re.compile(
    rb"(?:\xef\xbb\xbf)?\s*(?:<\?xml|<rss|<feed|<rdf:rdf|<!--|<!doctype|<html|\{\s*\")",
    re.IGNORECASE,
)


def size_text(n: int) -> str:
    """A size as an operator reads it: "3.4 MiB", "120 KiB", "2 bytes" (a limit under a
    tenth of a MiB said in MiB was "0.0 MiB")."""
    if n >= 1024 * 1024:
        return f"{n / 1048576:.1f} MiB"
    return f"{n / 1024:.0f} KiB" if n >= 1024 else f"{n} bytes"


def too_large(limit: int) -> TooLarge:
    """The error for a feed body over the limit (a page's is said by ``get_page``)."""
    return TooLarge(
        f"feed is too large: more than {size_text(limit)} after decompression"
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
            FetchError: The encoding is a compression other than gzip or deflate, or
                several (a word that names no compression is read as none, with a
                ``note``).
        """
        # a list names codings in the order applied; "identity" among them adds none
        codings = [
            c for c in (content_encoding or "").strip().lower().replace(" ", "").split(",") if c
        ]
        codings = [c for c in codings if c != "identity"]
        self.note: str | None = None  # what was read otherwise than labelled, for the log
        if len(codings) > 1 or (codings and codings[0] in _UNREADABLE):
            raise FetchError(
                f"unsupported Content-Encoding {content_encoding!r} (we asked for gzip or deflate)"
            )
        self._inflater: _Inflater | None = None
        self._label = content_encoding
        if codings and codings[0] in _INFLATED:
            self._inflater = _Inflater()
        elif codings:
            self.note = (
                f"Content-Encoding {content_encoding!r} names no compression;"
                " the body was read as sent"
            )
        # the start of a body labelled compressed, held until it tells what it is
        self._head: bytearray | None = bytearray() if self._inflater is not None else None
        self._limit = limit
        self._parts: list[bytes] = []
        self._size = 0
        self._sha256 = hashlib.sha256()

    def add(self, raw: bytes) -> None:
        """Add one raw chunk; raises ``FetchError`` when over the limit or corrupt."""
        if self._head is not None:
            # The first bytes tell a label that compresses nothing, and raw deflate from
            # a zlib or gzip header: not one or two of them, which is all the first chunk
            # may hold (a TCP segment, an HTTP chunk). Held until there are enough.
            self._head += raw
            if len(self._head) < _SNIFFED:
                return
            raw = self._decided()
        self._take(raw)

    def finish(self) -> None:
        """The body has ended: take what is held of a start shorter than ``_SNIFFED``."""
        if self._head is not None:
            self._take(self._decided())

    def _decided(self) -> bytes:
        """The held start, once it has told whether the body is compressed after all."""
        head, self._head = bytes(self._head or b""), None
        if _PLAIN_START.match(head):
            self._inflater = None
            self.note = (
                f"the body is labelled Content-Encoding {self._label!r} but is not"
                " compressed; read as sent"
            )
        return head

    def _take(self, raw: bytes) -> None:
        if not raw:
            return
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
    body.finish()
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
