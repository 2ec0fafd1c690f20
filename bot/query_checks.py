"""The checks that refuse a query whose parts cannot do what their writer meant.

:func:`bot.query.parse_query` refuses a query typed now that would match nearly every
item through its too-common words alone (``a OR pentagon``), one that no item can match
(``pentagon -pentagon``), and one with a part that decides nothing: a branch of an OR
that no item can match or a part of an AND that every item matches (``iran (oil OR
-oil)``). Each is worked out on the query tree (:mod:`bot.query_tree`) alone, by
reasoning over which of its terms an item holds, never by trying texts: the values a
part can take on an item without its meaningful words, and a bounded search over the
terms' presence (:data:`_SEARCH_BUDGET`) for a reading that matches. The refusals name
the words at fault, as the reply shows them.

Apart from the parser because they judge a parsed tree, and apart from the tree because
only a query typed now is judged (stored ones keep working as they always read).
"""

from __future__ import annotations

from bot.query_tree import (
    TOO_COMMON,
    And,
    Node,
    Not,
    Or,
    Query,
    QueryError,
    Term,
    describe_node,
    make_not,
    term_id,
    walk_terms,
)


def too_common(term: Term) -> bool:
    """Whether nearly every item contains ``term``: a stop word or a single letter or digit.

    Only one-word terms: a phrase of such words ("the who", "u.s.") is far rarer than
    each of its words. A single character of another script may be a word ("中"), but a
    digit of any script is as common as "7" ("٧", "७").
    """
    if len(term.keys) != 1:
        return False
    key = term.keys[0]
    return key in TOO_COMMON or (len(key) == 1 and (key.isascii() or key.isdecimal()))


def matches_common_text(node: Node) -> bool:
    """Whether ``node`` can match an item that has none of its meaningful words.

    Such an item may hold any of the too-common words or not, so each too-common term is
    taken to be free (either value) and each meaningful one absent: ``the -z`` matches an
    item with "the" and without "z", so it is refused, while ``the pentagon`` needs
    "pentagon" and is not. (Each occurrence of a term is free on its own, which can only
    err towards refusing.)
    """
    return True in _possible(node)


def _possible(node: Node) -> frozenset[bool]:
    """The values ``node`` can take on an item without its meaningful words."""
    if isinstance(node, Term):
        return _EITHER if too_common(node) else _FALSE
    if isinstance(node, Not):
        return frozenset(not v for v in _possible(node.child))
    values = [_possible(c) for c in node.children]
    if isinstance(node, And):
        can_be_true = all(True in v for v in values)
        can_be_false = any(False in v for v in values)
    else:
        can_be_true = any(True in v for v in values)
        can_be_false = all(False in v for v in values)
    return frozenset(v for v, ok in ((True, can_be_true), (False, can_be_false)) if ok)


_EITHER, _FALSE = frozenset({True, False}), frozenset({False})


# How many partial readings never_matches tries before it gives up and lets the query
# be: a typed query has at most MAX_TERMS terms, and real ones settle within a few dozen.
_SEARCH_BUDGET = 5000


def dead_part(node: Node) -> tuple[Node, bool] | None:
    """A part of ``node`` that decides nothing, and whether it is never true, else None.

    A branch of an OR that no item can match (``iran OR (pentagon -pentagon)``) never
    adds an item, and a part of an AND that every item matches (``iran (oil OR -oil)``)
    never takes one away: the query reads as without it, which its writer did not mean.
    A whole query that nothing matches is refused as such (never_matches), one that
    everything matches as matching almost every item; these are the same mistake in a
    part. The searches share one budget (:data:`_SEARCH_BUDGET`), past which the rest is
    let be.
    """
    budget = [_SEARCH_BUDGET]
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Term):
            continue
        if isinstance(current, Not):
            stack.append(current.child)
            continue
        for child in current.children:
            if isinstance(child, Term):
                continue  # a word alone is neither
            if isinstance(current, Or) and never_matches(child, budget):
                return child, True
            if isinstance(current, And) and never_matches(make_not(child), budget):
                return child, False
            stack.append(child)
    return None


def dead_part_error(query: Query, part: Node, never: bool, note: str) -> QueryError:
    """The refusal of a query with a part that decides nothing (see dead_part)."""
    shown = describe_node(part)
    if isinstance(part, (And, Or)):
        shown = f"({shown})"
    both = _both_ways(part)
    words = " and ".join(both)
    if never:
        what = "can match no item"
        why = f"{'it' if len(both) == 1 else 'them'} to be absent, so it adds nothing"
        why = f"it asks for {words} and also for {why}"
    else:
        what = "matches every item"
        why = f"it asks for {words} or for {'its' if len(both) == 1 else 'their'} absence"
        why += ", so it leaves nothing out"
    return QueryError(
        f"The part {shown} of this query {what}: {why} (the query reads: "
        f"{query.describe()}). Remove that part, or the NOT or - before a word it also "
        f"asks for.{note}"
    )


def never_matches(node: Node, budget: list[int] | None = None) -> bool:
    """Whether no item can match ``node``: each reading needs a term present and absent.

    ``pentagon -pentagon`` and ``(oil OR gas) -oil -gas`` are such queries: accepted, they
    would stay silent for ever, and their owner would take the silence for no news.
    Terms with the same match keys are one word; any others are taken to be independent
    (a phrase's words may be present without the phrase), which can only err towards
    accepting. A search over the terms' presence, cut short by the three-valued value of
    the partial reading; past :data:`_SEARCH_BUDGET` steps the query is accepted.
    """
    order = list(dict.fromkeys(term_id(term) for term, _ in walk_terms(node)))
    present: dict[tuple[str, ...], bool] = {}
    if budget is None:
        budget = [_SEARCH_BUDGET]

    def can_match(i: int) -> bool:
        budget[0] -= 1
        value = _partial(node, present)
        if value is not None or budget[0] < 0:
            return value is not False
        for v in (True, False):
            present[order[i]] = v
            found = can_match(i + 1)
            del present[order[i]]
            if found:
                return True
        return False

    return not can_match(0)


def never_matches_error(query: Query, note: str) -> QueryError:
    """The refusal of a query no item can match, naming the words asked for both ways."""
    both = _both_ways(query.root)
    return QueryError(
        f"No item can ever match this query: it asks for {' and '.join(both)} and also "
        f"for {'it' if len(both) == 1 else 'them'} to be absent (it reads: "
        f"{query.describe()}). Remove the NOT or - before a word you also ask for.{note}"
    )


def _both_ways(node: Node) -> list[str]:
    """The words ``node`` asks for and also negates, quoted, as the reply shows them."""
    shown: dict[tuple[str, ...], str] = {}  # each word as the reply shows it first
    negated: set[tuple[str, ...]] = set()
    positive: set[tuple[str, ...]] = set()
    for term, neg in walk_terms(node):
        text = term.display()
        key = term_id(term)
        shown.setdefault(key, text if text.startswith('"') else f'"{text}"')
        (negated if neg else positive).add(key)
    return [text for keys, text in shown.items() if keys in negated and keys in positive]


def _partial(node: Node, present: dict[tuple[str, ...], bool]) -> bool | None:
    """``node``'s value where the terms in ``present`` are so, or None if it depends on others."""
    if isinstance(node, Term):
        return present.get(term_id(node))
    if isinstance(node, Not):
        value = _partial(node.child, present)
        return None if value is None else not value
    decisive = isinstance(node, Or)  # the value one child settles the node with
    unknown = False
    for child in node.children:
        value = _partial(child, present)
        if value is decisive:
            return decisive
        unknown = unknown or value is None
    return None if unknown else not decisive
