"""Near-duplicate evaluation on a syndication test set built from real articles.

There is no labelled syndication data among the evaluation streams, so the test set is
made from the streams' real articles, deterministically (seeded):

* **positives**: copies of an article as syndication produces them: an outlet suffix on
  the headline (" - Reuters", " | AP News", ":: WRAL.com"), boilerplate added at either
  end or trimmed, a paragraph dropped, a rewritten headline over the same body,
  tracking parameters on the URL, and a headline-only feed entry of the same report;
* **negatives**: other real articles about the *same event* (the hardest negatives:
  same names, places and numbers, different writers). The streams themselves contain
  real syndication (one AP report in three newspapers, the same page linked under two
  ids), so an article whose body shares at least half of its word 4-shingles verbatim
  with another article of the event (exact containment, computed without MinHash) is a
  true copy, not a negative; such articles are left out of the negatives and counted
  in ``negatives_skipped_verbatim``. ``precision_all_negatives`` reports the precision
  had they been kept as negatives, for transparency.

A stream without full articles (a headline-only feed: no event has two items with a
body) gets a *headline* test set instead, built the same way from its headlines: copies
are the headline with an outlet suffix, with a filing label ("UPDATE: ..."), restyled
(capitals and typographic quotes), and the same link with tracking parameters under an
edited headline; negatives are the event's other headlines, except those whose
normalised headline or link equals another item's (real copies, counted as skipped).
The result's ``basis`` says which set was built (``articles`` or ``headlines``); with
neither there is nothing to measure and the figures are null.

Every query runs against a :class:`bot.engine.dedup.CopyIndex` holding the other
articles of the event, configured exactly as the engine configures it. A positive is
found when the index answers with its original (or another outlet's verbatim copy of it);
any other answer is a false positive. An event of more than ``MAX_EVENT_REPORTS`` reports
is measured on a seeded sample of that many (every report is compared with each other one
of its event: a stream of events with thousands of reports would take hours).
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC

from bot.engine import Engine, EngineConfig
from bot.engine.dedup import CopyIndex, Fingerprint, canonical_url, title_key
from bot.evaluation.data import StreamItem, seeded_sample
from bot.textnorm import word_count

_SUFFIXES = [
    " - Reuters",
    " | AP News",
    " :: WRAL.com",
    " - The Washington Post",
    " | Fox News",
    " - CBS News",
]
_BOILER = [
    (
        "Copyright 2017 The Associated Press. All rights reserved. This material may not be "
        "published, broadcast, rewritten or redistributed."
    ),
    "Sign up for our newsletter to get the latest headlines delivered to your inbox every morning.",
    (
        "Follow us on Twitter and Facebook for breaking news updates. "
        "Share this article with your friends."
    ),
    "Click here to subscribe. Already a subscriber? Log in to continue reading.",
]
_LABELS = ["UPDATE: ", "BREAKING: ", "Updated - ", "[VIDEO] "]
_TRACKING = "utm_source=rss&utm_medium=feed&utm_campaign=syndication"
MIN_ARTICLE_WORDS = 80
# reports of one event the test set takes at most (a seeded sample of a bigger event):
# each is compared with each other one of its event, so a stream whose events hold
# thousands of reports took hours; the shared streams' largest events hold 17-19
MAX_EVENT_REPORTS = 40


@dataclass(frozen=True)
class Copy:
    kind: str
    title: str
    text: str
    url: str | None


def _paragraphs(text: str) -> list[str]:
    paras = [p.strip() for p in text.split("\n") if p.strip()]
    return paras if len(paras) > 1 else [text]


def make_copies(item: StreamItem, rng: random.Random) -> list[Copy]:
    """Syndicated variants of one article.

    Args:
        item: The original article.
        rng: Seeded random source.

    Returns:
        One copy per kind of syndication edit; no headline-only copy of an article
        without a headline (it would be an empty entry: nothing to tell it by).
    """
    paras = _paragraphs(item.text)
    tracked = _tracked(item.url or "http://example.com/story")
    suffix = rng.choice(_SUFFIXES)
    boiler = rng.choice(_BOILER)
    copies = [
        Copy("outlet_suffix", item.title + suffix, item.text, tracked),
        Copy(
            "boilerplate_added",
            item.title,
            boiler + "\n" + item.text + "\n" + rng.choice(_BOILER),
            None,
        ),
        Copy(
            "rewritten_title", "Update: " + " ".join(reversed(item.title.split())), item.text, None
        ),
    ]
    if item.title.strip():
        copies.append(Copy("headline_only", item.title + suffix, "", None))
    if len(paras) > 2:
        drop = rng.randrange(1, len(paras))
        copies.append(
            Copy(
                "paragraph_dropped",
                item.title + suffix,
                "\n".join(paras[:drop] + paras[drop + 1 :]),
                None,
            )
        )
        copies.append(
            Copy("trimmed", item.title, "\n".join(paras[: max(2, (len(paras) * 2) // 3)]), None)
        )
    return copies


def _tracked(url: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}{_TRACKING}"


def _restyled(title: str) -> str:
    # another outlet's house style: capitals, typographic quotes and dashes
    return title.upper().replace("'", "\u2019").replace('"', "\u201c").replace(" - ", " \u2014 ")


def make_headline_copies(item: StreamItem, rng: random.Random) -> list[Copy]:
    """Syndicated variants of one headline-only feed entry.

    Args:
        item: The original entry.
        rng: Seeded random source.

    Returns:
        One copy per kind of edit a headline survives syndication with; the re-linked
        copy only when the entry has a link.
    """
    copies = [
        Copy("outlet_suffix", item.title + rng.choice(_SUFFIXES), "", None),
        Copy("filing_label", rng.choice(_LABELS) + item.title, "", None),
        Copy("restyled", _restyled(item.title), "", None),
    ]
    if item.url:
        copies.append(
            Copy(
                "same_link",
                "Update: " + " ".join(reversed(item.title.split())),
                "",
                _tracked(item.url),
            )
        )
    return copies


def _shingles(text: str) -> set[str]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {" ".join(words[i : i + 4]) for i in range(len(words) - 3)}


def _containment(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def evaluate_dedup(
    items: list[StreamItem],
    config: EngineConfig | None = None,
    seed: int = 13,
    max_events: int = 400,
) -> dict[str, float | int | str | dict | None]:
    """Precision and recall of the engine's copy detector on a syndication test set.

    Args:
        items: A stream's items.
        config: Engine configuration.
        seed: Random seed of the test-set construction.
        max_events: Events sampled (those with at least two full articles; for a
            headline-only stream, at least two headlines).

    Returns:
        ``basis`` (``articles``, ``headlines`` or None), counts, precision, recall and
        recall per kind of copy; precision and recall are None when the stream has no
        event to build a test set from.
    """
    engine = Engine(config)
    cfg = engine.config

    def fp(title: str, text: str, url: str | None) -> Fingerprint:
        return engine.analyse(_doc(title, text, url)).fp

    # words as the engine counts them: a Chinese or Thai article has no spaces to count
    articles = _events(items, lambda it: word_count(it.text) >= MIN_ARTICLE_WORDS)
    if articles:
        # only the sampled events' articles are compared: their shingles are made when
        # first needed (made for every article of a long stream, they took gigabytes)
        shingles: dict[int, set[str]] = {}

        def shingles_of(m: StreamItem) -> set[str]:
            found = shingles.get(m.index)
            if found is None:
                found = shingles[m.index] = _shingles(m.text)
            return found

        def same_report(a: StreamItem, b: StreamItem) -> bool:
            return _containment(shingles_of(a), shingles_of(b)) >= 0.5

        return _measure("articles", articles, make_copies, same_report, fp, cfg, seed, max_events)
    # a headline-only stream: the headlines are all there is
    headlines = _events(items, lambda it: word_count(it.title) >= cfg.copy_title_words)
    # what the copy index compares for entries without a body: headline key and link
    keys = {
        m.index: (title_key(m.title), canonical_url(m.url)) for ms in headlines.values() for m in ms
    }

    def same_entry(a: StreamItem, b: StreamItem) -> bool:
        (ta, ua), (tb, ub) = keys[a.index], keys[b.index]
        return ta == tb or (ua is not None and ua == ub)

    if headlines:
        return _measure(
            "headlines", headlines, make_headline_copies, same_entry, fp, cfg, seed, max_events
        )
    return {
        "basis": None,
        "events": 0,
        "positives": 0,
        "negatives": 0,
        "precision": None,
        "recall": None,
    }


def _events(
    items: list[StreamItem], usable: Callable[[StreamItem], bool]
) -> dict[str, list[StreamItem]]:
    """The events with at least two usable items, and those items."""
    by_event: dict[str, list[StreamItem]] = defaultdict(list)
    for it in items:
        if usable(it):
            by_event[it.event].append(it)
    return {e: m for e, m in by_event.items() if len(m) >= 2}


def _measure(
    basis: str,
    by_event: dict[str, list[StreamItem]],
    copies_of: Callable[[StreamItem, random.Random], list[Copy]],
    same_report: Callable[[StreamItem, StreamItem], bool],
    fp: Callable[[str, str, str | None], Fingerprint],
    cfg: EngineConfig,
    seed: int,
    max_events: int,
) -> dict[str, float | int | str | dict | None]:
    """Query a sample of events' copies and other reports against their event's index.

    ``same_report(a, b)`` says that two of the stream's own items are one report (real
    syndication in the data): such an item is no negative, and finding it for a copy of
    the other is right.
    """
    rng = random.Random(seed)
    events = sorted(by_event)
    rng.shuffle(events)
    events = sorted(events[:max_events])

    def index_of(members: list[StreamItem], skip: StreamItem | None) -> CopyIndex:
        idx = CopyIndex.from_config(cfg)
        for m in members:
            if m is not skip:
                idx.add(m.index, fps[m.index])
        return idx

    tp = fp_count = negatives = skipped = fp_verbatim = 0
    per_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    bodies = basis == "articles"  # a headline test set fingerprints headlines alone
    for event in events:
        members = seeded_sample(by_event[event], MAX_EVENT_REPORTS, f"{seed}:{event}")
        fps = {m.index: fp(m.title, m.text if bodies else "", m.url) for m in members}
        by_index = {m.index: m for m in members}
        # negatives: each report against the event's other reports
        for m in members:
            found = index_of(members, m).find(fps[m.index]) is not None
            if any(same_report(m, o) for o in members if o is not m):
                skipped += 1
                fp_verbatim += found
                continue
            negatives += 1
            fp_count += found
        # positives: copies of one report against all of the event's reports
        original = rng.choice(members)
        full = index_of(members, None)
        for c in copies_of(original, rng):
            hit = full.find(fp(c.title, c.text, c.url))
            per_kind[c.kind][1] += 1
            # the original or another outlet's verbatim copy of the same report is right
            right = hit is not None and (
                hit[0] == original.index or same_report(by_index[hit[0]], original)
            )
            if right:
                tp += 1
                per_kind[c.kind][0] += 1
            else:
                fp_count += hit is not None
    positives = sum(v[1] for v in per_kind.values())
    return {
        "basis": basis,
        "events": len(events),
        "positives": positives,
        "negatives": negatives,
        "negatives_skipped_verbatim": skipped,
        "true_positives": tp,
        "false_positives": fp_count,
        "precision": tp / (tp + fp_count) if tp + fp_count else 1.0,
        "precision_all_negatives": tp / (tp + fp_count + fp_verbatim)
        if tp + fp_count + fp_verbatim
        else 1.0,
        "recall": tp / positives if positives else 0.0,
        "recall_by_kind": {k: round(v[0] / v[1], 4) for k, v in sorted(per_kind.items())},
    }


def _doc(title: str, text: str, url: str | None):
    from datetime import datetime

    from bot.engine import EngineDoc

    t = datetime(2020, 1, 1, tzinfo=UTC)
    return EngineDoc(0, title, text, url, "", t, t)
