"""Building the neutral messages storybot sends: alerts, keyword notices and digests.

Each builder is a pure function from stored facts to an ``OutboundMessage``; adapters render
and escape it. Outbox keys are built here too, so that the pipeline, the digest job and the
tests agree on them.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from typing import Sequence
from urllib.parse import urlsplit

from bot.clock import utc
from bot.digest_schedule import shown_local, shown_span
from bot.engine.analysis import item_time
from bot.engine.summary import lead_fact
from bot.engine.text import split_sentences, strip_outlet_suffix, tokens
from bot.feed_trailers import without_trailers
from bot.model import (
    Binding,
    Citation,
    Development,
    Item,
    Judgement,
    Link,
    MessageKind,
    OutboundMessage,
    Story,
    Subscription,
)
from bot.query import Document, Query
from bot.render import (
    counted,
    developments_command,
    repeats_headline,
    shorten,
    source_list,
    status_command,
)

MAX_LINKS = 5
# characters of an item's summary a notice quotes: room for a whole lead sentence of up to
# about 60 words, so a DM does not stop a few words before its first full stop
NOTICE_BODY_MAX = 400
# An alert's cited summary on every platform: its three extractive sentences fit whole
# (the engine keeps sentences of at most 60 words), and Slack and Discord show the same
# text. Over it, each report's run of sentences is shortened so that every marker stays.
ALERT_BODY_MAX = 1200
DIGEST_LABEL_MAX = 60  # characters of a development's headline labelling its digest link
# A digest lists one line per development in at most this many characters: one Slack
# section and well within a Discord description. Developments past it are counted.
DIGEST_BODY_MAX = 2800
DIGEST_HEADLINE_MAX = 150  # characters of a development's headline in its digest line
DIGEST_SENTENCE_MAX = 160  # characters of its summary's first sentence when space is short
# ... and when every development's line fits the body with its whole first sentence (the
# engine keeps sentences of at most 60 words), the sentence is not cut at all
DIGEST_WHOLE_SENTENCE_MAX = 400
DIGEST_MAX_LINKS = 10  # one link per listed development, up to this many
_CLOSING_QUOTES = "\"'”’»)"  # what may follow a headline's own full stop
THREAD_NOTE_MAX = 600  # characters of the new fact an edited alert's thread reply quotes


def alert_key(story_id: int, development: int, binding: Binding) -> str:
    """The idempotency key of the one alert a channel gets for a development."""
    return f"alert:{story_id}:{development}:{binding.platform}:{binding.channel_id}"


def notice_key(platform: str, user_id: str, item_id: int) -> str:
    """The idempotency key of the one notice a user gets for an item.

    Per user, not per subscription: a user whose subscriptions match an item twice gets
    one DM naming both. ``item_id`` is the first report of the item's text
    (:meth:`bot.engine.Engine.first_report`), so the copies of a wire report that other
    outlets print share the key of the first one.
    """
    return f"notice:{platform}:{user_id}:{item_id}"


def legacy_notice_key(subscription_id: int, item_id: int) -> str:
    """The key of a notice queued before notices were keyed per user (see the pipeline)."""
    return f"notice:{subscription_id}:{item_id}"


def digest_key(binding_id: int, period_start: datetime | None) -> str:
    stamp = period_start.strftime("%Y%m%dT%H%M%S") if period_start else "start"
    return f"digest:{binding_id}:{stamp}"


# A web address in a label: "bank.com", "https://bank.com/login", "Log in at bank.co.uk",
# in any script ("bаnk.com" with a Cyrillic "а" looks like the bank's). A name of one
# letter is an abbreviation ("N.Korea fires missile", "W.Va. man arrested"), unless the
# label spells it as an address ("https://x.com", "www.x.com").
_DISGUISED_LABEL_MAX = 40
# The host added, its end kept: the site is the end of a host, and a long one
# ("bank.com.login-….evil.example") must not push it past the label's end, where chat
# cuts a label (Slack at 80 characters: 40 + " (" + 36 + ")" fits).
_SHOWN_HOST_MAX = 36
_LABEL_HOST = re.compile(
    r"(?<![\w.-])(?:(?:https?://|www\.)(?:[^\W_]|-)+|(?:[^\W_]|-){2,})"
    r"(?:\.(?:[^\W_]|-)+)*\.[^\W\d_]{2,}(?![\w-])",
    re.IGNORECASE,
)
# An ideographic full stop between Latin letters or digits reads as a dot (IDNA and
# browsers take it for one); in Chinese or Japanese text it ends a sentence.
_IDEOGRAPHIC_DOT = re.compile(r"(?<=[A-Za-z0-9-])[\u3002\uff61](?=[A-Za-z0-9])")


def _as_read(label: str) -> str:
    """``label`` as a reader reads it: look-alike dots as dots (NFKC maps the fullwidth,
    small and one-dot-leader forms to "."), invisible characters (zero-width spaces and
    joiners, word joiner, soft hyphen: format characters) gone."""
    text = "".join(ch for ch in label if unicodedata.category(ch) != "Cf")
    return _IDEOGRAPHIC_DOT.sub(".", unicodedata.normalize("NFKC", text))


def honest_label(label: str, url: str) -> str:
    """``label`` for a link to ``url``, with the link's own host added if it names another.

    Link labels come from feeds (an outlet's name, a headline), and chat shows the label,
    not the address: a feed titled "bank.com", or a headline "https://bank.com/login",
    would disguise a link to anywhere. A label naming a web address that is not the
    link's host (nor a domain of it: "reuters.com" for www.reuters.com) is followed by
    the host the link goes to: "bank.com (evil.example)".
    """
    try:
        host = (urlsplit(url).hostname or "").removeprefix("www.")
    except ValueError:
        return label
    if not host:
        return label
    for named in _LABEL_HOST.findall(_as_read(label)):
        named = named.lower().split("://")[-1].removeprefix("www.")
        if host != named and not host.endswith("." + named):
            # the label shortened, and a long host cut at its start: chat cuts a long
            # label at its end
            if len(host) > _SHOWN_HOST_MAX:
                host = "…" + host[-(_SHOWN_HOST_MAX - 1) :]
            return f"{shorten(label, _DISGUISED_LABEL_MAX)} ({host})"
    return label


def _links(pairs: Sequence[tuple[str, str]], most: int = MAX_LINKS) -> tuple[Link, ...]:
    seen: set[str] = set()
    out = []
    for label, url in pairs:
        if url and url not in seen:
            seen.add(url)
            out.append(Link(label=honest_label(label, url) if label else url, url=url))
        if len(out) >= most:
            break
    return tuple(out)


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
_FACT_MARKER = re.compile(r"\[(\d+)\]$")  # the marker that ends a thread note's fact


def cited_links(message: OutboundMessage) -> frozenset[int]:
    """The places in ``message.links`` of the links its text cites.

    A link labelled ``[n] Outlet`` is cited when ``[n]`` is in the body or ends a fact
    of the thread note (an edit's new fact, see :func:`_fact_note`). A platform that has
    room for fewer links than the message carries (the console's few lines, Slack's and
    Discord's characters) keeps these first: a marker whose link is hidden behind "… and
    1 more" points at nothing.

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
        if m := _FACT_MARKER.search(fact):
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
    see :func:`with_fact`) is cited too: a fact carried along from an earlier edit may
    quote a sentence a later report pushed out of the summary, and its marker must still
    point at a link. Cited reports are never left out for ``MAX_LINKS``: it bounds only
    the uncited ones filling the rest, so an alert citing more lists each of them.

    The body fits in ``limit`` characters. A longer one is shortened run by run (the
    longest runs give up most, see :func:`_fit_runs`), never by cutting off its end:
    new facts are appended last, and every marker must stay next to the link it cites.

    Returns:
        ``(body, links)`` with ``links`` as ``(label, url)`` pairs.
    """
    if not dev.citations:
        return _shorten_prose(dev.summary, limit), list(dev.links)
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
        if (m := _FACT_MARKER.search(fact)) and (report := reports.get(int(m.group(1)))):
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
    leaves) and each longer run is cut to its share by :func:`_shorten_sentences`.
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
        out.append(_shorten_sentences(sentences, max(share, 1)) + tail)
    return " ".join(out)


def _shorten_sentences(sentences: Sequence[str], limit: int) -> str:
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


def _shorten_prose(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, cut after a sentence if one ends late
    enough, else at a word (see :func:`_shorten_sentences`)."""
    if len(text) <= limit:
        return text
    return _shorten_sentences(split_sentences(text) or [text], limit)


def alert_message(story: Story, dev: Development, note: str | None = None) -> OutboundMessage:
    """The alert for a development: headline, cited summary, sources, links, time.

    ``note`` is an edit's thread note (see :func:`with_fact`); the links list the
    report each of its facts cites (see :func:`cited_summary`).

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
        links=_links(links, max(MAX_LINKS, len(links)) if dev.citations else MAX_LINKS),
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
    return head + _shorten_sentences(sentences, THREAD_NOTE_MAX - len(head) - len(tail)) + tail


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
    marker = _FACT_MARKER.search(fact)
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
    """``outlet``'s stored fact ("Outlet: sentence. [2]", see :func:`added_fact`) without
    the sentences ``text`` already quotes; None when it has no other.

    For a reply that shows ``text`` (a sentence of that outlet's) right above the fact:
    the outlet's report that gave the summary its first sentence often brought it as its
    fact too, maybe with more after it, and the fact is told once. A fact cut short
    keeps its "…" after the sentences left. A fact of another outlet (or none) is
    returned whole: ``text`` did not say that outlet says it.
    """
    head = f"{outlet}: "
    if not outlet or not fact.startswith(head):
        return fact
    marker = _FACT_MARKER.search(fact)
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


def _found(query: Query, doc: Document) -> str:
    """Which of ``query``'s words the item has, as a notice says them: " (found: a, b)".

    Only when that tells the reader something: for ``rail`` or ``pentagon AND dod`` every
    word was found, for ``"supply chain" OR hearing`` it says which one it was.
    """
    found = query.matched_terms(doc)
    if not found or found == query.terms():
        return ""
    return f" (found: {', '.join(sorted(found))})"


# A byline opening a feed's summary: "By" and names (capitalised words, a few particles),
# separated by commas or "and", ending its line or running into the all-capitals dateline
# ("By Olivia Le Poidevin GENEVA, Feb 17 (Reuters) - ..."). "By the time ..." and "By
# Monday night, ..." are news: a lower-case word or a comma ends the names elsewhere.
_NAME = r"(?:[A-Z][\w'’.-]*|de|del|der|van|von|da|di|al|bin|la|le)"
_BYLINE = re.compile(
    rf"^By\s+[A-Z][\w'’.-]*(?:[ \t]+{_NAME})*"
    rf"(?:(?:,[ \t]*|[ \t]+(?:and|&)[ \t]+)[A-Z][\w'’.-]*(?:[ \t]+{_NAME})*)*"
    r"(?:[ \t]*\n\s*|\s+(?=[A-Z]{2,}(?:[ /][A-Z]{2,})*\b[^a-z]))"
)


def notice_body(item: Item) -> str:
    """The text a notice of ``item`` shows: its summary, else its body, shortened,
    on one line, without the byline a wire report's summary opens with (see ``_BYLINE``),
    a first line that is the headline again, or the footer and "read more" link blog
    software ends it with (:func:`bot.feed_trailers.without_trailers`).

    One line: feeds hard-wrap their text ("makes the case that\\nvery large models"),
    and a chat that shows a notice's first lines showed half a sentence of it.
    """
    text = without_trailers((item.summary or item.content or "").strip(), item.title)
    text = _BYLINE.sub("", text, count=1)
    first, _, rest = text.partition("\n")
    headline = strip_outlet_suffix(item.title) or item.title
    if rest.strip() and (repeats_headline(first, headline) or repeats_headline(first, item.title)):
        text = rest
    return _shorten_prose(" ".join(text.split()), NOTICE_BODY_MAX)


@dataclass(frozen=True)
class NoticeParts:
    """What every notice of one item shows, worked out once for the item.

    A caller writing many notices of an item (about 20 with 10,000 subscriptions) makes
    it once and passes it to each :func:`notice_message`: only the footer, naming the
    subscriber's queries, differs from one notice to the next.

    Attributes:
        doc: The item tokenized (``Document.from_text(item.title, item.text)``), which
            the footer's "found" words are looked up in.
        title: The headline without the outlet's suffix.
        body: :func:`notice_body`; empty when it only repeats the headline.
        links: The item's link, labelled honestly (:func:`honest_label`).
    """

    doc: Document
    title: str
    body: str
    links: tuple[Link, ...]

    @classmethod
    def of(cls, item: Item, doc: Document | None = None) -> NoticeParts:
        """The parts of ``item``'s notices (``doc``: ``item`` tokenized already)."""
        # the outlet is named once, on the sources line: not also as " - Outlet" here
        title = strip_outlet_suffix(item.title) or item.title
        body = notice_body(item)
        if repeats_headline(body, title) or repeats_headline(body, item.title):
            body = ""  # a feed that repeats its headline as the summary: shown once
        return cls(
            doc=doc if doc is not None else Document.from_text(item.title, item.text),
            title=title,
            body=body,
            links=(Link(honest_label(item.source, item.url), item.url),) if item.url else (),
        )


def notice_message(
    matched: Sequence[tuple[Subscription, Query]],
    item: Item,
    story: Story | None,
    parts: NoticeParts | None = None,
) -> OutboundMessage:
    """A keyword-subscription match, sent by DM to the subscriber.

    Args:
        matched: The subscriber's subscriptions that matched the item (at least one),
            each with its query as the matcher parsed it (not parsed again here).
        item: The item.
        story: The story to name, if the subscriptions are scoped to one.
        parts: :meth:`NoticeParts.of` ``item``, by a caller writing many notices of it;
            worked out here when not given.
    """
    if parts is None:
        parts = NoticeParts.of(item)
    # each named as /story subscribe and /story subscriptions name it (Query.describe)
    names = "; ".join(f"#{s.id}: {q.describe()}{_found(q, parts.doc)}" for s, q in matched)
    footer = f"Matched your subscription{'s' if len(matched) > 1 else ''} {names}"
    return OutboundMessage(
        kind=MessageKind.NOTICE,
        title=parts.title,
        body=parts.body,
        story_name=story.name if story else None,
        sources=(item.source,),
        links=parts.links,
        # a date later than the fetch is the feed's error (the engine's rule, item_time)
        when=item_time(item.published, item.fetched_at),
        footer=footer,
    )


@dataclass(frozen=True)
class DigestUpdate:
    """A development an earlier digest listed, and what reports added to it since.

    Attributes:
        development: The development as it now reads.
        reports: How many reports joined it since the last digest (copies included).
        sources: Their outlets, first reporter first.
        facts: What they added, each as the edited alert's thread note says it
            (:func:`added_fact`, :func:`revised_fact`), with its report's link ("" if none).
        reported: When those reports were published (else fetched), earliest first: the
            digest's span of time counts them, not the development's first report.
    """

    development: Development
    reports: int
    sources: tuple[str, ...]
    facts: tuple[tuple[str, str], ...]
    reported: tuple[datetime, ...] = ()


UPDATES_HEADER = "Updated since the last digest:"
UPDATE_LABEL = " (update)"  # an update line's link, to the report that brought its fact
# What a digest's time (``when``, from ``when_from``) is, as every renderer labels it: when
# its news was reported (:func:`digest_span`), not when storybot processed it
DIGEST_WHEN = "reported"
DIGEST_FACT_MAX = 200  # characters of a fact in a digest's update line when space is short


def digest_message(
    story: Story,
    devs: Sequence[Development],
    since: datetime | None,
    platform: str | None = None,
    updates: Sequence[DigestUpdate] = (),
    *,
    until: datetime | None = None,
    zone: tzinfo = timezone.utc,
    overflow: bool = False,
) -> OutboundMessage:
    """One message listing several developments, for digest channels and alert overflow.

    Each development gets one line, its headline and the first sentence of its summary
    (:func:`digest_line`): the whole sentence when every line fits so, else both
    shortened at a word so that more developments are listed. Lines are kept whole while the body
    stays within ``DIGEST_BODY_MAX``; the developments that do not fit are counted in a
    last line that says where to read them, so none is dropped silently and no renderer
    has to cut the body (a cut would fall mid-word, hiding how many were left out).

    ``updates`` (developments an earlier digest listed that reports added facts to since)
    follow under :data:`UPDATES_HEADER`, one line each (:func:`digest_update_line`), in
    the room the new developments leave: they are the first thing cut, counted as the
    developments are. Each line's link goes to the report of its first fact.

    The footer names the period the digest covers (:func:`digest_footer`): from ``since``
    (the last digest, or the follow) to ``until`` (now), in ``zone``.
    """
    n = len(devs)
    # where to read the rest, as users on the digest's platform type it
    status = status_command(story.name, platform)
    more = f"… and {{n}} more: {status}"
    # status tells only the latest few updated developments; every entry of the
    # developments pages tells its newest fact, so that is where all of them are
    listed = f"{developments_command(story.name, platform)} tells their newest facts"
    more_updated = f"… and {{n}} more updated: {listed}"
    none_told = f"… {counted(len(updates), 'development')} updated: {listed}"
    room = DIGEST_BODY_MAX
    if updates:  # room kept for the header and the count of the updates left out
        counts = max(len(more_updated.format(n=len(updates))), len(none_told))
        room -= len(UPDATES_HEADER) + counts + 2
    whole = [digest_line(dev, DIGEST_WHOLE_SENTENCE_MAX) for dev in devs]
    if len("\n".join(whole)) <= room:  # room for every first sentence, uncut
        candidates = whole
    else:  # shorter lines, so that more developments are listed
        candidates = [digest_line(dev) for dev in devs]
    lines, shown_n = _fitting(candidates, more, room)
    shown = devs[:shown_n]
    links: list[tuple[str, str]] = []
    sources: list[str] = []
    for dev in shown:
        if dev.links:
            links.append((shorten(dev.headline, DIGEST_LABEL_MAX), dev.links[0][1]))
    for dev in devs:
        for s in dev.sources:
            if s not in sources:
                sources.append(s)
    if updates:
        left = DIGEST_BODY_MAX - sum(len(line) + 1 for line in lines) - len(UPDATES_HEADER) - 1
        whole = [digest_update_line(u, None) for u in updates]
        if len("\n".join(whole)) <= left:
            candidates = whole
        else:
            candidates = [digest_update_line(u) for u in updates]
        told, told_n = _fitting(candidates, more_updated, left, first_may_go=True)
        if not told_n:
            told = [none_told]
        lines += [UPDATES_HEADER, *told]
        for u in updates[:told_n]:
            # the report that brought the first fact (labelled as the update it is: it is
            # not the article the development's headline names), else the development's
            url = next((url for _, url in u.facts if url), "")
            if url:
                label = shorten(u.development.headline, DIGEST_LABEL_MAX - len(UPDATE_LABEL))
                links.append((label + UPDATE_LABEL, url))
            elif u.development.links:
                label = shorten(u.development.headline, DIGEST_LABEL_MAX)
                links.append((label, u.development.links[0][1]))
        for u in updates:
            for s in u.sources:
                if s not in sources:
                    sources.append(s)
    m = len(updates)
    if n and m:
        title = f"{n} new development{'s' if n != 1 else ''} and {m} updated in {story.title}"
    elif m:
        title = f"{m} development{'s' if m != 1 else ''} updated in {story.title}"
    else:
        title = f"{n} new development{'s' if n != 1 else ''} in {story.title}"
    first, last = digest_span(devs, updates, since)
    return OutboundMessage(
        kind=MessageKind.DIGEST,
        title=title,
        body="\n".join(lines),
        story_name=story.name,
        sources=tuple(sources),
        links=_links(links, DIGEST_MAX_LINKS),
        when=last,
        when_from=first if first != last else None,
        footer=digest_footer(since, until, zone, overflow=overflow),
    )


def digest_footer(
    since: datetime | None, until: datetime | None, zone: tzinfo, *, overflow: bool = False
) -> str:
    """A digest's footer: the period it covers, as the channel's clock reads it.

    "Digest of 2026-03-05 09:00 – 2026-03-06 09:00 CET": what storybot found from the last
    digest (or the follow) to this one, in ``[delivery] timezone`` (``zone``). Beside the
    span of when its news was *reported* (``when``), which after a backlog poll is months
    earlier, this is the span it stands for, so a reader sees that nothing is missing
    between two digests. A realtime channel's overflow digest says it is one
    (``overflow``): the alerts over its hourly cap.
    """
    if until is None:
        return "Digest"
    until, since = utc(until), utc(since) if since is not None else None
    span = (
        f"of {shown_span(since, until, zone)}"
        if since is not None and since < until
        else f"up to {shown_local(until, zone)}"
    )
    cap = " (alerts over this channel's hourly cap)" if overflow else ""
    return f"Digest {span}{cap}"


def digest_span(
    devs: Sequence[Development], updates: Sequence[DigestUpdate], since: datetime | None
) -> tuple[datetime | None, datetime | None]:
    """When a digest's news was reported: the earliest and the latest of its new
    developments' first reports and its updates' reports (published, else fetched).

    Not when storybot processed them (``updated_at``): after a backlog poll that is today
    for news of months ago, while the alerts already give the first report's time. A
    development with no report time (none linked yet) counts from its ``created_at``;
    with no time at all, ``since`` (the last digest) is both.
    """
    times = [d.first_reported_at or d.created_at for d in devs]
    times += [t for u in updates for t in u.reported]
    if not times:
        return since, since
    return min(times), max(times)


def _fitting(
    candidates: Sequence[str], more: str, room: int, *, first_may_go: bool = False
) -> tuple[list[str], int]:
    """The leading ``candidates`` that fit ``room`` characters (a line each), then
    ``more`` counting the rest; and how many were kept.

    The first line is kept whatever its length unless ``first_may_go``: a digest says at
    least one development.
    """
    n = len(candidates)
    lines: list[str] = []
    size = 0
    for i, line in enumerate(candidates):
        # room for this line, and for the "and N more" line if others follow it
        tail = len(more.format(n=n - i - 1)) + 1 if i < n - 1 else 0
        if (lines or first_may_go) and size + len(line) + 1 + tail > room:
            break
        lines.append(line)
        size += len(line) + 1
    kept = len(lines)
    if lines and kept < n:
        lines.append(more.format(n=n - kept))
    return lines, kept


_FACT_END = re.compile(r"\s*\[\d+\]$")


def fact_text(fact: str) -> str:
    """A stored fact (:func:`added_fact`) as a digest or ``/story status`` tells it: without
    the "[2]" that numbers its report among an alert's links, which they do not list."""
    return " ".join(_FACT_END.sub("", fact).split())


def digest_update_line(update: DigestUpdate, fact_max: int | None = DIGEST_FACT_MAX) -> str:
    """An updated development's line: "• Headline: 2 more reports (AP and BBC); new: AP:
    The toll rose to 59."

    Its facts are those of the edited alerts' thread notes, without their markers: "[2]"
    numbers a report among the development's links, which a digest does not list (the
    line's link goes to the report of its first fact). Each fact is cut at a word, with
    "…", past ``fact_max`` characters (None: kept whole).
    """
    dev = update.development
    headline = shorten(" ".join(dev.headline.split()), DIGEST_HEADLINE_MAX)
    facts = []
    for fact, _ in update.facts:
        text = fact_text(fact)
        facts.append(text if fact_max is None else shorten(text, fact_max))
    reports = ""
    if update.reports:
        reports = counted(update.reports, "more report")
        if named := source_list(update.sources):
            reports += f" ({named})"
        reports += "; "
    return f"• {headline}: {reports}new: {' '.join(facts)}"


def digest_line(dev: Development, sentence_max: int = DIGEST_SENTENCE_MAX) -> str:
    """A development's line in a digest: "• Headline: first sentence of its summary".

    The sentence is cut at a word, with "…", when it is longer than ``sentence_max``. A
    headline that ends a sentence of its own ("... Than He Thought.", "What's next for
    the talks?") is followed by the sentence without a colon, which would read ".:".
    """
    headline = shorten(" ".join(dev.headline.split()), DIGEST_HEADLINE_MAX)
    sentences = split_sentences(dev.summary) if dev.summary else []
    if not sentences or repeats_headline(sentences[0], dev.headline):
        return f"• {headline}"
    after = " " if headline.rstrip(_CLOSING_QUOTES).endswith((".", "?", "!")) else ": "
    return f"• {headline}{after}{shorten(sentences[0], sentence_max)}"
