"""The stream's document frequencies: one table that every tracked story weighs with.

A term's IDF says how common it is in the news the engine reads, which is a property of
the stream, not of a story. So the engine keeps one table (:class:`StreamStats`) and
every story holds a reference to it: an item's terms are weighed once per stream state
for all stories (the table's memo, :meth:`bot.engine.termstats.DocFreq.memo`, serves
each of them), and a story's snapshot carries no table.

What is counted: every item the engine reads, judged or only observed, once, after every
story has judged it (an item's words never weigh its own score), except a *syndicated
copy*: an item whose text a recent item already carried (the same wire report in
another outlet, a re-published link; found by :class:`bot.engine.dedup.CopyIndex` over
the last ``stream_copy_cap`` items read). Counted, twenty outlets running one report
would make its names look common and the story's later reports would drift off-topic;
the same words again are no evidence of how common they are. (Before the table was
shared, each story left out the copies of its own on-topic items and seeds; the stream
leaves out copies of any item, which keeps that reason without any story's decisions.)

A story's seeds join the copy index when the story is tracked, so a later copy of a seed
is not counted either. They are counted as documents only when the engine has read
nothing yet (:meth:`bot.engine.story_state.StoryState.build`): an engine that has read
the stream holds them already, or the items they were taken from.

The copy index is part of the saved state (:meth:`to_state`), so an engine restored from
it (after a restart, in a scale-out worker, or a story's engine in ``storybot eval``
starting from a reader's state) counts the next items exactly as one that kept running.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.engine.config import EngineConfig
from bot.engine.dedup import CopyIndex, Fingerprint
from bot.engine.termstats import DocFreq


class StreamStats:
    """The shared document-frequency table and the copy index that guards it."""

    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self.df = DocFreq(config.max_vocab, config.idf_prior_docs)
        self.copies = _copy_index(config)

    def count(self, item_id: int, terms: Iterable[str], fp: Fingerprint) -> bool:
        """Count one item read from the stream, unless it copies a recent item.

        The item joins the copy index either way (a copy of a copy is found through
        it).

        Args:
            item_id: The item's id.
            terms: Its terms (``Analysis.tf`` keys or :func:`bot.engine.analysis.term_set`).
            fp: Its copy fingerprint.

        Returns:
            Whether it was counted.
        """
        copy = self.copies.find(fp)
        self.copies.add(item_id, fp)
        if copy is not None:
            return False
        self.df.add(terms)
        return True

    def index_seed(self, seed_id: int, fp: Fingerprint) -> None:
        """Index a story's seed (under a negative id) so its copies are not counted."""
        self.copies.add(seed_id, fp)

    def to_state(self) -> dict[str, Any]:
        """JSON-serialisable: the table (``n_docs``, ``df``) and the copy index."""
        return {**self.df.to_state(), "copies": self.copies.to_state()}

    def load(self, state: Mapping[str, Any]) -> None:
        """Replace the contents with :meth:`to_state` output, in place.

        In place because stories hold a reference to the table. A state saved before
        the copy index was kept (only ``n_docs`` and ``df``) loads with an empty index.
        """
        loaded = DocFreq.from_state(state, self.df.max_terms, self.df.prior_docs)
        self.df.n_docs = loaded.n_docs
        self.df.df = loaded.df  # a new dict: the table's memo sees the change
        self.copies = _copy_index(self.config)
        self.copies.load_state(state.get("copies") or [])


def _copy_index(config: EngineConfig) -> CopyIndex:
    # the stories' copy detection, over the last ``stream_copy_cap`` items read
    index = CopyIndex.from_config(config)
    index.cap = config.stream_copy_cap
    return index
