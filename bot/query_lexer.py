"""The lexer of the query language: what a typed query's characters are.

It cuts the text into words, phrases, parentheses and operators (``AND``, ``OR``,
``NOT`` in any case, ``-`` at the start of a word), reading typographic quotes as quotes
and single quotes as quotes only where they pair around words, so that apostrophes
(Trump's, O'Brien, '90s) stay part of their words. A word becomes its
:class:`~bot.query_tree.Term` here: a name with a symbol ("C++", "AT&T") is one word, a
CamelCase hashtag ("#ClimateChange") is itself or its words as a phrase. In a query typed
now, punctuation its writer means as an operator the language does not have (a comma
list, ``||``, ``!word``, a dash set apart, a link, a chat app's mention) is refused
rather than silently read as words. An emoji as a chat app sends it (Slack's
``:rocket:``, Discord's ``<:name:id>``) is no word, as 🚀 is none.

Its quote rules are shared: a command's words (:mod:`bot.command_words`,
:mod:`bot.command_args`) and a story's title (:mod:`bot.story_admin`) read quotes as a
query does, with :data:`QUOTE_CHARS`, :func:`unclosed_quote` and :func:`quoted_whole`
from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.query_tree import OPERATORS, TOO_COMMON, Node, Or, QueryError, Term, node_identity
from bot.render import shorten
from bot.textnorm import symbol_word
from bot.textnorm import tokens as text_tokens

__all__ = [
    "QUOTE_CHARS",
    "SINGLE_QUOTE_CHARS",
    "UNCLOSED_QUOTE",
    "quoted_whole",
    "unclosed_quote",
]


@dataclass(frozen=True)
class Token:
    """One token of a query as typed: a term (with its tree) or an operator or bracket."""

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

# An emoji as a chat app sends it in command text: Slack's :rocket:, :flag-us:, :+1:,
# :thumbsup::skin-tone-2: (every emoji typed in a slash command arrives so, a custom one
# as its name: :partyparrot:), several in a row; Discord's custom <:name:id> and animated
# <a:name:id>. An emoji is no word (🚀 has none), and these would be searched as words
# no item writes ("flag us", "rocket 123456789012345678") or nearly every item has ("1").
_CHAT_EMOJI = re.compile(r"(?::[a-z0-9_+'-]+:)+|<a?:\w+:\d+>", re.IGNORECASE)

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
    hashtag split into fewer than two words that are not too common (see too_common):
    "#MeToo" as the phrase "me too" would find every quote of those words.
    """
    m = _CAMEL_HASHTAG.fullmatch(lexeme)
    if m is None:
        return None
    parts = _CAMEL_PART.findall(m.group(1))
    words = tuple(k for part in parts for k in text_tokens(part))
    if sum(len(k) > 1 and k not in TOO_COMMON for k in words) < 2:
        return None
    return Or((Term(keys, lexeme), Term(words, " ".join(parts), quoted=True)))


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
        toks = lex(term.display())
    except QueryError:
        return False
    return (
        len(toks) == 1
        and toks[0].kind == "term"
        and isinstance(again := toks[0].term, Term)
        and node_identity(again) == node_identity(term)
    )


def _symbol(text: str) -> str | None:
    """The :func:`~bot.textnorm.symbol_word` key of a word or phrase, else None.

    Without an apostrophe at either end ("'AT&T", "C++'") or a possessive ("AT&T's"),
    as an item's text reads the name where they stand beside it.
    """
    return symbol_word(_POSSESSIVE_END.sub("", text.strip("'")))


def lex(text: str, strict: bool = True) -> list[Token]:
    """The tokens of ``text``; ``strict`` (a query typed now) refuses misread punctuation."""
    out: list[Token] = []
    lone_dash_before: list[int] = []  # positions in ``out`` that follow a lone "-"
    for m in _LEXEME.finditer(text.translate(_STRAIGHT_QUOTES)):
        kind, lexeme = m.lastgroup, m.group()
        if kind == "space":
            continue
        if kind == "paren":
            out.append(Token(lexeme, lexeme))
        elif kind == "minus":
            out.append(Token("not", "-"))
        elif kind == "open_quote":
            raise QueryError(
                f'{UNCLOSED_QUOTE} Put phrases between two quotes, like "supply chain".'
            )
        elif kind in ("phrase", "single_phrase"):
            label = " ".join(lexeme[1:-1].split())
            keys = tuple(text_tokens(label))
            symbol = _symbol(label)
            if symbol is not None:  # "C++" is a word of its own, as unquoted
                out.append(Token("term", f'"{label}"', Term((symbol,), label, quoted=True)))
                continue
            if not keys:
                shown = f'"{label}"' if label else '""'
                raise QueryError(
                    f"The phrase {shown} has no words to search for. "
                    "Put words between the quotes, or remove them."
                )
            out.append(Token("term", f'"{label}"', Term(keys, label, quoted=True)))
        elif lexeme.casefold() in OPERATORS:
            out.append(Token(lexeme.casefold(), lexeme.upper(), lower=lexeme != lexeme.upper()))
        else:
            # an apostrophe at either end, with no partner to make a phrase, is no part
            # of the word ("'AT&T", "'!openai"): it is read as typed without it
            bare = lexeme.strip("'")
            if _CHAT_EMOJI.fullmatch(lexeme):
                # dropped as 🚀 is; also from a stored query, which is read as typed
                # again (its text is kept as typed: the matcher reads it so)
                continue
            if strict:
                _refuse_misread(bare)
            keys = tuple(text_tokens(lexeme))
            symbol = _symbol(bare)
            if symbol is not None:
                # "C++", "C#", ".NET", "AT&T": its symbol is part of its name (as an
                # item's text holds it: bot.textnorm.symbol_word), not punctuation
                out.append(Token("term", lexeme, Term((symbol,), bare)))
                continue
            # Other stray punctuation ("&", "+", a "-" at the end) is dropped: users
            # write "trump & musk" and mean the two words.
            if keys:
                node = _hashtag(bare, keys) or _word(lexeme, keys)
                out.append(Token("term", lexeme, node))
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


def lower_case_operator_note(toks: list[Token]) -> str:
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


def _in_words(tok: Token) -> bool:
    """Whether ``tok`` is part of a run of typed words: a plain word or a lower-case operator."""
    return tok.lower or (tok.kind == "term" and not tok.text.startswith(('"', "'")))
