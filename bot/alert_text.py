"""The alert of a development, and the new fact each edit of it tells in its thread.

:func:`alert_message` builds the alert (headline, cited summary, sources, links, the time
it was first reported). When a report joins the development, the alert is edited and
:func:`added_fact` finds what the report brought that the development did not have (the
sentences it gave the summary, else its lead when that is news to the development), told
as the thread note's fact: "Outlet: sentence. [2]". A rewording of a known sentence is no
news (:data:`RESTATED_SHARE`); a changed number or a negation is. :func:`revised_fact`
does the same for a report updated in place.
"""

from __future__ import annotations

import re
from typing import Sequence

from bot.citations import citation_numbers, cited_summary, report_numbers, shorten_sentences
from bot.engine.sentences import split_sentences
from bot.engine.summary import lead_fact
from bot.engine.words import tokens
from bot.link_labels import MAX_LINKS, message_links
from bot.model import Development, Item, Judgement, MessageKind, OutboundMessage, Story
from bot.render import repeats_headline
from bot.thread_notes import THREAD_NOTE_MAX


def alert_message(story: Story, dev: Development, note: str | None = None) -> OutboundMessage:
    """The alert for a development: headline, cited summary, sources, links, time.

    ``note`` is an edit's thread note (see :func:`bot.thread_notes.with_fact`); the links
    list the report each of its facts cites (see :func:`bot.citations.cited_summary`).

    The time is when the development was first reported (its earliest report's
    publication, else fetch, time), not when storybot processed it: after a backlog poll
    or a restart, an alert must not date a day-old turn "now". Chat clients mark edits
    themselves.
    """
    count = dev.item_count
    footer = f"Development {dev.number} of {story.title}"
    if count > 1:
        footer += f" · {count} reports"
    body, links = cited_summary(dev, note=note)
    if _only_the_headline(dev):
        body = ""  # the links still name the report; its summary is the headline above
    return OutboundMessage(
        kind=MessageKind.ALERT,
        title=dev.headline,
        body=body,
        story_name=story.name,
        sources=dev.sources,
        # cited_summary bounds the uncited links; every cited one is kept
        links=message_links(links, max(MAX_LINKS, len(links)) if dev.citations else MAX_LINKS),
        when=dev.first_reported_at or dev.updated_at,
        footer=footer,
        citations=dev.citations,
        thread_note=note,
    )


def _only_the_headline(dev: Development) -> bool:
    """Whether every sentence of ``dev``'s summary is its headline (see
    :func:`bot.render.repeats_headline`), so its alert has no summary to show."""
    if dev.citations:
        return all(repeats_headline(c.sentence, dev.headline) for c in dev.citations)
    return repeats_headline(dev.summary, dev.headline)


def added_fact(
    before: Development | None,
    after: Development,
    item: Item,
    judgement: Judgement | None = None,
) -> str | None:
    """The new fact a report brought to a development, for an edited alert's thread reply.

    It is the sentences of ``after``'s summary that ``before``'s did not have and that
    were taken from ``item`` (its link, or its outlet when it has none), cited as the
    alert cites them: "Outlet: sentence. [2]" points at the alert's "[2] Outlet" link.

    A summary keeps a development's few most central sentences, so a report leading
    with a turn the development has not told (the talks' agreement, in a development
    opened by the drills held during them) may never make it. Such a report joined by
    its whole text while its lead is one the development's leads would not take (its
    ``judgement``'s lead similarity below the lead threshold, see
    :meth:`bot.engine.developments.DevelopmentTracker.assign`): its lead sentence is
    its fact, cited the same way: the first sentence of its lead that states news
    (:func:`bot.engine.summary.lead_fact`: not a list's line, a byline, a picture's
    credit, a question or a column's opening), if it has one. Once it joined, its lead
    is one of the development's, so the next outlet's report of that turn is not told
    again.

    A report that only repeats what was known (a copy, another outlet's rewrite), or
    whose sentences did not make the summary and whose lead the development has, adds
    no fact: None.
    """
    if before is None:
        return None
    known = {c.sentence for c in before.citations} or set(split_sentences(before.summary))
    if item.url:
        mine = [c for c in after.citations if c.url == item.url]
    else:
        mine = [c for c in after.citations if not c.url and c.source == item.source]
    sentences = [c.sentence for c in mine if not _restates(c.sentence, known)]
    if sentences:
        return _fact_note(mine[0].source or item.source, sentences, after, item)
    if mine or judgement is None or not leads_with_news(judgement):
        return None
    lead = lead_fact(item.title, item.text)
    if lead is None or _restates(lead, known | {before.headline}):
        return None
    # named as the alert's links name it
    source = next((s for s, url in after.links if item.url and url == item.url), item.source)
    return _fact_note(source, [lead], after, item)


def leads_with_news(judgement: Judgement) -> bool:
    """Whether a report joined its development by its whole text with a lead the
    development's leads would not take (see :func:`added_fact`); never a copy."""
    if judgement.duplicate_of is not None or "copy" in judgement.reason:
        return False
    placed = judgement.reason.get("development")
    if not isinstance(placed, dict):
        return False
    similarity, bar = placed.get("lead_similarity"), placed.get("lead_threshold")
    if not isinstance(similarity, int | float) or not isinstance(bar, int | float):
        return False  # judged before leads were measured, or joined by its lead
    return similarity < LEAD_NEWS_SHARE * bar


# A joining report's lead is news to its development below this share of the lead
# threshold (the cosine at which the development's leads take a report as another
# outlet's of theirs). Measured on the joins whose sentences made no summary (RSS sets,
# giveme5w1h, giveme5w1h_developments; docs/engine.md): other outlets' rewordings of a
# development's turn score 0.28-0.52 ("At least seven passengers died ..." in the tram
# crash 0.32), new turns less (the Iran talks' "agreed on guiding principles" in the
# drills' development 0.17, the tram victims named 0.02); a "new:" reply flooding a
# thread with rewordings is worse than one missed.
LEAD_NEWS_SHARE = 0.5


# Of two sentences sharing this share of their words (Jaccard, stemmed, no stop words),
# the later one says again what the earlier said: another outlet's wording of one wire
# sentence ("The North's leader, Kim Jong Un, ordered the launch ..." after "The North's
# leader Kim Jong Un ordered the missile drill ..." shares 0.70); two facts about one
# turn share far less (0.33 for the launch as Beijing and as Tokyo described it).
RESTATED_SHARE = 0.6
# Numbers spelled out ("five killed" after "three killed" is news, as "5" after "3" is).
_NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy "
    "eighty ninety hundred thousand million billion trillion dozen".split()
)
# Negations are stop words to tokens(): "would not resign" and "would resign" share all.
_NEGATION = re.compile(r"(?i)\b(?:not|no|never|nor|neither|none|nobody|nothing|cannot)\b|n[’']t\b")


def _restates(sentence: str, known: set[str]) -> bool:
    """Whether ``sentence`` is, or reworded says, one of the ``known`` sentences.

    A sentence with a number none of them has is news however much it shares ("59
    killed" after "50 killed", "five" after "three"): the toll rose. So is one that
    negates what the other says, or the other way round ("would not resign" after
    "would resign"), and one that says more than it leaves out: words it adds beyond
    the other's rewording are a clause the other has not ("A third man died at the
    scene while two men were wounded ..." after "Two men were wounded ...").
    """
    if sentence in known:
        return True
    words = set(tokens(sentence))
    negated = _NEGATION.search(sentence) is not None
    for other in known:
        theirs = set(tokens(other))
        if not words or not theirs or any(_is_number(w) for w in words - theirs):
            continue
        if negated != (_NEGATION.search(other) is not None):
            continue
        if len(words - theirs) > len(theirs - words) + 1:  # it says more: a new clause
            continue
        if len(words & theirs) >= RESTATED_SHARE * len(words | theirs):
            return True
    return False


def _is_number(word: str) -> bool:
    return word[:1].isdigit() or word in _NUMBER_WORDS


def revised_fact(
    before: Development | None, after: Development, item: Item, sentences: Sequence[str]
) -> str | None:
    """The new fact of a report updated in place, for its development's edited alert.

    What :func:`added_fact` finds when the update's sentences made the summary; else
    the ``sentences`` the update added (:func:`bot.revision.revision`), said as
    "Outlet (updated): ...": the summary keeps its few most central sentences, and an
    outlet's added line is the news all the same. None when it added none.
    """
    found = added_fact(before, after, item)
    if found is not None or not sentences:
        return found
    label = f"{item.source} (updated)" if item.source else "Updated"
    return _fact_note(label, sentences, after, item)


def _fact_note(source: str, sentences: Sequence[str], after: Development, item: Item) -> str:
    head = f"{source}: " if source else ""
    # a report whose sentences are not in the summary is numbered by its place as well
    numbers = {**report_numbers(after.links), **citation_numbers(after.citations, after.links)}
    tail = f" [{numbers[item.url]}]" if item.url and item.url in numbers else ""
    # shortened between the outlet and the marker: a cut must not take the marker along
    return head + shorten_sentences(sentences, THREAD_NOTE_MAX - len(head) - len(tail)) + tail
