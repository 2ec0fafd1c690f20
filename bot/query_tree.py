"""The query tree: terms and the NOT, AND and OR over them, and the parsed query.

A :class:`Query` (:func:`bot.query.parse_query` builds it) holds a tree of
:class:`Term` (a word or phrase, with the keys an item's words are matched on),
:class:`Not`, :class:`And` and :class:`Or`; here is what the rest of the query language
reads that tree with: its identity (what two equal queries share, whatever their
spelling and order), its evaluation against a :class:`~bot.query_text.Document`, its
canonical form, its terms with whether they are negated, and the builders that keep it
flat (an AND in an AND merged, a double NOT gone, a repeated operand dropped).

The lexer, the parser and the checks (:mod:`bot.query_lexer`, :mod:`bot.query_parser`,
:mod:`bot.query_checks`) all build on it and it imports none of them, which is why
:class:`QueryError`, raised by each of them, is defined here too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeAlias, cast

from bot.engine.stopwords import STOPWORDS
from bot.errors import UserError
from bot.query_text import Document
from bot.textnorm import dotted, joined, symbol_word, whole_words
from bot.textnorm import tokens as text_tokens

__all__ = ["And", "Node", "Not", "Or", "Query", "QueryError", "Term"]

OPERATORS = frozenset({"and", "or", "not"})
# The engine's stop words (function words, reporting verbs) as match keys: a query made of
# them alone matches nearly every item. Folded like item text, so "themselves" is here as
# "themselve", the key the word "themselves" becomes in an item.
TOO_COMMON = frozenset(keys[0] for word in STOPWORDS if len(keys := text_tokens(word)) == 1)


class QueryError(UserError):
    """A subscription query cannot be used; the message says why and how to fix it."""


@dataclass(frozen=True)
class Term:
    """A word or phrase to look for.

    Attributes:
        keys: The normalised tokens that must appear consecutively.
        label: The text as the user wrote it (whitespace collapsed; an unquoted word
            without an apostrophe at either end), for display.
        quoted: Whether the user wrote it between quotes.
    """

    keys: tuple[str, ...]
    label: str = field(compare=False)
    quoted: bool = field(default=False, compare=False)
    # The keys written as one word ("e-mail": "email"), which an item may hold instead
    # of the phrase; None for one key, or where that word would be a different one
    # (see _whole). A function of ``keys``, so it needs no place in the identity.
    whole: str | None = field(init=False, compare=False, repr=False)
    # The phrase with each word it writes in parts as one (bot.textnorm.joined: "U.S.
    # military" is ("u.s.", "military"), "e-mail address" ("email", "address")), found
    # among an item's words joined so too: a phrase follows the rules of a single word.
    # None for a term of one word that way. Depends on the label ("e-mail" and "e mail"
    # have the same keys), so the identity holds it where it is not the keys.
    joined: tuple[str, ...] | None = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "whole", _whole(self.keys))
        object.__setattr__(self, "joined", _joined(self.keys, self.label))

    def found_in(self, doc: Document) -> bool:
        """Whether ``doc`` holds the term: its keys in a row, or written as one word."""
        keys = self.keys
        if doc.contains(keys) or (self.whole is not None and doc.has_word(self.whole)):
            return True
        joined_keys = self.joined
        if joined_keys is None:
            return False
        # the same words joined can only be found where the item joins one of them (a
        # set test here: most phrases of most items, so no call for them)
        if joined_keys is keys and doc.whole_words.isdisjoint(keys):
            return False
        return doc.contains_joined(joined_keys, keys)

    def display(self) -> str:
        """The term as :meth:`Query.describe` shows it; re-parses to an equal term."""
        text = self.label.casefold()
        return f'"{text}"' if self.quoted or text in OPERATORS else text


@dataclass(frozen=True)
class Not:
    """Matches when ``child`` does not."""

    child: Node


@dataclass(frozen=True)
class And:
    """Matches when every child matches (two or more children, none an ``And``)."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """Matches when any child matches (two or more children, none an ``Or``)."""

    children: tuple[Node, ...]


Node: TypeAlias = Term | Not | And | Or


def _whole(keys: tuple[str, ...]) -> str | None:
    """The word ``keys`` make written whole, where a phrase may be written so.

    Not for numbers unless the later parts are groups of three digits ("10,000" is
    "10000", "3.5" no "35"), nor where the whole is a word too common to search for
    ("U.S." is no "us"): for letters, such as "U.S." and "W.H.O.", it is their
    :func:`~bot.textnorm.dotted` key instead, which an item has where it writes them in
    capitals in ordinary text ("the US said").
    """
    if len(keys) < 2:
        return None
    if all(k.isdigit() for k in keys) and (len(keys[0]) > 3 or any(len(k) != 3 for k in keys[1:])):
        return None
    whole = whole_words(keys)
    if whole not in TOO_COMMON:
        return whole
    return dotted(keys) if all(len(k) == 1 and k.isalpha() for k in keys) else None


def _joined(keys: tuple[str, ...], label: str) -> tuple[str, ...] | None:
    """The phrase's words with those written in parts joined (see Term), or None.

    None for one key, and where joining leaves one word ("e-mail"): ``whole`` finds it.
    A symbol word ("C++") is a key of its own, found as a word (see _symbol_term).
    """
    if len(keys) < 2 or symbol_word(label) is not None:
        return None
    found = tuple(joined(label, acronyms=False))
    if len(found) < 2:
        return None
    return keys if found == keys else found  # the keys themselves: Document tells by "is"


def _once(flat: list[Node]) -> list[Node]:
    # an operand repeated under one operator says nothing more (``oil OR oil`` is ``oil``,
    # as equality reads it, node_identity): the first spelling stays, for the reply to show
    seen: set[str] = set()
    kept: list[Node] = []
    for node in flat:
        key = _dump(node_identity(node))
        if key not in seen:
            seen.add(key)
            kept.append(node)
    return kept


def _flat(kind: type[And] | type[Or], children: list[Node]) -> Node:
    """``kind`` over ``children``, flat: one of the same kind among them merged in, each
    operand once, and a single operand as itself."""
    flat: list[Node] = []
    for c in children:
        flat.extend(c.children if isinstance(c, kind) else (c,))
    flat = _once(flat)
    return flat[0] if len(flat) == 1 else kind(tuple(flat))


def make_and(children: list[Node]) -> Node:
    """AND over ``children``, flat: an AND among them merged in, each operand once."""
    return _flat(And, children)


def make_or(children: list[Node]) -> Node:
    """OR over ``children``, flat: an OR among them merged in, each operand once."""
    return _flat(Or, children)


def make_not(child: Node) -> Node:
    """NOT ``child``; a double NOT is its child."""
    return child.child if isinstance(child, Not) else Not(child)


@dataclass(frozen=True, eq=False)
class Query:
    """A parsed subscription query. Build it with :func:`parse_query`.

    Two queries are equal when they share :meth:`identity`: whatever the user's spelling,
    and whatever the order of the words under one AND or OR (``bread bakery`` is
    ``bakery bread``; ``oil OR oil`` is ``oil``).
    """

    root: Node
    source: str = field(default="", compare=False)

    def matches(self, title: str, text: str = "") -> bool:
        """Whether an item matches.

        Args:
            title: The item's title.
            text: The item's body.

        Returns:
            True if the item satisfies the query.
        """
        return self.matches_doc(Document.from_text(title, text))

    def matches_doc(self, doc: Document) -> bool:
        """Like :meth:`matches`, for an item tokenized once with :class:`Document`."""
        return _eval(self.root, doc)

    def describe(self) -> str:
        """The canonical form, for display: e.g. ``"supply chain" AND (pentagon OR dod)``.

        Operators are upper case, implicit ANDs and ``-`` are spelled out, redundant
        parentheses and double negations are gone. It parses back to an equal query.
        """
        return self._described

    @cached_property
    def _described(self) -> str:
        # worked out once: every notice of a match names its query (bot.notice_text)
        return describe_node(self.root)

    def __str__(self) -> str:
        return self.describe()

    def identity(self) -> str:
        """A text that two queries share exactly when they are equal (see the class).

        Built from the match keys, not the labels, so ``Bakeries  bread``, ``bakery AND
        bread`` and ``bread AND bakery`` share it (AND and OR do not depend on the order
        of their words). The store indexes it so that a user cannot hold the same
        subscription twice.
        """
        return _dump(node_identity(self.root))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Query):
            return NotImplemented
        return self.identity() == other.identity()

    def __hash__(self) -> int:
        return hash(self.identity())

    def terms(self) -> set[str]:
        """The positive terms (those not negated), lower-cased, phrases without quotes."""
        return {label for label, _ in self._positive_terms}

    def matched_terms(self, doc: Document) -> set[str]:
        """The positive terms present in ``doc`` (as :meth:`terms` spells them).

        This is the reason a match happened, for ``/story why`` and the logs.
        """
        return {label for label, term in self._positive_terms if term.found_in(doc)}

    @cached_property
    def _positive_terms(self) -> tuple[tuple[str, Term], ...]:
        # (label as terms() spells it, term) of each positive term, in tree order: worked
        # out once, as every notice of a match asks for both sets (bot.notice_text._found)
        return tuple((t.label.casefold(), t) for t, negated in walk_terms(self.root) if not negated)


def _dump(identity: list[object]) -> str:
    return json.dumps(identity, ensure_ascii=False, separators=(",", ":"))


def node_identity(node: Node) -> list[object]:
    # What ``==`` compares: a term's keys (not its label or quotes), and each operator
    # with its children as a set: sorted, each once, an operator of one child being that
    # child, and an AND in an AND (or an OR in an OR) merged into it, as the logic reads.
    if isinstance(node, Term):
        if term_id(node) == node.keys:
            return ["w", *node.keys]
        return ["w", *node.keys, ["j", *(node.joined or ())]]
    if isinstance(node, Not):
        return ["not", node_identity(node.child)]
    kind = "and" if isinstance(node, And) else "or"
    parts: dict[str, list[object]] = {}
    for child in node.children:
        part = node_identity(child)
        members = cast(list[list[object]], part[1:]) if part[0] == kind else [part]
        for member in members:
            parts[_dump(member)] = member
    if len(parts) == 1:
        return next(iter(parts.values()))
    return [kind, *(parts[k] for k in sorted(parts))]


def term_id(term: Term) -> tuple[str, ...]:
    """What tells terms apart: their keys, and their joined words where those differ.

    ``"e-mail address"`` and ``"e mail address"`` have the same keys, but the first also
    finds "email address" (:attr:`Term.joined`).
    """
    joined_keys = term.joined
    if joined_keys is None or joined_keys == term.keys:
        return term.keys
    return (*term.keys, "", *joined_keys)  # "" is no key: the two parts stay apart


def _eval(node: Node, doc: Document) -> bool:
    if isinstance(node, Term):
        return node.found_in(doc)
    if isinstance(node, Not):
        return not _eval(node.child, doc)
    # loops rather than all()/any() over a generator: the matcher evaluates about 50
    # queries an item, and making a generator per operator cost more than the test
    if isinstance(node, And):
        for c in node.children:
            if not _eval(c, doc):
                return False
        return True
    for c in node.children:
        if _eval(c, doc):
            return True
    return False


def walk_terms(node: Node, negated: bool = False) -> Iterator[tuple[Term, bool]]:
    """Every term with whether an odd number of NOTs applies to it."""
    if isinstance(node, Term):
        yield node, negated
    elif isinstance(node, Not):
        yield from walk_terms(node.child, not negated)
    else:
        for child in node.children:
            yield from walk_terms(child, negated)


def describe_node(node: Node) -> str:
    """The node in the query's canonical form, as messages quote it."""
    if isinstance(node, Term):
        return node.display()
    if isinstance(node, Not):
        inner = describe_node(node.child)
        return f"NOT {inner}" if isinstance(node.child, Term) else f"NOT ({inner})"
    # Parentheses around an AND inside an OR are not needed, but readers do not all know
    # the precedence; they make the canonical form unambiguous to a human.
    parts = [
        f"({describe_node(c)})" if isinstance(c, (And, Or)) else describe_node(c)
        for c in node.children
    ]
    return (" AND " if isinstance(node, And) else " OR ").join(parts)
