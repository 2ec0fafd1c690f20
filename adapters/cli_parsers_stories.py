"""The sub-commands that manage what is followed: ``story`` and ``feeds``.

``story add|list|export|remove`` and ``feeds add|list|remove``; each builder adds one
sub-command to the parser :func:`adapters.cli_parser.build_parser` makes. A story's name
may be typed as several words (``story remove anthropic pentagon``): ``story_name``
asks the parser to keep them (:class:`adapters.cli_errors.Parser`).
"""

from __future__ import annotations

from typing import Any

from bot.settings import PollingSettings

# `story export NAME` and `story remove NAME`
_STORY_NAME_HELP = "the story, as `storybot story list` names it (in any case)"


def add_story_parser(sub: Any) -> None:
    """``story add|list|export|remove``."""
    st = sub.add_parser("story", help="manage stories").add_subparsers(
        dest="story_cmd", metavar="ACTION"
    )
    st.required = True
    sa = st.add_parser(
        "add",
        help="create a story from seed articles",
        # NAME first, as the README writes it: after --seed it would be taken for a seed;
        # wrapped under the first word after "usage: ", as argparse wraps the others
        usage="%(prog)s [-h] NAME --seed FILE_OR_URL [FILE_OR_URL ...]\n"
        + " " * len("usage: storybot story add ")
        + "[--title TITLE] [--config PATH] [-v]",
    )
    sa.add_argument(
        "name",
        metavar="NAME",
        help="a short name users type: letters, digits, '-', '_', '.', e.g. anthropic-pentagon",
    )
    sa.add_argument(
        "--seed",
        action="extend",
        nargs="+",
        required=True,
        metavar="FILE_OR_URL",
        help="seed articles: text or HTML files, or URLs (--seed a.txt b.txt, or --seed "
        "before each)",
    )
    sa.add_argument(
        "--title",
        help="the story title, one line of at most 200 characters (default: the first seed's "
        "title)",
    )
    st.add_parser("list", help="list stories")
    se = st.add_parser(
        "export",
        story_name=True,
        help="write a story's record: its seeds, the seed story and every development, "
        "oldest first, with their cited summaries and reports",
    )
    se.add_argument("name", metavar="NAME", help=_STORY_NAME_HELP)
    se.add_argument(
        "--format",
        dest="export_format",
        choices=("markdown", "json"),
        default="markdown",
        help="Markdown for people (the default) or JSON for scripts (docs/cli.md has its shape)",
    )
    se.add_argument(
        "--out",
        metavar="FILE",
        help="write to FILE (UTF-8) instead of standard output; an existing FILE is kept "
        "unless --force",
    )
    se.add_argument("--force", action="store_true", help="with --out: replace FILE if it exists")
    sr = st.add_parser(
        "remove",
        story_name=True,
        help="delete a story and its decisions, with the subscriptions "
        "to it and the channels' follows of it",
    )
    sr.add_argument("name", metavar="NAME", help=_STORY_NAME_HELP)
    sr.add_argument(
        "--yes",
        action="store_true",
        help="go ahead although users' subscriptions or channels' follows would be removed too",
    )


def add_feeds_parser(sub: Any) -> None:
    """``feeds add|list|remove``."""
    fe = sub.add_parser("feeds", help="manage feeds").add_subparsers(
        dest="feeds_cmd", metavar="ACTION"
    )
    fe.required = True
    fa = fe.add_parser("add", help="add feeds to poll (checked now, fetched from the next poll on)")
    fa.add_argument(
        "url", nargs="+", metavar="URL", help="the feeds' URLs (RSS, Atom or JSON Feed)"
    )
    fa.add_argument(
        "--interval",
        type=int,
        metavar="SECONDS",
        help="base poll interval, from [polling] min_interval_s to 86400 (default: [polling] "
        f"default_interval_s, {PollingSettings.default_interval_s} as shipped); a feed already "
        "polled keeps its interval unless this is given",
    )
    fe.add_parser("list", help="feeds with their health and last error")
    fr = fe.add_parser("remove", help="stop polling feeds")
    fr.add_argument(
        "url",
        nargs="+",
        metavar="URL",
        help="each feed's URL or #number, as `storybot feeds list` shows them",
    )
