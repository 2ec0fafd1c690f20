"""An alert's cited summary: its sentences marked with the reports they come from.

A run of a summary's sentences from one report ends in a numbered marker ("[2]") that
names the report by its place among the development's links, so a marker names the same
report in every edit of an alert and in the thread replies quoting it. The links are
listed in number order, cited ones kept first where a platform has room for fewer
(:func:`cited_links`). A summary too long for an alert is shortened run by run, never by
cutting off its end, so that every marker stays next to the link it cites; the
shortening helpers (:func:`shorten_sentences`, :func:`shorten_prose`) serve the thread
notes' facts and the keyword notices too.
"""

from __future__ import annotations

import re
from typing import Sequence

from bot.engine.sentences import split_sentences
from bot.link_labels import MAX_LINKS
from bot.model import Citation, Development, OutboundMessage
from bot.render import shorten
from bot.thread_notes import FACT_MARKER, note_facts

# An alert's cited summary on every platform: its three extractive sentences fit whole
# (the engine keeps sentences of at most 60 words), and Slack and Discord show the same
# text. Over it, each report's run of sentences is shortened so that every marker stays.
ALERT_BODY_MAX = 1200


def citation_numbers(
    citations: Sequence[Citation], links: Sequence[tuple[str, str]] = ()
) -> dict[str, int]:
    """The marker number of each cited link.

    A cited report is numbered by its place among the development's ``links`` (first
    reporter first, as the store lists them: 1, 2, ...), so ``[2]`` names the same report
    in every edit of an alert and in the thread replies quoting it, however the summary's
    sentences change. A cited link the development does not list (a seed's) is numbered
    after them, in order of first citation; without ``links`` every cited link is.
    """
    order = report_numbers(links)
    numbers: dict[str, int] = {}
    extra = len(order)
    for c in citations:
        if c.url and c.url not in numbers:
            if c.url in order:
                numbers[c.url] = order[c.url]
            else:
                extra += 1
                numbers[c.url] = extra
    return numbers


def report_numbers(links: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Each linked report's place among a development's links: 1 for the first reporter."""
    order: dict[str, int] = {}
    for _, url in links:
        if url and url not in order:
            order[url] = len(order) + 1
    return order


def marker_numbers(message: OutboundMessage) -> dict[str, int]:
    """The marker number of each numbered link of an alert (see :func:`cited_summary`)."""
    numbers: dict[str, int] = {}
    for link in message.links:
        m = _MARKER_LABEL.match(link.label)
        if m:
            numbers.setdefault(link.url, int(m.group(1)))
    return numbers


_MARKER_LABEL = re.compile(r"\[(\d+)\] ")
_MARKER = re.compile(r"\[(\d+)\]")


def cited_links(message: OutboundMessage) -> frozenset[int]:
    """The places in ``message.links`` of the links its text cites.

    A link labelled ``[n] Outlet`` is cited when ``[n]`` is in the body or ends a fact
    of the thread note (an edit's new fact, see :func:`bot.alert_text.added_fact`). A
    platform that has room for fewer links than the message carries (the console's few
    lines, Slack's and Discord's characters) keeps these first: a marker whose link is
    hidden behind "… and 1 more" points at nothing.

    A message with citations cites only their reports: a number in brackets that an
    outlet's sentence quotes ("the inquiry's report [1] found ...") is not a marker
    unless the report it would name is cited, and must not take a cited link's room. A
    rewritten body (:mod:`bot.summarizer`) cites some of those reports, by their markers.
    """
    markers = {int(m) for m in _MARKER.findall(message.body or "")}
    if message.citations:
        numbers = marker_numbers(message)
        markers &= {numbers[c.url] for c in message.citations if c.url in numbers}
    for fact in note_facts(message.thread_note):
        if m := FACT_MARKER.search(fact):
            markers.add(int(m.group(1)))
    if not markers:
        return frozenset()
    return frozenset(
        i
        for i, link in enumerate(message.links)
        if (m := _MARKER_LABEL.match(link.label)) and int(m.group(1)) in markers
    )


def cited_summary(
    dev: Development, limit: int = ALERT_BODY_MAX, note: str | None = None
) -> tuple[str, list[tuple[str, str]]]:
    """The summary with its sentences cited, and the links its markers point to.

    A run of sentences from one report with a link ends in a numbered marker (``[2]``:
    the development's second report, see :func:`citation_numbers`); a run from a report
    without a link names its outlet in brackets. The links are every cited report and
    then the development's first other reports, up to ``MAX_LINKS``, each labelled with
    its number (``[2] Outlet``) and listed in number order, as a reader looks them up; a
    platform with room for fewer keeps the cited ones (see :func:`cited_links`). A
    development stored before citations existed keeps its plain summary and links.

    A report cited by the marker that ends a fact of ``note`` (the edit's thread note,
    see :func:`bot.thread_notes.with_fact`) is cited too: a fact carried along from an
    earlier edit may quote a sentence a later report pushed out of the summary, and its
    marker must still point at a link. Cited reports are never left out for
    ``MAX_LINKS``: it bounds only the uncited ones filling the rest, so an alert citing
    more lists each of them.

    The body fits in ``limit`` characters. A longer one is shortened run by run (the
    longest runs give up most, see :func:`_fit_runs`), never by cutting off its end:
    new facts are appended last, and every marker must stay next to the link it cites.

    Returns:
        ``(body, links)`` with ``links`` as ``(label, url)`` pairs.
    """
    if not dev.citations:
        return shorten_prose(dev.summary, limit), list(dev.links)
    numbered = citation_numbers(dev.citations, dev.links)
    listed: dict[str, tuple[int, str]] = {}  # url -> (number, outlet)
    runs: list[tuple[Citation, list[str]]] = []
    for c in dev.citations:
        if runs and (runs[-1][0].source, runs[-1][0].url) == (c.source, c.url):
            runs[-1][1].append(c.sentence)
        else:
            runs.append((c, [c.sentence]))
    parts: list[tuple[list[str], str]] = []  # (sentences, citation) per run
    for c, sentences in runs:
        if c.url:
            n = numbered[c.url]
            listed.setdefault(c.url, (n, c.source))
            parts.append((sentences, f" [{n}]"))
        elif c.source:
            parts.append((sentences, f" ({c.source})"))
        else:
            parts.append((sentences, ""))
    # the reports a fact of the note cites, by the numbers its markers name
    order = report_numbers(dev.links)
    reports: dict[int, tuple[str, str]] = {}  # number -> (outlet, url)
    for source, url in dev.links:
        if url:
            reports.setdefault(order[url], (source, url))
    for c in dev.citations:
        if c.url:
            reports.setdefault(numbered[c.url], (c.source, c.url))
    for fact in note_facts(note):
        if (m := FACT_MARKER.search(fact)) and (report := reports.get(int(m.group(1)))):
            listed.setdefault(report[1], (int(m.group(1)), report[0]))
    cited = sorted((n, source, url) for url, (n, source) in listed.items())
    # the development's other reports fill the rest of the links, first reporters first
    others = [(order[url], source, url) for source, url in dev.links if url and url not in listed]
    others = sorted(set(others))[: max(0, MAX_LINKS - len(cited))]
    links = [(f"[{n}] {source or url}", url) for n, source, url in sorted(cited + others)]
    return _fit_runs(parts, limit), links


def _fit_runs(parts: Sequence[tuple[list[str], str]], limit: int) -> str:
    """Join cited runs into at most ``limit`` characters, keeping every citation.

    When the whole text is too long, the room left after the citations is shared out
    (water-filling: a run shorter than its share keeps all of it, the rest share what it
    leaves) and each longer run is cut to its share by :func:`shorten_sentences`.
    """
    texts = [" ".join(sentences) for sentences, _ in parts]
    whole = " ".join(text + tail for text, (_, tail) in zip(texts, parts, strict=True))
    if len(whole) <= limit:
        return whole
    room = limit - sum(len(tail) for _, tail in parts) - (len(parts) - 1)
    budget = [0] * len(parts)
    left = len(parts)
    for i in sorted(range(len(parts)), key=lambda i: len(texts[i])):
        budget[i] = min(len(texts[i]), max(room, 0) // left)
        room -= budget[i]
        left -= 1
    out = []
    for (sentences, tail), share in zip(parts, budget, strict=True):
        out.append(shorten_sentences(sentences, max(share, 1)) + tail)
    return " ".join(out)


def shorten_sentences(sentences: Sequence[str], limit: int) -> str:
    """Whole sentences in at most ``limit`` characters, else a cut at a word, with "…".

    The leading sentences that fit are kept when they fill at least half of ``limit``
    (a clean cut); otherwise the text is cut at a word (:func:`bot.render.shorten`).
    """
    text = " ".join(sentences)
    if len(text) <= limit:
        return text
    kept: list[str] = []
    for sentence in sentences:
        if len(" ".join([*kept, sentence])) + 2 > limit:
            break
        kept.append(sentence)
    if kept and len(" ".join(kept)) + 2 >= limit // 2:
        return " ".join(kept) + " …"
    return shorten(text, limit)


def shorten_prose(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, cut after a sentence if one ends late
    enough, else at a word (see :func:`shorten_sentences`)."""
    if len(text) <= limit:
        return text
    return shorten_sentences(split_sentences(text) or [text], limit)
