"""A general-language prior for document frequencies: sensible term weights from item one.

Why: the IDF is learned from the stream (:mod:`bot.engine.termstats`), but right after
``storybot story add`` the stream is empty. With no statistics every term looks equally
rare, so "talks", "said" and "department" weigh as much as "Anthropic", and a story's
first decisions go wrong both ways: an unrelated item sharing a few common words looks
on-topic, and a new turn of the story looks like a rehash of the seeds.

How: how often a word is used in English at large says a lot about how often a news
item contains it. ``wordfreq`` (data shipped inside the package, read once, offline)
gives a word's frequency ``f`` per token; the share of documents containing it is then
estimated as ``1 - exp(-L * f)`` for an effective document length ``L`` (an article of a
few hundred words, discounted for burstiness: a word that appears at all tends to
appear several times). :class:`bot.engine.termstats.DocFreq` counts this share as
``prior_docs`` pseudo-documents next to the real document frequencies, so the prior
decides while the stream is short and the stream takes over as it grows.

Terms are the engine's stems ("talk", "negotiat"), so a term's frequency is the sum
over the surface forms the stemmer maps to it. A phrase term ("dario_amodei") is at
most as common as its rarest word. Numbers use wordfreq's own handling of digits.

Lookups are memoised per term: the answer is a pure function of the term and of the
data shipped with the package, so the cache changes no decision, only its cost.
"""

from __future__ import annotations

import math
from functools import lru_cache

from bot.engine.words import stem
from bot.textnorm import WORD_CACHE

# effective length of a news item in tokens (a few hundred words, halved for burstiness)
_DOC_TOKENS = 300.0
_LANG = "en"
# surface forms whose stem may be the term (filtered by actually stemming them)
_SUFFIXES = ("", "s", "es", "e", "ed", "d", "ing", "'s")


@lru_cache(maxsize=1)
def _frequencies() -> dict[str, float]:
    from wordfreq import get_frequency_dict

    return get_frequency_dict(_LANG)


def _number_frequency(term: str) -> float:
    from wordfreq import word_frequency

    return float(word_frequency(term, _LANG))


def _word_frequency(term: str) -> float:
    freqs = _frequencies()
    # In one order, that of _SUFFIXES (a dict keeps it, and drops repeats): summed in a
    # set's order, which moves with PYTHONHASHSEED, a share could differ in its last bit
    # from one process to the next (float addition is not associative).
    forms = dict.fromkeys(term + s for s in _SUFFIXES)
    if term.endswith("y") and len(term) > 2:
        forms[term[:-1] + "ies"] = None
    forms.pop(term, None)
    total = freqs.get(term, 0.0)
    for form in forms:
        f = freqs.get(form)
        if f and stem(form) == term:
            total += f
    return total


@lru_cache(maxsize=WORD_CACHE)
def doc_share(term: str) -> float:
    """Estimated share of news items containing ``term``, from general English usage.

    Args:
        term: An engine term: a stem, a number, or a phrase of stems joined by ``_``.

    Returns:
        A share in ``[0, 1)``; 0 for words English usage does not know (rare names).
    """
    if "_" in term:
        return min(doc_share(part) for part in term.split("_") if part) if term.strip("_") else 0.0
    if not term:
        return 0.0
    f = _number_frequency(term) if term[0].isdigit() else _word_frequency(term)
    return 1.0 - math.exp(-_DOC_TOKENS * f)
