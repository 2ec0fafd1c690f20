"""The parser of the query language: recursive descent over the lexer's tokens.

It builds the query tree (:mod:`bot.query_tree`) by the grammar in :mod:`bot.query`
(``NOT`` binds tighter than ``AND``, which binds tighter than ``OR``; adjacent terms are
ANDed), bounds the nesting of parentheses and NOTs (:data:`MAX_DEPTH`), and explains a
malformed query in the friendliest terms it can: which operator lacks a word, which
parenthesis is not closed, and where an operator typed in lower case was likely meant
as a word.
"""

from __future__ import annotations

from bot.query_lexer import Token, lower_case_operator_note
from bot.query_tree import Node, QueryError, make_and, make_not, make_or

# Parentheses and NOTs nested deeper than this are refused; it also bounds the recursion
# of the parser and the evaluator well below Python's limit.
MAX_DEPTH = 20


class QueryParser:
    """Recursive descent over the tokens; ``depth`` counts open parentheses and NOTs."""

    def __init__(self, toks: list[Token]) -> None:
        self.toks = toks
        self.pos = 0

    def peek(self) -> Token | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def prev(self) -> Token | None:
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
        return make_or(branches)

    def parse_and(self, depth: int) -> Node:
        parts = [self.parse_unary(depth)]
        while (tok := self.peek()) is not None and tok.kind in ("and", "term", "not", "("):
            if tok.kind == "and":
                self.pos += 1
            parts.append(self.parse_unary(depth))
        return make_and(parts)

    def parse_unary(self, depth: int) -> Node:
        tok = self.peek()
        if tok is not None and tok.kind == "not":
            self._check_depth(depth + 1)
            self.pos += 1
            return make_not(self.parse_unary(depth + 1))
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

    def _missing_term(self, found: Token | None) -> QueryError:
        """The friendliest explanation of why a search term was expected but not found."""
        before = self.prev()
        note = lower_case_operator_note(self.toks)
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
