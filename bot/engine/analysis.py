"""The per-item analysis every story's decisions start from.

An :class:`Analysis` depends only on the item and the engine configuration, never on a
story's state, so the engine computes it once per item and shares it across all tracked
stories (and the evaluation harness shares it across targets).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.engine.ages import child_ages
from bot.engine.config import EngineConfig
from bot.engine.dedup import Fingerprint, fingerprint
from bot.engine.furniture import is_furniture
from bot.engine.item_terms import clean_body, term_counts
from bot.engine.language_id import item_language
from bot.engine.sentences import split_sentences
from bot.engine.slugs import url_slug
from bot.engine.summary import citable
from bot.engine.termstats import Vector, tf_vector, unit
from bot.engine.words import tokens
from bot.model import has_body


@dataclass(frozen=True)
class Analysis:
    """Features of one item."""

    tf: Vector  # sublinear term frequencies (headline counted ``title_weight`` times)
    unit: Vector  # ``tf`` scaled to unit length (for centroids)
    entities: frozenset[str]  # entity-like terms: capitalised mid-sentence, phrases, numbers
    fp: Fingerprint  # copy-detection fingerprint
    headline_only: bool  # no usable body text
    title_tf: Vector  # sublinear term frequencies of the headline alone
    ages: frozenset[str] = frozenset()  # children's ages the headline names (bot.engine.ages)


def analyse(title: str, text: str, url: str | None, config: EngineConfig) -> Analysis:
    """Analyse one item.

    Args:
        title: Headline.
        text: Body; may be empty.
        url: Link, if any.
        config: Engine configuration (title weight, MinHash size).

    Returns:
        The analysis.
    """
    body = _with_slug(title, text, url, config)
    language = item_language(title, body)
    counts, entities = term_counts(title, body, title_weight=config.title_weight, language=language)
    tf = tf_vector(counts)
    fp = fingerprint(title, copy_text(text), url, config.minhash_bins)
    headline_only = _is_headline_only(text)
    if headline_only:
        title_tf = tf
    else:
        # the headline read in the whole item's language (a few words could not tell it)
        t_counts, _ = term_counts(title, "", title_weight=1, language=language)
        title_tf = tf_vector(t_counts)
    return Analysis(
        tf, unit(tf), frozenset(entities), fp, headline_only, title_tf, child_ages(title)
    )


def _with_slug(title: str, text: str, url: str | None, config: EngineConfig) -> str:
    """The text counted for an item: its body, with words of its link's slug if it is short.

    A body too short to be one (a headline-only item) is joined by the slug's words
    (``url_slug_terms``); a short body (under ``short_body_slug_words`` words: an RSS
    summary) by those of its slug's words its headline and body do not hold.
    """
    if not url or not config.url_slug_terms:
        return text
    if _is_headline_only(text):
        slug = url_slug(url)
        return f"{text} {slug}" if slug else text
    limit = config.short_body_slug_words
    if not limit or len(text.split(maxsplit=limit)) >= limit:
        return text
    slug = url_slug(url)
    if not slug:
        return text
    language = item_language(title, text)
    held = set(tokens(f"{title} {text}", language))
    new = [w for w in slug.split() if not held.issuperset(tokens(w, language))]
    return f"{text} {' '.join(new)}" if new else text


def copy_text(text: str) -> str:
    """A body as the copy detector reads it: without its sentences that are page furniture.

    Two different reports on one outlet's pages can carry the same text where the article
    failed to be extracted: the site's sign-up form ("Just One More Thing... We have sent
    you a verification email."), its e-mail notification box ("Get email notifications
    on <reporter> daily!"), a video playlist. Compared as they came, such bodies are copies
    of each other, and a report of another shooting in the same town became a "copy" of a
    report of the story, on-topic whatever its headline said (four of gva's false alarms
    at Nt 4). Without the sentences :func:`bot.engine.furniture.is_furniture` finds,
    such a body is too short to fingerprint and the item is matched as a headline-only
    one (its headline and link); a real copy keeps its article's sentences, so boilerplate
    added to or trimmed from it no longer counts either way. Relevance and developments
    still read the whole body (judged without its furniture, they were worse).
    """
    return " ".join(s for s in split_sentences(text) if not is_furniture(s))


def _is_headline_only(text: str) -> bool:
    return not has_body(text)


def lead_vector(title: str, text: str) -> Vector:
    """The unit term vector of an item's lead: its headline and its body's first sentence.

    A news report says first what it is about and retells the background below, so two
    reports of one event share their leads' words, while a report of a new turn of a
    story leads with the turn however much of the story it retells (how a story's
    developments are told apart, :mod:`bot.engine.developments`). An outlet's suffix is
    not part of the headline, and the first sentence is the first a summary of the body
    as the engine reads it (:func:`bot.engine.item_terms.clean_body`) would quote
    (:func:`bot.engine.summary.citable`): not the byline, photo caption, "Updated:" stamp
    or paywall line an extracted page may open with, which say nothing of the report (a
    wire dateline stays: the development figures were measured with it); a
    headline-only item's lead is its headline (a scrap below it is no sentence of a body).
    """
    first = (
        citable(split_sentences(clean_body(text)), datelines=False)[:1] if has_body(text) else []
    )
    language = item_language(title, text)
    counts, _ = term_counts(title, " ".join(first), title_weight=1, language=language)
    return unit(tf_vector(counts))


def term_set(title: str, text: str, config: EngineConfig, url: str | None = None) -> list[str]:
    """The terms of an item, and nothing else: what the stream statistics count.

    The same terms as ``analyse(...).tf``, in the same order (one code path,
    :func:`term_counts`, with the link's slug words for a headline-only item), without
    the copy fingerprint and the vectors, for items that are only counted
    (:meth:`bot.engine.Engine.observe`). A list, not a set: the statistics keep terms in
    the order first counted, and a set's order changes with each process's string hashes.
    """
    counts, _ = term_counts(
        title, _with_slug(title, text, url, config), title_weight=config.title_weight
    )
    return [t for t, c in counts.items() if c > 0]


def item_time(published: datetime | None, seen_at: datetime) -> datetime:
    """The time an item happened for the engine: its date, else when it was seen.

    A publication date later than the moment the item was seen is a feed error, so the
    earlier of the two wins.
    """
    if published is None:
        return seen_at
    return min(published, seen_at)
