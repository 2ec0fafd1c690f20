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

from bot.query_checks import (
    dead_part,
    dead_part_error,
    matches_common_text,
    never_matches,
    never_matches_error,
    too_common,
)
from bot.query_lexer import lex, lower_case_operator_note
from bot.query_parser import QueryParser
from bot.query_text import Document
from bot.query_tree import Query, QueryError, walk_terms

__all__ = [
    "MAX_CHARS",
    "MAX_TERMS",
    "Document",
    "Query",
    "QueryError",
    "lower_case_not",
    "one_word_hashtags",
    "parse_query",
    "shown_query",
]

MAX_CHARS = 500
MAX_TERMS = 30
_EXAMPLE = 'for example: pentagon OR "supply chain" -openai'

_EMPTY = Document(())


def lower_case_not(query: Query) -> str:
    """A note for a query that has "not" typed in lower case, else "".

    ``Trump not guilty`` is accepted, reading ``trump AND NOT guilty``: most likely not
    what its writer meant, who wanted the words. ``/story subscribe`` adds the note (the
    one a refused query gets, see lower_case_operator_note) to its reply. A lower-case
    "and" or "or" gets none: read as operators they mostly mean what was meant.
    """
    toks = lex(query.source, strict=False)
    return lower_case_operator_note(toks) if any(t.lower and t.kind == "not" for t in toks) else ""


def one_word_hashtags(query: Query) -> list[str]:
    """The hashtags of ``query`` typed in lower case and long enough to join words.

    "#climatechange" has no capitals to tell where its words begin (see _hashtag), so it
    finds the hashtag but not "climate change": ``/story subscribe`` says so and how to
    find both. Shorter ones ("#nato", "#brexit") are mostly one word: no note.
    """
    found = []
    for term, negated in walk_terms(query.root):
        label = term.label
        if not negated and label.startswith("#") and len(label) > 8 and label[1:].islower():
            found.append(label)
    return list(dict.fromkeys(found))


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
    toks = lex(stripped, strict=strict)
    n_terms = sum(t.kind == "term" for t in toks)
    if n_terms == 0:
        raise QueryError(
            "The query has no words to search for (letters and numbers are searched, not "
            f"emoji or symbols), {_EXAMPLE}.{lower_case_operator_note(toks)}"
        )
    if n_terms > MAX_TERMS:
        raise QueryError(
            f"The query has {n_terms} search terms; the limit is {MAX_TERMS}. "
            "Split it into several subscriptions."
        )
    query = Query(QueryParser(toks).parse(), source=text)
    if query.matches_doc(_EMPTY):
        raise QueryError(
            "This query would match almost every item, because an item can match without "
            f"containing any of its words (it reads: {query.describe()}). Add a word that "
            f"must appear, for example: pentagon -openai.{lower_case_operator_note(toks)}"
        )
    if strict and never_matches(query.root):
        raise never_matches_error(query, lower_case_operator_note(toks))
    if strict and (dead := dead_part(query.root)) is not None:
        raise dead_part_error(query, *dead, lower_case_operator_note(toks))
    if strict and matches_common_text(query.root):
        common = sorted(
            {
                f'"{t.label.casefold()}"'
                for t, neg in walk_terms(query.root)
                if not neg and too_common(t)
            }
        )
        shown = ", ".join(common)
        verb = "is" if len(common) == 1 else "are"
        # "US" in capitals means the country, which matching reads as the word "us"
        country = any(t.label == "US" for t, neg in walk_terms(query.root) if not neg)
        raise QueryError(
            f"This query would match almost every item, because {shown} {verb} too common or too short "
            f"to search for (it reads: {query.describe()}). Add a less common word that must "
            "appear, for example: pentagon -openai."
            + (' For the country, write U.S. or "United States".' if country else "")
            + lower_case_operator_note(toks)
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
