"""Reading the linked pages of headline-only items, and the items that wait for them.

Many feeds give a headline and a link but no body; judged on the headline alone, such an
item is a weak signal (README: headline-only feeds). With a page reader (``[pages]
enabled``) the pipeline reads each such item's linked page before judging it, and stores
the text first, so a judgement made again after a crash reads the same text. A page that
may come back (a timeout, HTTP 429 or 5xx) holds its item back for up to ``[pages]
wait_s``, tried again minutes later; anything else unreadable is judged on its headline.
Without a page reader, the first headline-only batch of each feed is named once in the
log with the setting that would help.

Pure orchestration over ports: the reader (``PageReader``) fetches, the store keeps the
texts and the waits, the clock says when to try again.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Sequence

from bot.cycle_report import CycleReport
from bot.duration import duration
from bot.model import Item, PagesRead, PageWait, arrival_order, has_body
from bot.ports import Clock, PageReader, Store
from bot.textnorm import tokens as text_tokens

log = logging.getLogger(__name__)

# An item whose linked page may come back ([pages] wait_s) has it tried again this long
# after the first failure, then twice as long after each next try (1, 3, 7... minutes),
# at most this many items a cycle.
PAGE_RETRY_FIRST = timedelta(seconds=60)
PAGE_WAITS_PER_CYCLE = 200
_HEADLINE_NOW = "could not read linked page %s (%s); its item is judged on its headline"


class LinkedPages:
    """Reads the linked pages of the items a cycle is about to judge (see the module)."""

    def __init__(
        self, store: Store, reader: PageReader | None, clock: Clock, wait: timedelta
    ) -> None:
        """Read pages through ``reader`` for a pipeline storing in ``store``.

        Args:
            store: Keeps the pages' texts and the items that wait for them.
            reader: Reads pages; None when ``[pages]`` is off.
            clock: Says when a waiting item's page is due again.
            wait: How long an item may wait for a page that may come back
                (``[pages] wait_s``).
        """
        self.store = store
        self.reader = reader
        self.clock = clock
        self.wait = wait
        self._headline_feeds: set[int] = set()  # told that [pages] would help them

    async def read(self, items: Sequence[Item], report: CycleReport) -> list[Item]:
        """The items to judge now, each whose feed gave no body with its linked page's text.

        With a page reader (``[pages] enabled``), an item to be judged whose feed text is
        no body (under 8 words, :func:`bot.model.has_body`), that has a link and whose
        page was not read before has its page read; the texts are stored
        (``Store.save_page_texts``) before anything is judged, so a judgement made again
        after a crash reads the same text. A page whose failure may pass (the reader's
        ``later``: a dropped connection, a timeout, HTTP 429 or 5xx) holds its item back
        (``Store.hold_for_pages``; counted in ``report.pages_waiting``): it is left out of
        the list returned, and :meth:`retry_waits` tries the page again minutes
        later, for up to ``wait``. Any other unreadable page (and any, when
        ``wait`` is 0) is counted in ``report.pages_unread`` and its item is judged
        on its headline; nothing fails. Without a page reader the items are returned as
        they are.
        """
        if self.reader is None:
            self._suggest(items)
            return list(items)
        wanted = {
            it.id: it.url
            for it in items
            if it.url and not it.page_text and not has_body(it.feed_text)
        }
        if not wanted:
            return list(items)
        read = await self.reader.read(list(dict.fromkeys(wanted.values())))
        titles = {it.id: it.title for it in items}
        found = _page_texts(read, wanted, titles)
        now = self.clock.now()
        held: list[PageWait] = []
        for item_id, url in wanted.items():
            if item_id in found or url not in read.later:
                continue
            if self.wait > timedelta(0):
                held.append(PageWait(item_id, now, self._next_try(now, now, 0)))
            else:
                log.warning(_HEADLINE_NOW, url, read.later[url])
        report.pages_read += len(found)
        report.pages_waiting += len(held)
        report.pages_unread += len(wanted) - len(found) - len(held)
        if found:
            await asyncio.to_thread(self.store.save_page_texts, found)
        if held:
            await asyncio.to_thread(self.store.hold_for_pages, held)
            log.info(
                "%s for %s linked page%s, which may come back; trying again in %s",
                "1 item waits" if len(held) == 1 else f"{len(held)} items wait",
                "its" if len(held) == 1 else "their",
                "" if len(held) == 1 else "s",
                duration(held[0].next_try_at - now),
            )
        waiting = {w.item_id for w in held}
        return [
            replace(it, page_text=found[it.id]) if it.id in found else it
            for it in items
            if it.id not in waiting
        ]

    async def retry_waits(self, report: CycleReport) -> list[Item]:
        """The waiting items (:meth:`read`) whose wait is over, ready to judge.

        Tries the linked pages of the items whose next try is due (at most
        ``PAGE_WAITS_PER_CYCLE``): an item whose page is read now is returned with its
        text (stored first, as in :meth:`read`); one whose page may still come back
        waits on, tried again twice as long after (never past ``wait`` from its first
        failure); one whose wait is over, or whose page failed for good, is returned to be
        judged on its headline (a WARNING says so). Without a page reader (``[pages]`` was
        turned off since) every due item is returned as it is. Items already judged (by a
        re-poll, or a judgement made just before a crash) stop waiting here.

        The returned items still wait in the store: the caller releases them
        (``Store.release_page_waits``) once they are judged, or their judging queued, so
        a crash in between tries them again rather than losing them.
        """
        now = self.clock.now()
        due = await asyncio.to_thread(self.store.due_page_waits, now, PAGE_WAITS_PER_CYCLE)
        if not due:
            return []
        waits = {w.item_id: w for w in due}
        stored = await asyncio.to_thread(self.store.get_items, list(waits))
        judged = await asyncio.to_thread(self._judged_ids, stored)
        pending = [it for it in stored if it.id not in judged]
        gone = [item_id for item_id in waits if item_id not in {it.id for it in pending}]
        if gone:
            await asyncio.to_thread(self.store.release_page_waits, gone)
        wanted = {it.id: it.url for it in pending if it.url and not it.page_text}
        if self.reader is None or not wanted:
            return sorted(pending, key=arrival_order)
        read = await self.reader.read(list(dict.fromkeys(wanted.values())))
        found = _page_texts(read, wanted, {it.id: it.title for it in pending})
        rehold: list[PageWait] = []
        for item_id, url in wanted.items():
            if item_id in found:
                continue
            wait = waits[item_id]
            if url in read.later and now < wait.since + self.wait:
                tries = wait.tries + 1
                rehold.append(
                    replace(wait, next_try_at=self._next_try(wait.since, now, tries), tries=tries)
                )
            else:
                why = read.later.get(url, "it could not be read")
                log.warning(
                    "gave up waiting for linked page %s after %s (%s); its item is judged "
                    "on its headline",
                    url,
                    duration(now - wait.since, round_down=True),
                    why,
                )
        report.pages_read += len(found)
        report.pages_unread += len(wanted) - len(found) - len(rehold)
        report.pages_waiting += len(rehold)
        if found:
            await asyncio.to_thread(self.store.save_page_texts, found)
        if rehold:
            await asyncio.to_thread(self.store.hold_for_pages, rehold)
        waiting = {w.item_id for w in rehold}
        return sorted(
            (
                replace(it, page_text=found[it.id]) if it.id in found else it
                for it in pending
                if it.id not in waiting
            ),
            key=arrival_order,
        )

    def _judged_ids(self, items: Sequence[Item]) -> set[int]:
        """The ids of these items that some story has judged already."""
        return self.store.judged_item_ids([it.id for it in items])

    def _next_try(self, since: datetime, now: datetime, tries: int) -> datetime:
        """When to try a waiting item's page next: ``PAGE_RETRY_FIRST`` after the first
        failure, twice as long after each later try, and last at the end of its wait."""
        return min(now + PAGE_RETRY_FIRST * 2**tries, since + self.wait)

    def _suggest(self, items: Sequence[Item]) -> None:
        """Say once per feed (and process) that page reading would help its items.

        Only of a feed none of whose new items in this batch had a body: one short
        description among full ones is that item's, not the feed's way of publishing.
        """
        with_body = {it.feed_id for it in items if has_body(it.feed_text)}
        for it in items:
            if it.feed_id in self._headline_feeds or it.feed_id is None or not it.url:
                continue
            if it.feed_id not in with_body:
                self._headline_feeds.add(it.feed_id)
                log.info(
                    "%s (feed %d) gives headlines without a body; they are judged on the "
                    "headline alone. [pages] enabled = true judges such items on their "
                    "linked page's text (README: headline-only feeds)",
                    it.source,
                    it.feed_id,
                )


def _page_texts(read: PagesRead, wanted: dict[int, str], titles: dict[int, str]) -> dict[int, str]:
    """Item id -> the body of its linked page, for the wanted items whose page was read."""
    return {
        item_id: page_body(read.texts[url], titles[item_id])
        for item_id, url in wanted.items()
        if url in read.texts
    }


def page_body(text: str, title: str) -> str:
    """A linked page's main text without the headline it opens with.

    An article page repeats its headline above the text (the extracted text's first
    line); the feed's content does not, and the engine reads the headline on its own
    already. The first line goes when its words are the item's headline or the start of
    it covering most of it (the feed's headline may carry an outlet suffix, " - WRAL",
    that the page's does not). Anything else is kept as it is.
    """
    first, _, rest = text.partition("\n")
    line, head = text_tokens(first), text_tokens(title)
    if rest.strip() and len(line) >= 3 and head[: len(line)] == line:
        if 10 * len(line) >= 6 * len(head):
            return rest.strip()
    return text
