"""An item's bag of terms and its entity-like terms, as every comparison reads them.

:func:`term_counts` reads a headline (its outlet label taken off:
:mod:`bot.engine.outlet_labels`) and a body (its page chrome dropped: :func:`clean_body`)
in the item's language (:mod:`bot.engine.language_id`): the terms of both
(:mod:`bot.engine.words`), the headline's counted more, with the capitalised phrases and
entity-like terms of :mod:`bot.engine.capitals`. A pure function of the item, so it is
computed once per item and shared by every story that judges it.
"""

from __future__ import annotations

from collections import Counter

from bot.engine.capitals import capitalised, is_title_case
from bot.engine.language_id import item_language
from bot.engine.outlet_labels import strip_outlet_suffix
from bot.engine.words import is_number, tokens

_END = (".", "!", "?", '"', "”", "'", "’", ")")


def clean_body(text: str) -> str:
    """Drop page chrome from a body: short lines that are not sentences.

    Extracted article text often keeps navigation, share buttons, video playlists and
    captions ("Share", "Copy Link", "1:47 Mother of defendant speaks Pause"). They are
    not the story, and in a seed they would become profile terms. A line is kept when it
    is long (a paragraph) or reads as a sentence.

    Args:
        text: Body text with line breaks.

    Returns:
        The body without chrome lines; the whole text if nothing would be left.
    """
    kept = []
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 12 or (len(words) >= 5 and line.rstrip().endswith(_END)):
            kept.append(line)
    return "\n".join(kept) if kept else text


def term_counts(
    title: str, text: str, *, title_weight: int = 2, language: str | None = None
) -> tuple[Counter[str], set[str]]:
    """Count terms of an item, counting headline terms ``title_weight`` times.

    Args:
        title: The headline (outlet suffix is removed here).
        text: The body; may be empty.
        title_weight: How many times a headline term counts.
        language: The item's language (:func:`bot.engine.language_id.language_of`); told
            from the headline and body when None. A caller counting part of an item (its
            headline alone) passes the whole item's, which a few words could not tell.

    Returns:
        ``(counts, entities)``: term counts including capitalised phrases, and the set of
        entity-like terms (mid-sentence capitals, phrases, numbers).
    """
    lang = item_language(title, text) if language is None else language
    title = strip_outlet_suffix(title)
    text = clean_body(text)
    counts: Counter[str] = Counter()
    for t in tokens(title, lang):
        counts[t] += title_weight
    counts.update(tokens(text, lang))  # one each, in order (Counter's C loop)
    ents, phrases = capitalised(text, language=lang)
    if not is_title_case(title, lang):
        t_ents, t_phr = capitalised(title, skip_first=True, language=lang)
        ents |= t_ents
        phrases += t_phr
        for p in t_phr:
            counts[p] += title_weight - 1
    elif not text:
        # headline only and title-cased: runs of capitals still make phrases
        # (a headline in capitals too: it is title-cased in the same way)
        _, t_phr = capitalised(title, skip_first=False, skip_capitals=False, language=lang)
        phrases += t_phr
        for p in t_phr:
            counts[p] += title_weight - 1
    for p in phrases:
        counts[p] += 1
    entities = {e for e in ents if e in counts} | set(phrases)
    entities |= {t for t in counts if is_number(t)}
    return counts, entities
