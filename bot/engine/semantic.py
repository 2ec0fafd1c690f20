"""Dense sentence embeddings as an optional extra relevance signal.

The term-statistics score (:mod:`bot.engine.relevance`) decides on the words an item
shares with the story. A sentence-embedding model also sees paraphrase ("gunman" vs
"shooter", "Clinton faults Comey" vs "Clinton blames FBI director"), which helps most
where the words are few (headlines) or where a development is reported in new words.

The signal is mixed into the on-topic test only, as a bounded nudge of the lexical
score: ``score + embed_weight * (similarity - embed_center) >= threshold``, where
``similarity`` is the highest cosine between the item and any *single* seed (the max,
not the centroid: seeds of one story often report different turns, and a centroid of
dense vectors blurs them). Items the model finds closer than ``embed_center`` to a seed
need fewer shared words; items it finds unrelated need more. The support rule (part of
the score must come from more than one name), the headline channel, copies and
adaptation are unchanged, so the embedding alone never makes an item on-topic.

The engine never loads a model: it is given an :class:`bot.ports.Embedder`. Without one
nothing here runs and decisions are exactly those of the lexical engine.

Seed vectors are part of a story's state and persisted with it (about 2 KB a seed as
base64 float32), so a restart needs no model call to restore a story and the restored
vectors are bit for bit the ones the story was built with. They are stored under the
embedder's name; a state built with another model, or none, has them recomputed from
the story's seeds.
"""

from __future__ import annotations

import base64
import math
import sys
from array import array
from collections.abc import Mapping, Sequence
from operator import mul
from typing import Any

# BERT-style models read at most a few hundred word pieces; every word gives at least
# one, so the first MAX_WORDS words hold all that such a model reads and the rest of a
# long body is not worth tokenising.
MAX_WORDS = 300

Dense = tuple[float, ...]


def embedding_text(title: str, text: str) -> str:
    """The text of an item (or a seed) that is embedded: headline, then body.

    The model reads the first few hundred word pieces, so of a long body only the lede
    counts. Embedding the headline alone was tried: far cheaper (about 180 headlines a
    second on one core, against 11 full items) and better on the giveme5w1h streams,
    but on gva's full text it lost more than it gained (tracking C_norm 0.0864 against
    0.0703 without embeddings, headline and body 0.0721, measured on the engine before
    its headline channel); a guess at why: gva's local crime headlines read much alike.
    """
    words = f"{title}\n{text}".split()
    return " ".join(words[:MAX_WORDS])


def as_unit(vector: Sequence[float]) -> Dense:
    """The vector stored as float32 (what a model computes) and scaled to unit length.

    Rounding to float32 first makes a vector that went through :func:`to_state` and
    :func:`from_state` identical to one that did not.
    """
    v = array("f", vector).tolist()
    n = math.sqrt(sum(x * x for x in v))
    return tuple(x / n for x in v) if n else tuple(v)


def best_match(item: Dense, seeds: Sequence[Dense]) -> tuple[float, int]:
    """The highest cosine between a unit item vector and unit seed vectors, and its seed.

    Returns:
        ``(similarity, seed index)``; ``(0.0, -1)`` when there are no seeds.
    """
    best, which = 0.0, -1
    for i, s in enumerate(seeds):
        # sum of map: five times faster than a generator and fsum on 384 dimensions, which
        # matters when every item is compared with every story's seeds
        sim = sum(map(mul, item, s))
        if which < 0 or sim > best:
            best, which = sim, i
    return best, which


class SeedVectors:
    """The unit embeddings of a story's seeds, under the name of the model that made them."""

    def __init__(self, model: str, raw: Sequence[Sequence[float]]) -> None:
        self.model = model
        # float32 as computed, kept for the snapshot; unit vectors for the cosines
        self._raw = [array("f", v) for v in raw]
        self.units = [as_unit(v) for v in self._raw]

    def to_state(self) -> dict[str, Any]:
        return {"model": self.model, "seeds": [_b64(v) for v in self._raw]}

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> SeedVectors:
        raw = []
        for b in state["seeds"]:
            v = array("f")
            v.frombytes(base64.b64decode(b))
            if sys.byteorder == "big":  # stored little-endian
                v.byteswap()
            raw.append(v)
        return cls(str(state["model"]), raw)


def _b64(v: array) -> str:
    if sys.byteorder == "big":
        v = array("f", v)
        v.byteswap()
    return base64.b64encode(v.tobytes()).decode("ascii")
