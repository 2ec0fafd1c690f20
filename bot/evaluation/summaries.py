"""Measuring the update summaries against the abstracts outlets wrote for their reports.

No evaluation stream has labelled summaries, but streams built from RSS (giveme5w1h)
carry each report's ``summary``: the abstract its outlet wrote. An abstract says in two
or three sentences what the outlet thought mattered in the report, which is what a
development's summary should say too. So each abstract serves as a reference for a
summary made *without* its report (leave one out): for every report of an event that has
an abstract, the engine summarises the event's other reports and the summary is compared
with that abstract by ROUGE-1 and ROUGE-2 (Lin 2004: the share of the reference's word
unigrams and bigrams that the summary holds, clipped by counts; lowercased words, no
stemming, stop words kept); recall is also taken on every summary cut to its first 60
words, since a longer summary holds more of any reference. Only reports with a body (8
words or more) take part; an event is measured when it has three of them and one has an
abstract of at least 8 words. Two tasks:

* ``event``: a development made of every report of the event, nothing known before it
  (the seed story's own summary).
* ``update``: the event's first ``seeds`` reports are the seed story, already known to
  the reader; the later reports (at least three) form a development, summarised with
  the seed story as what is known (:func:`bot.engine.summary.summarise` penalises sentences close to it).
  Besides ROUGE, ``novel_rouge1_recall``/``novel_rouge2_recall`` count only the
  reference's n-grams that no seed report contains: how much of what the abstract adds
  to the seed story the summary says.

The summaries come from the service's own code: each report gives its leading candidate
sentences (:func:`bot.engine.summary.candidate_sentences`), the pool is capped at
``summary_pool`` sentences, the centroid is the members' unit vectors summed and capped
at ``dev_terms`` terms, and the IDF is the stream's up to the event's last report (no
look-ahead), with ``summary_sentences`` and ``summary_redundancy`` from the engine
configuration; the story a summary is about (what a report says of another story is left
out) is the seeds' terms, capped as a profile is, or the event's own in the ``event``
task. Two baselines run on the same pools, side by side: ``lead`` (the first sentences of
the earliest other report, what an alert of the first report alone would say) and
``lead_each`` (the first sentence of each of the earliest other reports).

An event with more than ``MAX_REFERENCES`` reports that have an abstract is measured on a
seeded sample of that many (each is summarised from all the event's other reports: a
stream whose events hold thousands of reports would take hours).

Caveats: an abstract is often its own report's opening sentences, so the left-out report
is excluded from its own summary; a syndicated copy of it among the other reports still
gives every system its sentences. ROUGE rewards shared words, not correctness.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from bot.engine.analysis import analyse, has_body
from bot.engine.config import EngineConfig
from bot.engine.relevance import mean_vector
from bot.engine.summary import candidate_sentences, summarise, summary_text
from bot.engine.termstats import DocFreq, Vector, top_terms
from bot.evaluation.data import StreamItem, seeded_sample
from bot.model import Citation
from bot.textnorm import has_unspaced, split_unspaced, strip_marks, word_count

# an abstract shorter than this is a teaser ("Watch the video"), not a reference
MIN_ABSTRACT_WORDS = 8
_WORD = re.compile(r"[^\W_]+")
_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

SYSTEMS = ("storybot", "lead", "lead_each")
# recall is also reported on every summary cut to this many words: recall rewards length
CAPPED_WORDS = 60
# references (reports with an abstract) one event's task takes at most: a seeded sample of
# a bigger event's (each is summarised from all its event's other reports, so time grows
# with the square of an event's size: one event of giveme5w1h's 383 reports, 131 s); the
# shared streams' largest events hold 19
MAX_REFERENCES = 40


def rouge_words(text: str) -> list[str]:
    """The words ROUGE compares: lowercased runs of letters and digits.

    Chinese and Japanese characters are each a word, as ROUGE is taken on those languages
    (a sentence without spaces was one "word", which no summary matched); Thai, Lao,
    Myanmar and Khmer runs are their letter triples, as the engine reads them.
    """
    text = text.lower()
    if has_unspaced(text):
        text = split_unspaced(strip_marks(_CJK_CHAR.sub(r" \g<0> ", text)))
    return _WORD.findall(text)


def _first_words(text: str, cap: int) -> str:
    """``text`` cut to its first ``cap`` words, counted as ROUGE counts them.

    Text with spaces between its words is cut at its spaces (as it always was); a Chinese,
    Japanese or Thai summary, which has few spaces or none, is cut by its ROUGE words, so
    its capped recall is the recall of 60 of them, not of the whole summary.
    """
    if has_unspaced(text.lower()):
        return " ".join(rouge_words(text)[:cap])
    return " ".join(text.split()[:cap])


def _ngrams(words: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def rouge_n(summary: str, reference: str, n: int) -> tuple[float, float]:
    """ROUGE-N recall and F1 of ``summary`` against one ``reference``.

    Returns:
        ``(recall, f1)``; both 0 when either text has no n-gram.
    """
    s, r = _ngrams(rouge_words(summary), n), _ngrams(rouge_words(reference), n)
    overlap = sum((s & r).values())
    if not overlap:
        return 0.0, 0.0
    recall, precision = overlap / sum(r.values()), overlap / sum(s.values())
    return recall, 2 * precision * recall / (precision + recall)


def novel_recall(summary: str, reference: str, known: str, n: int) -> float | None:
    """The share of the reference's n-grams absent from ``known`` that the summary holds.

    Returns:
        None when every n-gram of the reference is in ``known`` (nothing new to find).
    """
    old = _ngrams(rouge_words(known), n)
    new = Counter({g: c for g, c in _ngrams(rouge_words(reference), n).items() if g not in old})
    if not new:
        return None
    return sum((_ngrams(rouge_words(summary), n) & new).values()) / sum(new.values())


class _Scores:
    """One system's figures on one task: a running mean of each, over the references."""

    def __init__(self, cap: int, update: bool) -> None:
        self.cap = cap
        names = ["rouge1_recall", "rouge1_f1", "rouge2_recall", "rouge2_f1", "words"]
        names += [f"rouge1_recall_{cap}_words", f"rouge2_recall_{cap}_words"]
        if update:
            names += ["novel_rouge1_recall", "novel_rouge2_recall"]
        self._sums = dict.fromkeys(names, 0.0)
        self._counts = dict.fromkeys(names, 0)
        self.n = 0  # references scored

    def _add(self, name: str, value: float | None) -> None:
        if value is not None:  # a novel recall with nothing new to find counts for nothing
            self._sums[name] += value
            self._counts[name] += 1

    def add(self, summary: str, reference: str, known: str | None) -> None:
        self.n += 1
        capped = _first_words(summary, self.cap)
        for n in (1, 2):
            recall, f1 = rouge_n(summary, reference, n)
            self._add(f"rouge{n}_recall", recall)
            self._add(f"rouge{n}_f1", f1)
            self._add(f"rouge{n}_recall_{self.cap}_words", rouge_n(capped, reference, n)[0])
            if known is not None:
                self._add(f"novel_rouge{n}_recall", novel_recall(summary, reference, known, n))
        self._add("words", len(rouge_words(summary)))

    def figures(self) -> dict[str, float | None]:
        return {
            name: round(total / self._counts[name], 4) if self._counts[name] else None
            for name, total in self._sums.items()
        }


def _centroid(units: Iterable[Mapping[str, float]], config: EngineConfig) -> Vector:
    # as a development's centroid (its members' unit vectors summed, capped); the mean
    # is the same direction, and only the direction counts in the summariser's cosines
    return top_terms(mean_vector(units), config.dev_terms)


def _references(members: list[StreamItem], task: str) -> list[StreamItem]:
    """The reports of ``members`` with an abstract, in stream order: at most
    ``MAX_REFERENCES``, a sample drawn by the event's and task's own seed."""
    refs = [m for m in members if _has_abstract(m)]
    return seeded_sample(refs, MAX_REFERENCES, f"{task}:{refs[0].event}" if refs else task)


def _has_abstract(item: StreamItem) -> bool:
    return word_count(item.summary) >= MIN_ABSTRACT_WORDS


def evaluate_summaries(
    items: list[StreamItem],
    config: EngineConfig | None = None,
    *,
    seeds: int = 4,
    words: int = CAPPED_WORDS,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Summaries of the stream's events against their reports' abstracts (leave one out).

    Args:
        items: A stream sorted by :func:`bot.evaluation.data.load_stream`.
        config: Engine configuration; the service defaults when None.
        seeds: Reports of the seed story in the ``update`` task (Nt).
        words: Length at which the ``..._recall_{words}_words`` figures cut every
            summary, so that a longer summary does not score higher for its length alone.
        progress: Told (items read, items to read) every 100 items and at the end: the
            stream is read up to the last report measured, each item analysed.

    Returns:
        ``{"references": {"event": n, "update": m}, "events": ..., "event": {system:
        figures}, "update": {system: figures}}``; the figures are None where a task has
        no reference.
    """
    cfg = config or EngineConfig()
    k = cfg.summary_sentences
    by_event: dict[str, list[StreamItem]] = defaultdict(list)
    for it in items:
        if has_body(it.text):
            by_event[it.event].append(it)
    # an event is measured once the stream has reached its last report (no look-ahead)
    wanted = {
        e: members[-1].index
        for e, members in by_event.items()
        if len(members) >= 3 and any(_has_abstract(m) for m in members)
    }
    due: dict[int, list[str]] = defaultdict(list)
    for e, last in wanted.items():
        due[last].append(e)
    scores = {
        task: {s: _Scores(words, update=task == "update") for s in SYSTEMS}
        for task in ("event", "update")
    }
    df = DocFreq(cfg.max_vocab, cfg.idf_prior_docs)
    units: dict[int, Vector] = {}
    # the stream is read up to the last report measured, and not at all when there is none
    end = max(wanted.values(), default=-1)
    for n, it in enumerate(items[: end + 1], start=1):
        a = analyse(it.title, it.text, it.url, cfg)
        df.add(a.tf.keys())
        if it.event in wanted:
            units[it.index] = a.unit
        for e in due.get(it.index, ()):
            members = by_event[e]
            _measure(members, [], units, df, cfg, k, scores["event"])
            if len(members) >= seeds + 3:
                _measure(members[seeds:], members[:seeds], units, df, cfg, k, scores["update"])
        if progress is not None and (n % 100 == 0 or n == end + 1):
            progress(n, end + 1)
    return {
        "references": {task: scores[task]["storybot"].n for task in scores},
        "events": len(wanted),
        "event": {s: f.figures() for s, f in scores["event"].items()},
        "update": {s: f.figures() for s, f in scores["update"].items()},
        "seeds": seeds,
        "sentences": k,
        "capped_words": words,
    }


def _measure(
    members: list[StreamItem],
    seed_items: list[StreamItem],
    units: Mapping[int, Vector],
    df: DocFreq,
    cfg: EngineConfig,
    k: int,
    into: dict[str, _Scores],
) -> None:
    """Score every system on each report of ``members`` that has an abstract."""
    known = [_centroid((units[s.index] for s in seed_items), cfg)] if seed_items else []
    known_text = " ".join(f"{s.title} {s.text}" for s in seed_items) if seed_items else None
    candidates = {m.index: candidate_sentences(m.title, m.text) for m in members}
    for ref in _references(members, task="update" if seed_items else "event"):
        others = [m for m in members if m is not ref]
        pool = [Citation(s, m.source, m.url) for m in others for s in candidates[m.index]]
        pool = pool[: cfg.summary_pool]
        centroid = _centroid((units[m.index] for m in others), cfg)
        # the story the summary is about, as a story's profile is: its seeds' terms (with
        # nothing known, the event's reports are its seeds)
        story = (
            top_terms(mean_vector(units[s.index] for s in seed_items), cfg.profile_terms)
            if seed_items
            else top_terms(mean_vector(units[m.index] for m in others), cfg.profile_terms)
        )
        ours = summary_text(
            summarise(
                pool, centroid, known, df, k=k, redundancy=cfg.summary_redundancy, story=story
            )
        )
        lead = " ".join(candidates[others[0].index][:k])
        firsts = [candidates[m.index][0] for m in others if candidates[m.index]]
        lead_each = " ".join(firsts[:k])
        for name, text in (("storybot", ours), ("lead", lead), ("lead_each", lead_each)):
            into[name].add(text, ref.summary, known_text)
