"""The keyword query language of ``/story subscribe``.

A query is what a user types to be told about items that mention something::

    "supply chain" pentagon OR dod -openai

Grammar (``NOT`` binds tighter than ``AND``, which binds tighter than ``OR``)::

    query   := or
    or      := and ("OR" and)*
    and     := unary ("AND"? unary)*        # adjacent terms are ANDed
    unary   := ("NOT" | "-") unary | primary
    primary := WORD | '"' PHRASE '"' | "(" query ")"

Operators are recognised in any case ("or", "Or"); to search for the word itself, quote
it (``"or"``). ``-`` means NOT only at the start of a word, so "supply-chain" is a word.
Typographic quotes (“ ” „ « ») are quotes, as phones and "smart quotes" type them.
Single quotes, straight or typographic (``'supply chain'``, ‘supply chain’), are quotes
too where they pair around words: one opens a phrase only at the start of a word and
closes it only at the end of one, so apostrophes (Trump's, O'Brien, don't, '90s) stay
part of their words. One at either end of a word, with no partner, changes nothing else
about it: ``'AT&T`` is the name AT&T, and ``'!openai`` is refused as ``!openai`` is.

Punctuation that its writer means as an operator the language does not have is refused
in a query typed now rather than read as plain words, which would do something else
silently: ``pentagon, dod`` (Slack's own keyword lists mean "any of"), ``a || b``,
``!openai``, ``pentagon - openai`` (a NOT, or nothing?), and links, which are not
searched.

Matching works on the word tokens of :mod:`bot.textnorm`, so it is case-, accent- and
simple-plural-insensitive and respects word boundaries ("AI" does not match "said"). A
phrase, or a word that the tokenizer splits ("U.S.", "supply-chain"), must appear as
consecutive tokens, inside the title or inside the body (never straddling the two), or
its words written as one ("e-mail" finds "Email", "F-35" "F35", "10,000" "10000"), as
a one-word term finds them hyphenated, dotted or with commas ("AI" finds "A.I."). Not
where that word is too common: "U.S." never finds the word "us", only "US" written in
capitals in ordinary text (:func:`bot.textnorm.dotted`).

Every query must name something that has to appear: a query that would match an item
containing none of its words (``NOT openai``, ``pentagon OR -openai``) is rejected,
because it would flood the user with nearly every item. The same property lets
:mod:`bot.matcher` index every subscription by words an item must contain. For the same
reason a query is rejected when an item with none of its meaningful words matches it:
single words so common that nearly every item has them (the engine's stop words, such as
"the", "said" or "new", and single letters or digits) do not count, so ``a``, ``the`` and
``a OR pentagon`` are refused while ``the pentagon``, ``"the who"`` and ``u.s.`` (phrases)
are accepted. At the other end, a query no item can match is refused too: one that asks
for a word and for its absence (``pentagon -pentagon``, ``(oil OR gas) -oil -gas``)
would never send anything, and its silence would read as "no news". So is a query with
a part that decides nothing, the same mistake inside it: a branch of an OR that no item
can match (``iran OR (pentagon -pentagon)``) or a part of an AND that every item matches
(``iran (oil OR -oil)``); the reply names the part.

Errors are :class:`QueryError`, a :class:`~bot.errors.UserError` whose message is meant to
be shown to the user as is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeAlias, cast

from bot.engine.stopwords import STOPWORDS
from bot.errors import UserError
from bot.render import shorten
from bot.textnorm import dotted, joined, symbol_word, whole_words
from bot.textnorm import tokens as text_tokens
from bot.textnorm import words as text_words

__all__ = [
    "MAX_CHARS",
    "MAX_DEPTH",
    "MAX_TERMS",
    "QUOTE_CHARS",
    "SINGLE_QUOTE_CHARS",
    "UNCLOSED_QUOTE",
    "And",
    "Document",
    "Node",
    "Not",
    "Or",
    "Query",
    "QueryError",
    "Term",
    "lower_case_not",
    "one_word_hashtags",
    "parse_query",
    "quoted_whole",
    "shown_query",
    "unclosed_quote",
]

MAX_CHARS = 500
MAX_TERMS = 30
# Parentheses and NOTs nested deeper than this are refused; it also bounds the recursion
# of the parser and the evaluator well below Python's limit.
MAX_DEPTH = 20

_OPERATORS = frozenset({"and", "or", "not"})
# The engine's stop words (function words, reporting verbs) as match keys: a query made of
# them alone matches nearly every item. Folded like item text, so "themselves" is here as
# "themselve", the key the word "themselves" becomes in an item.
_TOO_COMMON = frozenset(keys[0] for word in STOPWORDS if len(keys := text_tokens(word)) == 1)
_EXAMPLE = 'for example: pentagon OR "supply chain" -openai'


class QueryError(UserError):
    """A subscription query cannot be used; the message says why and how to fix it."""


# --------------------------------------------------------------------------- the tree


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
        return f'"{text}"' if self.quoted or text in _OPERATORS else text


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
    if whole not in _TOO_COMMON:
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


# --------------------------------------------------------------------------- documents


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


_EMPTY = Document(())


# --------------------------------------------------------------------------- queries


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
        # worked out once: every notice of a match names its query (bot.alerts)
        return _describe(self.root)

    def __str__(self) -> str:
        return self.describe()

    def identity(self) -> str:
        """A text that two queries share exactly when they are equal (see the class).

        Built from the match keys, not the labels, so ``Bakeries  bread``, ``bakery AND
        bread`` and ``bread AND bakery`` share it (AND and OR do not depend on the order
        of their words). The store indexes it so that a user cannot hold the same
        subscription twice.
        """
        return _dump(_identity(self.root))

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
        # out once, as every notice of a match asks for both sets (bot.alerts._found)
        return tuple((t.label.casefold(), t) for t, negated in _walk(self.root) if not negated)


def _dump(identity: list[object]) -> str:
    return json.dumps(identity, ensure_ascii=False, separators=(",", ":"))


def _identity(node: Node) -> list[object]:
    # What ``==`` compares: a term's keys (not its label or quotes), and each operator
    # with its children as a set: sorted, each once, an operator of one child being that
    # child, and an AND in an AND (or an OR in an OR) merged into it, as the logic reads.
    if isinstance(node, Term):
        if _term_id(node) == node.keys:
            return ["w", *node.keys]
        return ["w", *node.keys, ["j", *(node.joined or ())]]
    if isinstance(node, Not):
        return ["not", _identity(node.child)]
    kind = "and" if isinstance(node, And) else "or"
    parts: dict[str, list[object]] = {}
    for child in node.children:
        part = _identity(child)
        members = cast(list[list[object]], part[1:]) if part[0] == kind else [part]
        for member in members:
            parts[_dump(member)] = member
    if len(parts) == 1:
        return next(iter(parts.values()))
    return [kind, *(parts[k] for k in sorted(parts))]


def _term_id(term: Term) -> tuple[str, ...]:
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


def _too_common(term: Term) -> bool:
    """Whether nearly every item contains ``term``: a stop word or a single letter or digit.

    Only one-word terms: a phrase of such words ("the who", "u.s.") is far rarer than
    each of its words. A single character of another script may be a word ("中"), but a
    digit of any script is as common as "7" ("٧", "७").
    """
    if len(term.keys) != 1:
        return False
    key = term.keys[0]
    return key in _TOO_COMMON or (len(key) == 1 and (key.isascii() or key.isdecimal()))


def _matches_common_text(node: Node) -> bool:
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
        return _EITHER if _too_common(node) else _FALSE
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


# How many partial readings _never_matches tries before it gives up and lets the query
# be: a typed query has at most MAX_TERMS terms, and real ones settle within a few dozen.
_SEARCH_BUDGET = 5000


def _dead_part(node: Node) -> tuple[Node, bool] | None:
    """A part of ``node`` that decides nothing, and whether it is never true, else None.

    A branch of an OR that no item can match (``iran OR (pentagon -pentagon)``) never
    adds an item, and a part of an AND that every item matches (``iran (oil OR -oil)``)
    never takes one away: the query reads as without it, which its writer did not mean.
    A whole query that nothing matches is refused as such (_never_matches), one that
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
            if isinstance(current, Or) and _never_matches(child, budget):
                return child, True
            if isinstance(current, And) and _never_matches(_mk_not(child), budget):
                return child, False
            stack.append(child)
    return None


def _dead_part_error(query: Query, part: Node, never: bool, note: str) -> QueryError:
    """The refusal of a query with a part that decides nothing (see _dead_part)."""
    shown = _describe(part)
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


def _never_matches(node: Node, budget: list[int] | None = None) -> bool:
    """Whether no item can match ``node``: each reading needs a term present and absent.

    ``pentagon -pentagon`` and ``(oil OR gas) -oil -gas`` are such queries: accepted, they
    would stay silent for ever, and their owner would take the silence for no news.
    Terms with the same match keys are one word; any others are taken to be independent
    (a phrase's words may be present without the phrase), which can only err towards
    accepting. A search over the terms' presence, cut short by the three-valued value of
    the partial reading; past :data:`_SEARCH_BUDGET` steps the query is accepted.
    """
    order = list(dict.fromkeys(_term_id(term) for term, _ in _walk(node)))
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


def _never_matches_error(query: Query, note: str) -> QueryError:
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
    for term, neg in _walk(node):
        text = term.display()
        key = _term_id(term)
        shown.setdefault(key, text if text.startswith('"') else f'"{text}"')
        (negated if neg else positive).add(key)
    return [text for keys, text in shown.items() if keys in negated and keys in positive]


def _partial(node: Node, present: dict[tuple[str, ...], bool]) -> bool | None:
    """``node``'s value where the terms in ``present`` are so, or None if it depends on others."""
    if isinstance(node, Term):
        return present.get(_term_id(node))
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


def _walk(node: Node, negated: bool = False) -> Iterator[tuple[Term, bool]]:
    """Every term with whether an odd number of NOTs applies to it."""
    if isinstance(node, Term):
        yield node, negated
    elif isinstance(node, Not):
        yield from _walk(node.child, not negated)
    else:
        for child in node.children:
            yield from _walk(child, negated)


def _describe(node: Node) -> str:
    if isinstance(node, Term):
        return node.display()
    if isinstance(node, Not):
        inner = _describe(node.child)
        return f"NOT {inner}" if isinstance(node.child, Term) else f"NOT ({inner})"
    # Parentheses around an AND inside an OR are not needed, but readers do not all know
    # the precedence; they make the canonical form unambiguous to a human.
    parts = [
        f"({_describe(c)})" if isinstance(c, (And, Or)) else _describe(c) for c in node.children
    ]
    return (" AND " if isinstance(node, And) else " OR ").join(parts)


# --------------------------------------------------------------------------- lexer


@dataclass(frozen=True)
class _Tok:
    kind: str  # "term", "and", "or", "not", "(", ")"
    text: str  # as typed, for messages
    term: Node | None = None  # a Term, or a hashtag's Or (see _hashtag)
    lower: bool = False  # an operator typed in lower case ("or"), not as its name ("OR")


# Every character belongs to exactly one alternative (``word`` takes whatever is left), so
# ``finditer`` tiles the whole input. ``-`` negates only at the start of a lexeme and only
# when something follows it, which keeps "supply-chain" a word. A single quote opens a
# phrase only at the start of a word and closes it only at the end of one (before a space,
# a parenthesis or the end), so an apostrophe inside a word (Trump's, O'Brien, don't) is
# part of it; one with no partner ('90s, students') is an apostrophe too.
_LEXEME = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<paren>[()])
    | (?P<phrase>"[^"]*")
    | (?P<open_quote>")
    | (?P<single_phrase>'(?=[^\s'])[^"]*?(?<=\S)'(?=[\s()]|$))
    | (?P<minus>-(?=\S))
    | (?P<word>[^\s()"]+)
    """,
    re.VERBOSE,
)


# Typographic double quotes, as phones and "smart quotes" settings type them: each is a
# quote of the query language, so “supply chain” is a phrase as "supply chain" is.
QUOTE_CHARS = '"\u201c\u201d\u201e\u201f\u00ab\u00bb\uff02'
# Single quotes and apostrophes, straight and typographic (Slack and phones type ‘…’ and
# Trump’s): a pair of them around words is a phrase as double quotes are (see _LEXEME).
SINGLE_QUOTE_CHARS = "'\u2018\u2019\u201a\u201b\u2039\u203a"
_STRAIGHT_QUOTES = str.maketrans(
    dict.fromkeys(QUOTE_CHARS[1:], '"') | dict.fromkeys(SINGLE_QUOTE_CHARS[1:], "'")
)
# What the lexer's error says, and a title's in ``stories add`` (bot.story_admin), whose
# quotes follow the same rule (see unclosed_quote).
UNCLOSED_QUOTE = 'A quote (") is never closed.'


def unclosed_quote(text: str) -> bool:
    """Whether a double quote (straight or typographic) in ``text`` is never closed.

    The query language's rule: double quotes pair up from the left, each pair around a
    phrase, so one is left over exactly when there is an odd number of them.
    """
    return text.translate(_STRAIGHT_QUOTES).count('"') % 2 == 1


def quoted_whole(text: str) -> str | None:
    """What is between the quotes when all of ``text`` is one quoted phrase, else None.

    Read as a query reads a phrase: ``"Chips Act"``, “Chips Act”, ``'Chips Act'`` and
    ‘Trump’s wall’ are; ``"Chips Act" and "CHIPS"`` and ``'Tis the season`` are not.
    """
    m = _LEXEME.match(text.translate(_STRAIGHT_QUOTES))
    if m is None or m.end() != len(text) or m.lastgroup not in ("phrase", "single_phrase"):
        return None
    return text[1:-1]


# A mention as a chat app sends it in command text: Slack's <#C024BE7LR|general>,
# <@U024BE7LH>, <!here>, <!subteam^S…|@team> (the Slack adapter turns those with a label
# back into what was typed); Discord's <#123…>, <@123…>, <@!123…>, <@&123…> (a role).
_CHAT_MENTION = re.compile(r"<([#@!])[^<>\s]*>?")

# A possessive at the end of a word ("AT&T's"), which a symbol word is without.
_POSSESSIVE_END = re.compile(r"'s$")

# A comma inside a number ("1,000") is part of it; any other separates nothing.
_NUMBER_COMMA = re.compile(r"(?<=\d),(?=\d)")


def _refuse_misread(lexeme: str) -> None:
    """Refuse a word whose punctuation means, to its writer, what the language does not.

    Each would be read as plain words, often the opposite of the intent: a comma list
    (``pentagon, dod``, which Slack's own keyword lists read as "any of") as AND, ``||``
    and ``!openai`` as the words themselves, and a link as a phrase of its parts, which an
    item's text hardly ever holds (its link is not searched).
    """
    if "://" in lexeme or lexeme.casefold().startswith(("www.", "<http")):
        raise QueryError(
            f"'{shorten(lexeme, 60)}' is a link: subscriptions look for words in an item's "
            "title and text, not its link, so it would never match. Subscribe to words "
            "instead; `/story why` with the item's link explains what storybot made of it."
        )
    mention = _CHAT_MENTION.match(lexeme)
    if mention:
        what = "a channel" if mention.group(1) == "#" else "a person or group"
        raise QueryError(
            f"'{shorten(lexeme, 40)}' is {what} as the chat app sends a mention, not a "
            "word: subscriptions look for words in an item's title and text. Write the "
            "word without its # or @ (climate, not #climate), or the person's name."
        )
    if "|" in lexeme:
        raise QueryError(
            f"'{shorten(lexeme, 40)}': write OR between words to be told of any of them, "
            "for example: pentagon OR dod"
        )
    if lexeme.startswith("!") and text_tokens(lexeme):
        word = shorten(lexeme.lstrip("!"), 40)
        raise QueryError(
            f"'{shorten(lexeme, 40)}': to leave a word out, write -{word} or NOT {word}"
        )
    if "," in _NUMBER_COMMA.sub("", lexeme):
        raise QueryError(
            f"'{shorten(lexeme, 40)}': commas do not separate keywords here. Write OR "
            "between words to be told of any of them (pentagon OR dod), spaces for all of "
            'them (pentagon dod), or quote a name with a comma ("washington, d.c.").'
        )


# A hashtag in CamelCase: "#ClimateChange", "#NBAFinals" (a run of capitals ends before
# the capital that starts a word), "#FridaysForFuture", "#COVID19". Its parts are where
# the capitals (and digits) say the words begin. ASCII only: a hashtag in another script
# stays one word.
_CAMEL_HASHTAG = re.compile(r"#((?:[A-Z]+(?![a-z])|[A-Z][a-z]+|[0-9]+)+)")
_CAMEL_PART = re.compile(r"[A-Z]+(?![a-z])|[A-Z][a-z]+|[0-9]+")


def _hashtag(lexeme: str, keys: tuple[str, ...]) -> Node | None:
    """A CamelCase hashtag as itself or its words as a phrase, or None for other words.

    "#ClimateChange" is ``#climatechange OR "climate change"``: items write the words of
    a hashtag apart, hyphenated or whole as often as with its "#". The capitals are the
    only sign of where its words begin: "#climatechange" stays one word (no dictionary
    is at hand to split it, and a guess would find what nobody asked for). Nor is a
    hashtag split into fewer than two words that are not too common (see _too_common):
    "#MeToo" as the phrase "me too" would find every quote of those words.
    """
    m = _CAMEL_HASHTAG.fullmatch(lexeme)
    if m is None:
        return None
    parts = _CAMEL_PART.findall(m.group(1))
    words = tuple(k for part in parts for k in text_tokens(part))
    if sum(len(k) > 1 and k not in _TOO_COMMON for k in words) < 2:
        return None
    return Or((Term(keys, lexeme), Term(words, " ".join(parts), quoted=True)))


def lower_case_not(query: Query) -> str:
    """A note for a query that has "not" typed in lower case, else "".

    ``Trump not guilty`` is accepted, reading ``trump AND NOT guilty``: most likely not
    what its writer meant, who wanted the words. ``/story subscribe`` adds the note (the
    one a refused query gets, see _lower_case_operator_note) to its reply. A lower-case
    "and" or "or" gets none: read as operators they mostly mean what was meant.
    """
    toks = _lex(query.source, strict=False)
    return _lower_case_operator_note(toks) if any(t.lower and t.kind == "not" for t in toks) else ""


def one_word_hashtags(query: Query) -> list[str]:
    """The hashtags of ``query`` typed in lower case and long enough to join words.

    "#climatechange" has no capitals to tell where its words begin (see _hashtag), so it
    finds the hashtag but not "climate change": ``/story subscribe`` says so and how to
    find both. Shorter ones ("#nato", "#brexit") are mostly one word: no note.
    """
    found = []
    for term, negated in _walk(query.root):
        label = term.label
        if not negated and label.startswith("#") and len(label) > 8 and label[1:].islower():
            found.append(label)
    return list(dict.fromkeys(found))


def _word(lexeme: str, keys: tuple[str, ...]) -> Term:
    """The term of an unquoted word, labelled without an apostrophe at either end.

    Shown with one ('90s, students'), a word could pair with another into a phrase when
    :meth:`Query.describe` is parsed again; the apostrophe is no part of the match keys.
    Where the word without it would read otherwise ("'-gas" as a NOT, "'!a" refused),
    it keeps its apostrophe and is shown quoted, which reads as it did.
    """
    label = lexeme.strip("'")
    term = Term(keys, label)
    if label != lexeme and not _reads_back(term):
        return Term(keys, lexeme, quoted=True)  # shown as "…", which keeps it whole
    return term


def _reads_back(term: Term) -> bool:
    """Whether ``term`` as :meth:`Term.display` shows it is read again as that one term."""
    try:
        toks = _lex(term.display())
    except QueryError:
        return False
    return (
        len(toks) == 1
        and toks[0].kind == "term"
        and isinstance(again := toks[0].term, Term)
        and _identity(again) == _identity(term)
    )


def _symbol(text: str) -> str | None:
    """The :func:`~bot.textnorm.symbol_word` key of a word or phrase, else None.

    Without an apostrophe at either end ("'AT&T", "C++'") or a possessive ("AT&T's"),
    as an item's text reads the name where they stand beside it.
    """
    return symbol_word(_POSSESSIVE_END.sub("", text.strip("'")))


def _lex(text: str, strict: bool = True) -> list[_Tok]:
    """The tokens of ``text``; ``strict`` (a query typed now) refuses misread punctuation."""
    out: list[_Tok] = []
    lone_dash_before: list[int] = []  # positions in ``out`` that follow a lone "-"
    for m in _LEXEME.finditer(text.translate(_STRAIGHT_QUOTES)):
        kind, lexeme = m.lastgroup, m.group()
        if kind == "space":
            continue
        if kind == "paren":
            out.append(_Tok(lexeme, lexeme))
        elif kind == "minus":
            out.append(_Tok("not", "-"))
        elif kind == "open_quote":
            raise QueryError(
                f'{UNCLOSED_QUOTE} Put phrases between two quotes, like "supply chain".'
            )
        elif kind in ("phrase", "single_phrase"):
            label = " ".join(lexeme[1:-1].split())
            keys = tuple(text_tokens(label))
            symbol = _symbol(label)
            if symbol is not None:  # "C++" is a word of its own, as unquoted
                out.append(_Tok("term", f'"{label}"', Term((symbol,), label, quoted=True)))
                continue
            if not keys:
                shown = f'"{label}"' if label else '""'
                raise QueryError(
                    f"The phrase {shown} has no words to search for. "
                    "Put words between the quotes, or remove them."
                )
            out.append(_Tok("term", f'"{label}"', Term(keys, label, quoted=True)))
        elif lexeme.casefold() in _OPERATORS:
            out.append(_Tok(lexeme.casefold(), lexeme.upper(), lower=lexeme != lexeme.upper()))
        else:
            # an apostrophe at either end, with no partner to make a phrase, is no part
            # of the word ("'AT&T", "'!openai"): it is read as typed without it
            bare = lexeme.strip("'")
            if strict:
                _refuse_misread(bare)
            keys = tuple(text_tokens(lexeme))
            symbol = _symbol(bare)
            if symbol is not None:
                # "C++", "C#", ".NET", "AT&T": its symbol is part of its name (as an
                # item's text holds it: bot.textnorm.symbol_word), not punctuation
                out.append(_Tok("term", lexeme, Term((symbol,), bare)))
                continue
            # Other stray punctuation ("&", "+", a "-" at the end) is dropped: users
            # write "trump & musk" and mean the two words.
            if keys:
                node = _hashtag(bare, keys) or _word(lexeme, keys)
                out.append(_Tok("term", lexeme, node))
            elif lexeme == "-":
                lone_dash_before.append(len(out))
    for i in lone_dash_before if strict else ():
        # "pentagon - openai": a NOT with a space too many, or a separator? Ask.
        if i < len(out) and out[i].kind in ("term", "("):
            shown = shorten(out[i].text, 40) if out[i].kind == "term" else "(…)"
            raise QueryError(
                f"A '-' stands apart before {shown}: to leave it out, join the dash to it "
                f"(-{shown}); to look for it, remove the dash."
            )
    return out


def _lower_case_operator_note(toks: list[_Tok]) -> str:
    """Where a refused query has an operator typed in lower case, how to search for the word.

    "and", "or" and "not" are operators in any case, so ``not guilty`` reads ``NOT
    guilty``, which is refused as only a negation: its writer wanted the words. The note
    says so, naming the operator ("not" first: it turns the meaning round), and quotes the
    run of plain words and lower-case operators around it as the phrase to write.
    Empty where no operator was typed in lower case.
    """
    lower = [i for i, tok in enumerate(toks) if tok.lower]
    if not lower:
        return ""
    i = next((i for i in lower if toks[i].kind == "not"), lower[0])
    start = end = i
    while start > 0 and _in_words(toks[start - 1]):
        start -= 1
    while end + 1 < len(toks) and _in_words(toks[end + 1]):
        end += 1
    phrase = " ".join(t.text.casefold() if t.lower else t.text for t in toks[start : end + 1])
    word = toks[i].text.casefold()
    return (
        f' Here "{word}" is the operator {toks[i].text}, as and, or and not are in any '
        f'case; to search for the words themselves, put them between quotes: "{phrase}".'
    )


def _in_words(tok: _Tok) -> bool:
    """Whether ``tok`` is part of a run of typed words: a plain word or a lower-case operator."""
    return tok.lower or (tok.kind == "term" and not tok.text.startswith(('"', "'")))


# --------------------------------------------------------------------------- parser


def _once(flat: list[Node]) -> list[Node]:
    # an operand repeated under one operator says nothing more (``oil OR oil`` is ``oil``,
    # as equality reads it, _identity): the first spelling stays, for the reply to show
    seen: set[str] = set()
    kept: list[Node] = []
    for node in flat:
        key = _dump(_identity(node))
        if key not in seen:
            seen.add(key)
            kept.append(node)
    return kept


def _mk_and(children: list[Node]) -> Node:
    flat: list[Node] = []
    for c in children:
        flat.extend(c.children if isinstance(c, And) else (c,))
    flat = _once(flat)
    return flat[0] if len(flat) == 1 else And(tuple(flat))


def _mk_or(children: list[Node]) -> Node:
    flat: list[Node] = []
    for c in children:
        flat.extend(c.children if isinstance(c, Or) else (c,))
    flat = _once(flat)
    return flat[0] if len(flat) == 1 else Or(tuple(flat))


def _mk_not(child: Node) -> Node:
    return child.child if isinstance(child, Not) else Not(child)


class _Parser:
    """Recursive descent over the tokens; ``depth`` counts open parentheses and NOTs."""

    def __init__(self, toks: list[_Tok]) -> None:
        self.toks = toks
        self.pos = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def prev(self) -> _Tok | None:
        return self.toks[self.pos - 1] if self.pos > 0 else None

    def parse(self) -> Node:
        node = self.parse_or(0)
        if self.peek() is not None:  # only a ")" can stop parse_or early
            raise QueryError("There is a ')' without a matching '('. Remove it or add a '('.")
        return node

    def parse_or(self, depth: int) -> Node:
        branches = [self.parse_and(depth)]
        while (tok := self.peek()) is not None and tok.kind == "or":
            self.pos += 1
            branches.append(self.parse_and(depth))
        return _mk_or(branches)

    def parse_and(self, depth: int) -> Node:
        parts = [self.parse_unary(depth)]
        while (tok := self.peek()) is not None and tok.kind in ("and", "term", "not", "("):
            if tok.kind == "and":
                self.pos += 1
            parts.append(self.parse_unary(depth))
        return _mk_and(parts)

    def parse_unary(self, depth: int) -> Node:
        tok = self.peek()
        if tok is not None and tok.kind == "not":
            self._check_depth(depth + 1)
            self.pos += 1
            return _mk_not(self.parse_unary(depth + 1))
        return self.parse_primary(depth)

    def parse_primary(self, depth: int) -> Node:
        tok = self.peek()
        if tok is not None and tok.kind == "term":
            self.pos += 1
            assert tok.term is not None
            return tok.term
        if tok is not None and tok.kind == "(":
            self._check_depth(depth + 1)
            self.pos += 1
            nxt = self.peek()
            if nxt is not None and nxt.kind == ")":
                raise QueryError("There are empty parentheses '()'. Put words inside them.")
            node = self.parse_or(depth + 1)
            nxt = self.peek()
            if nxt is None or nxt.kind != ")":
                raise QueryError("A '(' is never closed. Add the missing ')'.")
            self.pos += 1
            return node
        raise self._missing_term(tok)

    def _missing_term(self, found: _Tok | None) -> QueryError:
        """The friendliest explanation of why a search term was expected but not found."""
        before = self.prev()
        note = _lower_case_operator_note(self.toks)
        if before is None or before.kind == "(":
            if found is not None and found.kind in ("and", "or"):
                return QueryError(
                    f'"{found.text}" needs a word on each side, '
                    f"for example: pentagon {found.text} dod.{note}"
                )
            # before is None with found None cannot happen: empty queries are caught first.
            return QueryError("There is a ')' without a matching '('. Remove it or add a '('.")
        op = before.text
        if found is None:
            return QueryError(f'The query ends with "{op}": add a word after it.{note}')
        if found.kind == ")":
            return QueryError(f'"{op}" is followed by ")": add a word after "{op}".{note}')
        return QueryError(f'"{op}" is followed by "{found.text}": put a word between them.{note}')

    @staticmethod
    def _check_depth(depth: int) -> None:
        if depth > MAX_DEPTH:
            raise QueryError(
                f"The query nests parentheses and NOTs more than {MAX_DEPTH} deep. "
                "Please simplify it."
            )


def parse_query(text: str, *, strict: bool = True) -> Query:
    """Parse what a user typed after ``/story subscribe``.

    Args:
        text: The query, e.g. ``"supply chain" (pentagon OR dod) -openai``.
        strict: Apply the rules for a query typed now, which has three effects: refuse a
            query that only its too-common words can satisfy or that nothing can, and
            refuse punctuation
            that would be misread (a comma list, ``||``, ``!word``, a dash set apart
            from its word, a link). False for subscriptions stored before those rules
            existed, which keep working (as they always read) rather than silently stop.

    Returns:
        The parsed query.

    Raises:
        QueryError: The query is empty, too long (more than :data:`MAX_CHARS` characters
            or :data:`MAX_TERMS` terms), nested too deeply, malformed (unbalanced
            parentheses or quotes, an operator with nothing to apply to), would be
            misread (see ``strict``), would match items that contain none of
            its words (only negations) or only its too-common ones (stop words, single
            letters), or could match no item (a word asked for and negated), or has a
            part that decides nothing (an OR's branch no item can match, an AND's part
            every item matches).
    """
    stripped = text.strip()
    if not stripped:
        raise QueryError(f"The query is empty. Give at least one word to look for, {_EXAMPLE}")
    if len(stripped) > MAX_CHARS:
        raise QueryError(
            f"The query is too long ({len(stripped)} characters; the limit is {MAX_CHARS}). "
            "Split it into several subscriptions."
        )
    toks = _lex(stripped, strict=strict)
    n_terms = sum(t.kind == "term" for t in toks)
    if n_terms == 0:
        raise QueryError(
            "The query has no words to search for (letters and numbers are searched, not "
            f"emoji or symbols), {_EXAMPLE}.{_lower_case_operator_note(toks)}"
        )
    if n_terms > MAX_TERMS:
        raise QueryError(
            f"The query has {n_terms} search terms; the limit is {MAX_TERMS}. "
            "Split it into several subscriptions."
        )
    query = Query(_Parser(toks).parse(), source=text)
    if query.matches_doc(_EMPTY):
        raise QueryError(
            "This query would match almost every item, because an item can match without "
            f"containing any of its words (it reads: {query.describe()}). Add a word that "
            f"must appear, for example: pentagon -openai.{_lower_case_operator_note(toks)}"
        )
    if strict and _never_matches(query.root):
        raise _never_matches_error(query, _lower_case_operator_note(toks))
    if strict and (dead := _dead_part(query.root)) is not None:
        raise _dead_part_error(query, *dead, _lower_case_operator_note(toks))
    if strict and _matches_common_text(query.root):
        common = sorted(
            {
                f'"{t.label.casefold()}"'
                for t, neg in _walk(query.root)
                if not neg and _too_common(t)
            }
        )
        shown = ", ".join(common)
        verb = "is" if len(common) == 1 else "are"
        # "US" in capitals means the country, which matching reads as the word "us"
        country = any(t.label == "US" for t, neg in _walk(query.root) if not neg)
        raise QueryError(
            f"This query would match almost every item, because {shown} {verb} too common or too short "
            f"to search for (it reads: {query.describe()}). Add a less common word that must "
            "appear, for example: pentagon -openai."
            + (' For the country, write U.S. or "United States".' if country else "")
            + _lower_case_operator_note(toks)
        )
    return query


def shown_query(text: str) -> str:
    """A stored subscription's query as every reply and DM names it.

    Its canonical form (:meth:`Query.describe`), the one ``/story subscribe`` answers
    with, so that a subscription has one name: ``supply chain`` is ``supply AND chain``
    wherever it is shown. A text that no longer parses is shown as stored.
    """
    query = stored_query(text)
    return query.describe() if query is not None else " ".join(text.split())


def stored_query(text: str) -> Query | None:
    """A stored subscription's query, or None if it no longer parses.

    Parsed without refusing too-common words or misread punctuation: subscriptions
    stored before those rules still count (as the matcher keeps them working).
    """
    try:
        return parse_query(text, strict=False)
    except QueryError:
        return None
