"""Optional abstractive summaries: a configured summarizer (an LLM API) rewrites an
alert's cited sentences when the alert is delivered.

The engine's extractive summary is always made, stored and cited (``bot.engine.summary``);
this module only changes what a channel reads, and only when the operator configured a
summarizer (``[summarizer]`` in the config file; never by default). It runs at delivery,
not in the poll cycle, so a slow or failing API never holds up judging, and the outbox
keeps the extractive message as the record.

A rewrite is used only if it passes checks that keep it honest: it must be non-empty
plain text of reasonable length and cite only the alert's own markers (``[1]`` is the
first reporter's link), at least one of them when the alert has linked reports. Otherwise,
or if the call fails or times out, the extractive summary is delivered, and the failure
is logged. A rewritten alert says so in its footer, naming the model.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from dataclasses import replace

from bot.citations import marker_numbers
from bot.model import MessageKind, OutboundMessage
from bot.ports import Summarizer, SummaryRequest

log = logging.getLogger(__name__)

_MARKER = re.compile(r"\[(\d+)\]")


def summary_request(message: OutboundMessage, max_words: int) -> SummaryRequest:
    """The request for an alert: its sentences with the markers its links carry."""
    numbers = marker_numbers(message)  # the numbers its links are labelled with
    return SummaryRequest(
        story=message.story_name,
        headline=message.title,
        sentences=tuple(
            (c.sentence, numbers.get(c.url) if c.url else None, c.source) for c in message.citations
        ),
        max_words=max_words,
    )


def check_rewrite(text: str, request: SummaryRequest) -> str | None:
    """Why a rewrite cannot be used, or None if it can.

    Args:
        text: The summarizer's answer, stripped.
        request: What it was asked.
    """
    if not text:
        return "empty answer"
    words = len(text.split())
    if words > 2 * request.max_words:
        return f"{words} words (asked for at most {request.max_words})"
    allowed = {n for _, n, _ in request.sentences if n is not None}
    cited = {int(m) for m in _MARKER.findall(text)}
    if cited - allowed:
        return f"cites [{min(cited - allowed)}], which is not one of the alert's links"
    if allowed and not cited:
        return "cites none of the alert's links"
    return None


class SummaryRewriter:
    """Applies a summarizer to alerts at delivery, with a timeout, checks and a cache.

    The cache holds the last ``cache_size`` rewrites by request, so an alert whose
    delivery is retried (a 429, a restart) is not sent to the API again.
    """

    def __init__(
        self,
        summarizer: Summarizer,
        *,
        max_words: int = 80,
        timeout_s: float = 20,
        cache_size: int = 256,
    ) -> None:
        self.summarizer = summarizer
        self.max_words = max_words
        self.timeout_s = timeout_s
        self.cache_size = cache_size
        self._cache: OrderedDict[SummaryRequest, str] = OrderedDict()

    async def rewrite(self, message: OutboundMessage) -> OutboundMessage:
        """The message with its body rewritten, or the message itself if that fails.

        Only alerts with citations are rewritten; anything else is returned as is.
        """
        if message.kind is not MessageKind.ALERT or not message.citations:
            return message
        request = summary_request(message, self.max_words)
        text = self._cache.get(request)
        if text is None:
            try:
                answer = await asyncio.wait_for(self.summarizer.summarise(request), self.timeout_s)
            except Exception as exc:  # any failure keeps the extractive summary
                log.warning(
                    "summarizer %s failed for %r (%s: %s); sending the extractive summary",
                    self.summarizer.name,
                    message.title,
                    type(exc).__name__,
                    exc,
                )
                return message
            text = " ".join(str(answer).split()).strip().strip('"').strip()
            problem = check_rewrite(text, request)
            if problem:
                log.warning(
                    "summarizer %s answer for %r not used (%s); sending the extractive summary",
                    self.summarizer.name,
                    message.title,
                    problem,
                )
                return message
            self._cache[request] = text
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        note = f"Summary written by {self.summarizer.name} from the linked reports"
        footer = f"{message.footer} · {note}" if message.footer else note
        return replace(message, body=text, footer=footer)
