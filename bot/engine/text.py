"""The engine's text reading, split by concern; this module re-exports it for now.

Words and terms: :mod:`bot.engine.words`; an item's language: :mod:`bot.engine.language_id`;
sentences: :mod:`bot.engine.sentences`; capitals and phrases: :mod:`bot.engine.capitals`;
outlet labels on headlines: :mod:`bot.engine.outlet_labels`; an item's terms and its
body's chrome: :mod:`bot.engine.item_terms`; link slugs: :mod:`bot.engine.slugs`; how
terms are written: :mod:`bot.engine.spellings`.
"""

from __future__ import annotations

from bot.engine.capitals import _cap_term, capitalised, is_title_case
from bot.engine.item_terms import clean_body, term_counts
from bot.engine.language_id import item_language, language_of
from bot.engine.outlet_labels import strip_outlet_suffix
from bot.engine.sentences import _SENT_SPLIT_ASCII, _split_ascii, split_run_ons, split_sentences
from bot.engine.slugs import url_slug
from bot.engine.spellings import written_forms
from bot.engine.words import _term, find_words, letters_are_ascii, stem, tokens, words_of

__all__ = [
    "_SENT_SPLIT_ASCII",
    "_cap_term",
    "_split_ascii",
    "_term",
    "capitalised",
    "clean_body",
    "find_words",
    "is_title_case",
    "item_language",
    "language_of",
    "letters_are_ascii",
    "split_run_ons",
    "split_sentences",
    "stem",
    "strip_outlet_suffix",
    "term_counts",
    "tokens",
    "url_slug",
    "words_of",
    "written_forms",
]
