"""Documents: an item's text as keyword queries read it (:mod:`bot.query`).

An item is tokenized once (:mod:`bot.textnorm`) into a :class:`Document` and then
evaluated against every subscription's query, so the document keeps what the terms ask
of it ready: a set of its words for the one-word terms that are most of them, its tokens
in order for phrases, its words written in parts written whole ("e-mail" as "email"),
and, built only when a phrase first needs it, its tokens with such words joined. The
title and the body are kept apart, so a phrase never matches across the two.

Apart from the query tree (:mod:`bot.query_tree`) because it knows nothing of queries:
it answers whether words occur, and the terms decide what to ask.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.textnorm import joined
from bot.textnorm import words as text_words

__all__ = ["Document"]


class Document:
    """An item's text, tokenized once so that many queries can be evaluated against it.

    The title and the body are kept apart by a boundary token that no word can equal, so
    a phrase never matches across them.
    """

    __slots__ = ("_joined", "_texts", "_words", "tokens", "whole_words")

    _BOUNDARY = ""  # textnorm never yields an empty token

    def __init__(
        self,
        tokens: Sequence[str],
        whole: Iterable[str] = (),
        texts: tuple[str, str] | None = None,
    ) -> None:
        """Build a document from already normalised tokens (see :func:`from_text`).

        Args:
            tokens: The tokens, in order.
            whole: Words the text holds written in parts ("e-mail"), written whole
                ("email"; :func:`bot.textnorm.words`): a one-word term finds them.
            texts: The title and body the tokens are of, from which a phrase's joined
                words (:attr:`Term.joined`) are looked for; None: the tokens as they are.
        """
        self.tokens: tuple[str, ...] = tuple(tokens)
        whole = frozenset(whole)
        # the words written in parts, written whole (and the keys of acronyms in capitals
        # and of names written with a symbol): where a phrase's joined words may differ
        self.whole_words = whole
        self._texts = texts
        self._joined: tuple[str, ...] | None = None  # built when a phrase first needs it
        # A set, built at C speed: a one-word term (most of them) is one lookup, and a
        # phrase scans the tokens only when its first word is there. (A dict of each
        # token's positions, built in a Python loop, cost more than all the lookups.)
        words = set(self.tokens)
        words.update(whole)
        words.discard(self._BOUNDARY)  # the boundary is no word
        self._words = words

    @classmethod
    def from_text(cls, title: str, text: str = "") -> Document:
        """Tokenize an item.

        Args:
            title: The item's title.
            text: The item's body (summary or content); may be empty.

        Returns:
            The document.
        """
        title_tokens, title_whole = text_words(title)
        body_tokens, body_whole = text_words(text)
        return cls(
            [*title_tokens, cls._BOUNDARY, *body_tokens],
            (*title_whole, *body_whole),
            (title, text),
        )

    def distinct_tokens(self) -> Iterable[str]:
        """The distinct tokens of the document, and its compounds written whole."""
        return self._words

    def has_word(self, key: str) -> bool:
        """Whether the document holds the word ``key`` (a token or a compound whole)."""
        return key in self._words

    def contains_joined(self, joined_keys: tuple[str, ...], keys: tuple[str, ...]) -> bool:
        """Whether ``joined_keys`` (a phrase's :attr:`Term.joined`) occur in a row among
        the document's tokens with each word written in parts joined
        (:func:`bot.textnorm.joined`).

        Joining them costs a second reading of the text, done once a document and only
        where it can change the answer: the document holds a word written in parts (or
        an acronym in capitals) that is one of the phrase's words, or the phrase itself
        joins words (``keys``, its plain keys, differ) and holds each of them.
        """
        if not self.whole_words:  # nothing written in parts: the tokens are the joined ones
            return joined_keys is not keys and _in_row(self.tokens, joined_keys)
        if joined_keys is keys:
            # tokens hold no dot: the same words joined need one the item joins too
            if self.whole_words.isdisjoint(keys):
                return False
        elif not all(
            k in self._words or ("." in k and k.replace(".", "") in self.whole_words)
            for k in joined_keys
        ):
            return False
        if self._joined is None:
            texts = self._texts
            self._joined = (
                self.tokens
                if texts is None
                else (*joined(texts[0]), self._BOUNDARY, *joined(texts[1]))
            )
        return _in_row(self._joined, joined_keys)

    def contains(self, keys: tuple[str, ...]) -> bool:
        """Whether ``keys`` occur as consecutive tokens."""
        first = keys[0]
        if first not in self._words:
            return False
        if len(keys) == 1:
            return True
        return _in_row(self.tokens, keys)


def _in_row(tokens: tuple[str, ...], keys: tuple[str, ...]) -> bool:
    """Whether ``keys`` (two or more) occur in ``tokens`` one after another."""
    first = keys[0]
    n = len(keys)
    find = tokens.index  # the next occurrence of the first word, found at C speed
    try:
        p = find(first)
    except ValueError:  # the first word only as a compound's whole ("email")
        return False
    last = len(tokens) - n  # a phrase starting after it would not fit
    while p <= last:
        if tokens[p : p + n] == keys:
            return True
        try:
            p = find(first, p + 1, last + 1)
        except ValueError:
            return False
    return False
