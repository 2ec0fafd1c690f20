"""Match one item against many keyword subscriptions without trying them all.

Evaluating 10,000 queries for every incoming item would cost O(subscriptions) per item.
Instead each subscription is indexed under a few *anchor* tokens chosen so that any item
it matches must contain at least one of them (a "cover" of the query):

* a term covers itself, anchored by its rarest-looking token (a phrase cannot match
  unless every one of its tokens is present, so any one of them will do), by its
  words written as one where it has that form (``Term.whole``: "e-mail" also finds
  "Email", which has neither "e" nor "mail"), and by the rarest of its words with
  those written in parts joined (``Term.joined``: "e-mail scam" also finds "email
  scam", which has no "mail");
* an AND is covered by the cover of any one operand: the cheapest is kept, so
  ``the AND pentagon`` is anchored on ``pentagon`` only;
* an OR needs the covers of all of its branches;
* NOT is pushed down with De Morgan's laws; a negated term covers nothing.

:func:`bot.query.parse_query` rejects queries that match an item containing none of
their words, which is exactly the condition for a cover to exist, so every parsed query
is indexable. Matching an item then looks up each distinct token of the item
(O(tokens)) and evaluates only the subscriptions found (O(candidates)).

Without corpus statistics, "rare" is estimated from the token itself: longer tokens are
rarer, and a short list of very common English words is avoided whenever possible.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.model import Judgement, Subscription
from bot.query import Document, Query, QueryError, parse_query
from bot.query_tree import And, Node, Not, Term

if TYPE_CHECKING:
    from bot.store_ports import SubscriptionStore

__all__ = ["SubscriptionIndex", "SubscriptionMatcher", "reprints_seed"]

log = logging.getLogger(__name__)

# Words so frequent that anchoring on them would make a subscription a candidate for
# nearly every item. Only consulted when a query leaves a choice.
_COMMON = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "he",
        "her",
        "his",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "said",
        "say",
        "she",
        "that",
        "the",
        "their",
        "they",
        "this",
        "to",
        "was",
        "were",
        "will",
        "with",
        "would",
        "s",
        "t",
        "new",
        "year",
    }
)


def _key_cost(key: str) -> float:
    """Rough expected share of items containing ``key`` (lower is better)."""
    return 1.0 if key in _COMMON else 1.0 / (len(key) + 1)


def _anchor(term: Term) -> str:
    # min() keeps the first of equal costs, so the choice is deterministic.
    return min(term.keys, key=_key_cost)


def _joined_anchors(joined: tuple[str, ...]) -> set[str]:
    """Words one of which an item holds where it has a phrase's joined words in a row.

    Each of those words is one of the item's words (:meth:`Document.distinct_tokens`:
    its tokens, and its words written in parts, written whole), but for a dotted key
    ("u.s."), which is one only where the item writes it in capitals ("US"); written
    with its dots, the item has it written whole ("us"). So the cheapest word without a
    dot, else a dotted key and its letters.
    """
    plain = [k for k in joined if "." not in k]
    if plain:
        return {min(plain, key=_key_cost)}
    return {joined[0], joined[0].replace(".", "")}


def _cover(node: Node, negated: bool = False) -> tuple[float, frozenset[str]] | None:
    """Anchor tokens one of which any matching item contains, with their total cost.

    Returns:
        ``(cost, anchors)``, or None if an item without any of the query's tokens could
        match (then the node cannot be indexed).
    """
    if isinstance(node, Term):
        if negated:
            return None
        keys = {_anchor(node)}
        if node.whole is not None:
            keys.add(node.whole)
        if node.joined is not None:
            keys |= _joined_anchors(node.joined)
        return sum(map(_key_cost, keys)), frozenset(keys)
    if isinstance(node, Not):
        return _cover(node.child, not negated)
    covers = [_cover(child, negated) for child in node.children]
    # De Morgan: NOT (a OR b) behaves like an AND, NOT (a AND b) like an OR.
    if isinstance(node, And) != negated:
        found = [c for c in covers if c is not None]
        return min(found, key=lambda c: (c[0], sorted(c[1]))) if found else None
    anchors: set[str] = set()
    for c in covers:
        if c is None:
            return None
        anchors |= c[1]
    return sum(_key_cost(k) for k in anchors), frozenset(anchors)


def reprints_seed(judgement: Judgement) -> bool:
    """Whether ``judgement`` finds its item an on-topic reprint of one of the story's seeds.

    Such an item is no news to the story's subscribers (the story was started from that
    very article), so it notifies nobody through the story: the pipeline leaves the story
    out of the ``on_topic_story_ids`` that subscriptions scoped to it need
    (:meth:`SubscriptionMatcher.match`), and ``/story why`` gives this as the reason.
    """
    copy = judgement.reason.get("copy")
    return judgement.on_topic and isinstance(copy, dict) and "of_seed" in copy


@dataclass(frozen=True)
class _Entry:
    query: Query
    story_id: int | None
    anchors: frozenset[str]  # empty: not indexable, evaluated for every item


class SubscriptionMatcher:
    """An in-memory index of keyword subscriptions.

    It holds no I/O and no clock; the caller rebuilds or updates it when subscriptions
    change (:meth:`add`, :meth:`remove`).
    """

    def __init__(self) -> None:
        """Create an empty matcher."""
        self._entries: dict[int, _Entry] = {}
        self._index: dict[str, set[int]] = {}
        # Queries built by hand rather than by parse_query may lack a cover; they are
        # kept correct by evaluating them for every item.
        self._unindexed: set[int] = set()

    @classmethod
    def from_subscriptions(
        cls, subs: Iterable[Subscription]
    ) -> tuple[SubscriptionMatcher, list[tuple[int, QueryError]]]:
        """Build a matcher from stored subscriptions.

        Args:
            subs: The subscriptions; their ``query`` text is parsed here.

        Returns:
            The matcher, and ``(subscription id, error)`` for each query that no longer
            parses (e.g. stored before a rule was tightened); those are left out.
        """
        matcher = cls()
        errors: list[tuple[int, QueryError]] = []
        for sub in subs:
            try:
                # strict=False: a subscription stored before the rules for typed queries
                # ("US", "WHO", "a, b") still works; its owner chose it
                query = parse_query(sub.query, strict=False)
            except QueryError as exc:
                errors.append((sub.id, exc))
                continue
            matcher.add(sub.id, query, sub.story_id)
        return matcher, errors

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, sub_id: object) -> bool:
        return sub_id in self._entries

    def query(self, sub_id: int) -> Query:
        """The parsed query of an indexed subscription (for what a match found).

        Raises:
            KeyError: ``sub_id`` is not indexed.
        """
        return self._entries[sub_id].query

    def add(self, sub_id: int, query: Query, story_id: int | None) -> None:
        """Index a subscription, replacing any earlier one with the same id.

        Args:
            sub_id: The subscription's id.
            query: Its parsed query.
            story_id: The story it is scoped to, or None for every item.
        """
        self.remove(sub_id)
        cover = _cover(query.root)
        anchors = cover[1] if cover is not None else frozenset()
        self._entries[sub_id] = _Entry(query, story_id, anchors)
        if not anchors:
            self._unindexed.add(sub_id)
        for key in anchors:
            self._index.setdefault(key, set()).add(sub_id)

    def remove(self, sub_id: int) -> bool:
        """Forget a subscription.

        Args:
            sub_id: The subscription's id.

        Returns:
            True if it was indexed, False if the id was unknown (nothing to do).
        """
        entry = self._entries.pop(sub_id, None)
        if entry is None:
            return False
        self._unindexed.discard(sub_id)
        for key in entry.anchors:
            ids = self._index[key]
            ids.discard(sub_id)
            if not ids:  # keep the index from filling with empty sets as users churn
                del self._index[key]
        return True

    def candidates(self, doc: Document) -> set[int]:
        """The subscriptions worth evaluating for ``doc``: a superset of the matches.

        Exposed so that tests and diagnostics can see how selective the index is.
        """
        found = set(self._unindexed)
        index = self._index
        for key in doc.distinct_tokens():
            ids = index.get(key)
            if ids:
                found |= ids
        return found

    def match(self, title: str, text: str, on_topic_story_ids: Collection[int]) -> list[int]:
        """The subscriptions an item matches.

        Args:
            title: The item's title.
            text: The item's body.
            on_topic_story_ids: The stories the engine judged the item on-topic for; a
                story-scoped subscription matches only if its story is among them.

        Returns:
            The matching subscription ids, in increasing order.
        """
        return self.match_doc(Document.from_text(title, text), on_topic_story_ids)

    def match_doc(self, doc: Document, on_topic_story_ids: Collection[int]) -> list[int]:
        """Like :meth:`match`, for an item already tokenized with :class:`Document`."""
        matched = []
        for sub_id in self.candidates(doc):
            entry = self._entries[sub_id]
            # The scope test is a set lookup: do it before the query evaluation.
            if entry.story_id is not None and entry.story_id not in on_topic_story_ids:
                continue
            if entry.query.matches_doc(doc):
                matched.append(sub_id)
        matched.sort()
        return matched


class SubscriptionIndex:
    """The subscription matcher of a process, rebuilt only when the subscriptions changed.

    Building it parses every query (about 0.1 ms a subscription: 1-2 s for 10,000), so
    it is kept while the store's :meth:`~bot.ports.Store.subscriptions_version` is the
    one it was built at: one small query a batch finds a subscription made or removed by
    any process (a chat process beside the poller, another worker) at the next batch.
    One index serves every pipeline of a process (scale-out builds one per job); a
    ``/story`` command of the same process may :meth:`invalidate` it from its thread.
    The version is a summary, not a log of changes: on PostgreSQL, where transactions
    commit out of id order, removals and late commits could in principle leave it as it
    was, so an index older than ``max_age`` is built again whatever it says.
    """

    def __init__(self, max_age: timedelta = timedelta(minutes=5)) -> None:
        self.max_age = max_age
        # (version, built at, matcher, subscriptions by id), replaced whole: read by any
        # thread
        self._built: (
            tuple[object, datetime, SubscriptionMatcher, dict[int, Subscription]] | None
        ) = None

    def invalidate(self) -> None:
        """Build the index again at the next :meth:`current` (a change was committed)."""
        self._built = None

    def current(
        self, store: SubscriptionStore, now: datetime
    ) -> tuple[SubscriptionMatcher, dict[int, Subscription]]:
        """The matcher of the stored subscriptions, and the subscriptions by id."""
        # read before the subscriptions: one committed in between makes the next call
        # build again rather than keep an index that may lack it
        version = store.subscriptions_version()
        built = self._built
        if built is not None and built[0] == version and now - built[1] < self.max_age:
            return built[2], built[3]
        subs = store.all_subscriptions()
        matcher, errors = SubscriptionMatcher.from_subscriptions(subs)
        for sub_id, error in errors:
            log.warning("subscription #%s cannot be parsed and is ignored: %s", sub_id, error)
        by_id = {s.id: s for s in subs}
        self._built = (version, now, matcher, by_id)
        return matcher, by_id
