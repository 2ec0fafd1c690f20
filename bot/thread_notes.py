"""The facts an edited alert's thread note tells: its format, and how each is shown.

A note holds one fact a line, each "Outlet: sentence. [2]" (made by
:func:`bot.alert_text.added_fact`): the marker numbers the report among the alert's
links. An edit queued over one not yet sent carries the earlier facts along
(:func:`with_fact`); a sink that posts facts as messages names each by its digest
(:func:`fact_digest`) so that none is posted twice. Beside a summary that already quotes
a fact, the fact is named rather than said again (:func:`shown_facts`,
:func:`fact_beyond`), and a digest or ``/story status`` tells it without its marker
(:func:`fact_text`).
"""

from __future__ import annotations

import hashlib
import re

from bot.engine.sentences import split_sentences
from bot.model import OutboundMessage

THREAD_NOTE_MAX = 600  # characters of the new fact an edited alert's thread reply quotes
FACT_MARKER = re.compile(r"\[(\d+)\]$")  # the marker that ends a thread note's fact


def with_fact(pending: str | None, fact: str | None) -> str | None:
    """The thread note of an alert edit: a fact not yet delivered, then the new one.

    An alert's outbox row keeps one message, so an edit queued over one not yet sent
    must carry the earlier fact along, or its thread reply would never be posted. Facts
    are kept whole, one a line (a cut one would lose its citation marker); when they
    outgrow ``2 * THREAD_NOTE_MAX`` the oldest give way.

    A carried fact may be one that is being delivered at this very moment (the pipeline
    cannot tell an edit in flight from one not yet sent), so a note may repeat a fact
    already posted: a sink that posts facts as messages of their own skips the ones it
    finds already posted (see :func:`fact_digest`).
    """
    notes = list(dict.fromkeys(line for n in (pending, fact) for line in note_facts(n)))
    while len(notes) > 1 and len("\n".join(notes)) > 2 * THREAD_NOTE_MAX + 1:
        notes.pop(0)
    return "\n".join(notes) if notes else None


def note_facts(note: str | None) -> list[str]:
    """The distinct facts of a thread note, in order: one a line (see :func:`with_fact`)."""
    if not note:
        return []
    return list(dict.fromkeys(line.strip() for line in note.splitlines() if line.strip()))


def shown_facts(message: OutboundMessage) -> list[str]:
    """The facts of an edited alert's thread note as shown beside its summary.

    Where the note is printed under the summary (the console's "new:" lines, Discord's
    "New" field), a fact whose sentences the summary already quotes would say them
    twice, right under each other: a report that became the summary's whole text, or
    whose sentence was appended last, is then named by its outlet and marker only
    ("Bay Tech Daily [4], quoted in the summary above"). A fact the summary does not
    quote (a revised report's added line) is shown whole. Slack posts the note as a
    threaded reply of its own, which is read without the summary beside it: whole.
    """
    return [_shown_fact(fact, message.body) for fact in note_facts(message.thread_note)]


_CUT_MARK = "…"  # a fact cut short ends so (before its marker)


def _shown_fact(fact: str, body: str) -> str:
    marker = FACT_MARKER.search(fact)
    text = fact[: marker.start()].rstrip() if marker else fact
    text = text.removesuffix(_CUT_MARK).rstrip()
    tail = f" {marker.group()}" if marker else ""
    # the outlet ends at a ": " (an outlet's own name may hold one: try each)
    at = text.find(": ")
    while at > 0:
        sentences = split_sentences(text[at + 2 :])
        if sentences and all(s in body for s in sentences):
            return f"{text[:at]}{tail}, quoted in the summary above"
        at = text.find(": ", at + 2)
    return fact


def fact_beyond(fact: str, outlet: str, text: str) -> str | None:
    """``outlet``'s stored fact ("Outlet: sentence. [2]", see
    :func:`bot.alert_text.added_fact`) without the sentences ``text`` already quotes; None
    when it has no other.

    For a reply that shows ``text`` (a sentence of that outlet's) right above the fact:
    the outlet's report that gave the summary its first sentence often brought it as its
    fact too, maybe with more after it, and the fact is told once. A fact cut short
    keeps its "…" after the sentences left. A fact of another outlet (or none) is
    returned whole: ``text`` did not say that outlet says it.
    """
    head = f"{outlet}: "
    if not outlet or not fact.startswith(head):
        return fact
    marker = FACT_MARKER.search(fact)
    said = fact[len(head) : marker.start() if marker else len(fact)].rstrip()
    whole = said.removesuffix(_CUT_MARK).rstrip()
    sentences = split_sentences(whole)
    left = [s for s in sentences if s not in text]
    if len(left) == len(sentences):
        return fact
    if not left:
        return None
    cut = said[len(whole) :] if left[-1] == sentences[-1] else ""
    return head + " ".join(left) + cut + (f" {marker.group()}" if marker else "")


def fact_digest(fact: str) -> str:
    """A short, stable name of one fact of a thread note, the same in every process.

    A sink that posts a note's facts tags the post with their digests and, before posting
    a note again, leaves out the facts whose digest it finds already posted: a note that
    carries a fact delivered meanwhile, or the retry of an edit cut off by a crash after
    the note was posted, then posts each fact once.
    """
    return hashlib.sha256(" ".join(fact.split()).encode()).hexdigest()[:16]


_FACT_END = re.compile(r"\s*\[\d+\]$")


def fact_text(fact: str) -> str:
    """A stored fact (:func:`bot.alert_text.added_fact`) as a digest or ``/story status``
    tells it: without the "[2]" that numbers its report among an alert's links, which they
    do not list."""
    return " ".join(_FACT_END.sub("", fact).split())
