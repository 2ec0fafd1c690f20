"""The error the feed adapters raise when a body is not a usable feed."""

from __future__ import annotations


class FeedParseError(ValueError):
    """The document is not a feed; the message is fit to show users ("not a feed: ...")."""


class FetchError(Exception):
    """A fetch failed; the message is fit to show users (``storybot feeds list``).

    ``http_status`` is the server's answer, if it gave one; ``transient`` says whether
    trying again shortly may succeed: given by the raiser, else true for an answer of 408
    (timeout), 429 (too many requests) or 5xx (server trouble).
    """

    def __init__(
        self, message: str, *, http_status: int | None = None, transient: bool | None = None
    ) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.transient = (
            transient
            if transient is not None
            else http_status is not None and (http_status in (408, 429) or http_status >= 500)
        )


class TimedOut(FetchError):
    """Nothing (or not all) arrived within the time allowed.

    Not ``transient``: trying again at once would hold its caller that long again. A
    page that timed out is still worth trying later (``PagesRead.later``).
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, transient=False)


class AddressRefused(FetchError):
    """The URL leads to an address the SSRF guard refuses (not a network failure)."""


class TooLarge(FetchError):
    """A body went over the size limit (``limit``, decompressed bytes)."""

    def __init__(self, message: str, *, limit: int) -> None:
        super().__init__(message)
        self.limit = limit
