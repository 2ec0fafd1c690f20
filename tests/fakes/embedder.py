"""A deterministic stand-in for a sentence-embedding model (the ``Embedder`` port).

It plays the model at its boundary: texts in, vectors out. Each dimension counts the
words of one *concept* (a set of interchangeable words, as a real model would place
"gunman" near "shooter"), and a small constant last dimension keeps a text with no
concept words from being a zero vector. So two texts are close exactly when they use
the same concepts, whatever words they share, which is what lets a test put an item
close to or far from a story's seeds independently of its term-statistics score.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

_WORD = re.compile(r"[a-z]+")


class ConceptEmbedder:
    """Texts to concept-count vectors; records every call so tests can count them."""

    def __init__(self, concepts: Iterable[Iterable[str]], name: str = "fake-concepts") -> None:
        self.name = name
        self.concepts = [frozenset(c) for c in concepts]
        self.calls: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> list[Sequence[float]]:
        self.calls.append(list(texts))
        return [self._vector(t) for t in texts]

    @property
    def texts_embedded(self) -> int:
        return sum(len(c) for c in self.calls)

    def _vector(self, text: str) -> list[float]:
        words = _WORD.findall(text.lower())
        return [float(sum(w in c for w in words)) for c in self.concepts] + [0.01]
