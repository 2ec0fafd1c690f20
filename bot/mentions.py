"""Chat users that storybot's own words name in a reply, kept apart from the reply's text.

Every adapter escapes a reply's text whole, so that nothing a feed or a user wrote
("<@U123>", "<@&1>", "<!channel>", "@everyone") reaches chat as a mention. A person that
storybot itself names (the admin who corrected an item: :mod:`bot.correction_text`) is
therefore not written into the text as a mention: the text holds a readable stand-in
(``Mention.shown``, "@U04ABCDEF"), and the reply says beside its text where each stand-in
stands (``Reply.mentions``). An adapter shows a stand-in as its platform's mention, which
that platform shows as the person's name, when the mention is of its own platform and the
id has its platform's shape; everything else, the stand-in included, is escaped text as
ever. The console and the logs read the text alone.

Replies are built from lines, each either a string or a sequence of pieces (strings and
:class:`~bot.model.Mention`): :func:`reply` joins them and places the mentions, and
:func:`lines_of` gives an adapter the reply's lines back with the mentions in them
(:func:`pieces_of`: its whole text, cut around them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.model import Mention, Reply

Piece = str | Mention
# a line of a reply: a string, or pieces when it names someone
Line = str | Sequence[Piece]


def line_text(line: Line) -> str:
    """``line`` as text, each mention as its stand-in (``Mention.shown``)."""
    if isinstance(line, str):
        return line
    return "".join(p if isinstance(p, str) else p.shown for p in line)


def reply(lines: Sequence[Line], **fields: Any) -> Reply:
    """A reply of ``lines`` (joined by line breaks) with the mentions in them placed.

    Args:
        lines: The reply's lines; a mention in one is shown by its stand-in in
            ``Reply.text``.
        **fields: The reply's other fields (``ephemeral``, ``ok`` ...).
    """
    texts: list[str] = []
    placed: list[tuple[int, Mention]] = []
    at = 0
    for n, line in enumerate(lines):
        if n:
            texts.append("\n")
            at += 1
        for piece in [line] if isinstance(line, str) else line:
            if isinstance(piece, Mention):
                placed.append((at, piece))
                piece = piece.shown
            texts.append(piece)
            at += len(piece)
    return Reply(text="".join(texts), mentions=tuple(placed), **fields)


def lines_of(text: str, mentions: Sequence[tuple[int, Mention]]) -> list[Line]:
    """The lines of ``text`` (as ``str.splitlines`` cuts them), a line that names someone
    as its pieces.

    ``text`` is a reply's text or a cut of it (a notification's first characters): a
    mention counts only where its stand-in stands whole at its offset, on one line, not
    overlapping the one before; elsewhere the text is left as it is. A line without a
    mention is a string, exactly as ``text.splitlines()`` gives it.
    """
    kept = _intact(text, mentions)
    out: list[Line] = []
    start = 0
    for with_break in text.splitlines(keepends=True):
        line = with_break.splitlines()[0] if with_break else ""
        end = start + len(line)
        here = [(at, m) for at, m in kept if start <= at and at + len(m.shown) <= end]
        out.append(_pieces(line, start, here) if here else line)
        start += len(with_break)
    return out


def pieces_of(text: str, mentions: Sequence[tuple[int, Mention]]) -> tuple[Piece, ...]:
    """``text`` cut into its text and its mentions (those whose stand-in stands whole at
    their offset, as :func:`lines_of` keeps them); line breaks stay in the text."""
    return _pieces(text, 0, _intact(text, mentions))


def _intact(text: str, mentions: Sequence[tuple[int, Mention]]) -> list[tuple[int, Mention]]:
    """The mentions whose stand-in stands whole at its offset in ``text``, in order."""
    kept: list[tuple[int, Mention]] = []
    after = 0
    for at, mention in sorted(mentions, key=lambda placed: placed[0]):
        shown = mention.shown
        one_line = bool(shown) and shown.splitlines() == [shown]
        if one_line and at >= after and text[at : at + len(shown)] == shown:
            kept.append((at, mention))
            after = at + len(shown)
    return kept


def _pieces(line: str, start: int, mentions: list[tuple[int, Mention]]) -> tuple[Piece, ...]:
    """``line`` (at ``start`` in its text) cut into its text and its mentions."""
    pieces: list[Piece] = []
    last = 0
    for at, mention in mentions:
        if at - start > last:
            pieces.append(line[last : at - start])
        pieces.append(mention)
        last = at - start + len(mention.shown)
    if last < len(line):
        pieces.append(line[last:])
    return tuple(pieces)
