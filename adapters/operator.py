"""What the operator's CLI sub-commands do, on a built app.

Kept apart from argument parsing (``adapters.cli_parser``) and the start-up checks
(``adapters.cli``) so each action is a small function that tests can call with a real app.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import os
import shutil
import sqlite3
import sys
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, TextIO, cast

from adapters.app import (
    App,
    add_adapter,
    chat_adapters_from_settings,
    check_chat_settings,
    database_name,
    declarations,
    declared_seed,
    declared_title,
    feed_given_as_seed,
    follow_in_console,
    make_address_guard,
    refuse_declared_feed,
    run_service,
)
from adapters.console import ConsoleAdapter, console_request, format_reply, interactive
from adapters.log_setup import redacted
from bot.clock import utc
from bot.command_args import story_read
from bot.digest import run_digests
from bot.duration import a_span, the_last
from bot.errors import ConfigError, NotAnArticle, UserError
from bot.feed_text import asked_note, gone_note, moved_note, part_note
from bot.identity import canonical_url
from bot.meant import meant_list, stories_meant
from bot.model import FetchStatus, OutboxEntry, SeedDoc
from bot.polling import is_gone_error
from bot.ports import Conflict, HostCheck, PruneReport
from bot.render import clip, counted, shorten, shown_text, shown_url
from bot.settings import MAX_POLL_INTERVAL_S, Settings
from bot.stories import plan_story_removal, stories_after, story_list
from bot.story_admin import few_seeds_advice, short_seeds_note, undated_seeds_note
from bot.subscriptions_gone import story_removed
from bot.validate import (
    admit_feed_url,
    find_story,
    new_story_name_problem,
    normalise_feed_url,
    remove_feed,
    repeated_seed_problem,
    story_name_problem,
    story_title,
    story_title_problem,
)

if TYPE_CHECKING:
    from storage.poller_lock import PollerLock

log = logging.getLogger(__name__)


def check_range(
    flag: str, value: float, low: float, high: float, unit: str, *, above_low: bool = False
) -> float:
    """``value`` given for ``flag`` if it is from ``low`` to ``high``, else a UserError (exit 2).

    ``above_low`` refuses ``low`` itself (a value that must be more than 0). NaN compares
    false with everything and infinities pass ``high``, so both are refused too: a float
    option never reaches a ``timedelta`` or a division it would crash.
    """
    if (low < value if above_low else low <= value) and value <= high:
        return value
    floor = "more than" if above_low else "at least"
    raise UserError(
        f"{flag} must be {floor} {counted(low, unit)} and at most {counted(high, unit)}, "
        f"got {value:g}"
    )


def _fmt(dt) -> str:
    """A stored time as the CLI shows every time: UTC, and saying so."""
    return f"{utc(dt):%Y-%m-%d %H:%M} UTC" if dt else "-"


class _Unbroken(io.TextIOBase):
    """Output that a reader who stopped reading (``| head -1``) cannot cut short.

    Writing to a closed pipe raises BrokenPipeError; raised inside a command that changes
    things, it would stop the command half done (a story created but not followed, the
    first of several feeds added) and ``cli.main`` would still exit 0. Here a write after
    the pipe broke is dropped and the error is kept for :func:`_whole` to raise at the end.
    """

    def __init__(self, out: TextIO) -> None:
        super().__init__()
        self._out = out
        self.broken: BrokenPipeError | None = None

    def write(self, text: str) -> int:
        if self.broken is None:
            try:
                self._out.write(text)
            except BrokenPipeError as exc:
                self.broken = exc
        return len(text)

    def flush(self) -> None:
        if self.broken is None:
            try:
                self._out.flush()
            except BrokenPipeError as exc:
                self.broken = exc

    def isatty(self) -> bool:
        return self._out.isatty()


@contextmanager
def _whole(out: TextIO) -> Iterator[TextIO]:
    """``out`` for a command that changes things: what it does does not depend on its output.

    The command runs to its end although its output could not all be written; the broken
    pipe is raised after it (``cli.main`` ends quietly on it, as for any command). An
    ``out`` that is already such (written to before the store was opened) is used as is.
    """
    unbroken = out if isinstance(out, _Unbroken) else _Unbroken(out)
    try:
        yield cast(TextIO, unbroken)
    finally:
        # Closed here, while ``out`` is open: io.IOBase closes (so flushes) an unclosed
        # object when it is collected, which a reference cycle can put off until after
        # the owner of ``out`` closed it (a ValueError, reported by Python 3.13).
        unbroken.close()
    if unbroken.broken is not None:
        raise unbroken.broken


def story(app: App, args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if args.story_cmd == "add":
        # the seeds read before the store was opened printed there (check_before_opening)
        with _whole(getattr(args, "seeds_out", None) or out) as whole:
            return _add_story(app, args, whole)
    if args.story_cmd == "list":
        stories = app.store.list_stories()
        if not stories:
            print("no stories yet: storybot story add NAME --seed FILE ...", file=out)
        for s in stories:
            stats = app.store.story_stats(s.id)
            print(
                f"{s.name}\t{story_title(s.title)}\t{counted(len(s.seeds), 'seed')}\t"
                f"{counted(stats.developments, 'new development')}\t"
                f"{counted(stats.items_on_topic, 'report')}",
                file=out,
            )
        return 0
    if args.story_cmd == "remove":
        name = story_words(app, args, "story remove")
        with _whole(out) as whole:
            return _remove_story(app, name, yes=args.yes, out=whole)
    if args.story_cmd == "export":
        return _export_story(app, args, out)
    raise UserError(f"unknown story action {args.story_cmd}")


def _no_such_story(app: App, name: str) -> UserError:
    """The error for a story name that names none: the ones probably meant, if any
    (:func:`story_meant`), then the stories there are."""
    names = [s.name for s in app.store.list_stories()]
    known = (
        f"; known stories: {story_list(names, None, 'storybot story list')}"
        if names
        else "; there are no stories yet"
    )
    return UserError(f"there is no story named '{name}'{story_meant(name, names)}{known}")


def story_words(app: App, args: argparse.Namespace, command: str, *, read: bool = False) -> str:
    """The story NAME of ``command`` names, typed with the words after it.

    Words after NAME (``story remove anthropic pentagon``: see ``adapters.cli_parser._Parser``)
    may be the rest of a name typed apart. A command that only reads (``read``: ``story
    export``) takes the one story they spell (:func:`bot.command_args.story_read`), as
    chat's ``status`` does; one that changes something refuses them, naming the story
    meant (:func:`bot.stories.stories_after`: "anthropic" may be a story too), as chat's
    ``stories remove`` does, so that what changes is the story the operator then names.

    Raises:
        UserError: Words after NAME that are not read so.
    """
    name: str = args.name if command != "follows remove" else args.story
    after: list[str] = getattr(args, "story_words", None) or []
    if not after:
        return name
    words = [name, *after]
    if read and (spelled := story_read(app.store, words)) is not None:
        return spelled
    meant = meant_list(stories_after(app.store, words), quote="'")
    names = [s.name for s in app.store.list_stories()]
    known = f"known stories: {story_list(names, None, 'storybot story list')}"
    then = f" (did you mean {meant}?)" if meant else f"; {known}"
    raise UserError(f"{command} takes one story name, not '{clip(' '.join(words), 80)}'{then}")


def story_meant(name: str, names: list[str]) -> str:
    """ " (did you mean 'NAME'?)" for a story name close to a known one, or one of its
    words ("anthropic"), else "": chat's rule (:func:`bot.meant.stories_meant`)."""
    meant = meant_list(stories_meant(name, names), quote="'")
    return f" (did you mean {meant}?)" if meant else ""


def _export_story(app: App, args: argparse.Namespace, out: TextIO) -> int:
    """``story export``: the story's record (:mod:`bot.story_export`), to ``out`` or ``--out``.

    ``--out`` is written to a file beside it and renamed at the end, so a reader of the
    file never sees half a record, and a failed export leaves no file (nor replaces one
    with ``--force``). Without ``--force`` an existing file is kept: checked before the
    store was opened (:func:`check_before_opening`) and again before the rename.
    """
    from adapters.cli_parser import version
    from bot.story_export import JsonWriter, MarkdownWriter, export_story

    name = story_words(app, args, "story export", read=True)
    story = find_story(app.store, name)
    if story is None:
        raise _no_such_story(app, name)
    make = JsonWriter if args.export_format == "json" else MarkdownWriter
    by = f"storybot {version()}"
    if args.out is None:
        export_story(app.store, story, make(out), app.clock.now(), by)
        return 0
    target = Path(args.out)
    with _file_beside(target) as (partial, file):
        count = export_story(app.store, story, make(file), app.clock.now(), by)
        file.close()
        if target.exists() and not args.force:
            raise UserError(_exists(target))
        partial.replace(target)
    print(
        f"wrote story '{story.name}' ({counted(count, 'development')} after the seed story) "
        f"to {target}",
        file=sys.stderr,
    )
    return 0


def _exists(target: Path) -> str:
    return f"{target} exists: give another --out FILE, or --force to replace it"


@contextmanager
def _file_beside(target: Path) -> Iterator[tuple[Path, TextIO]]:
    """A new file in ``target``'s directory (its permissions as the umask makes a new
    file's), open for UTF-8 text; removed unless the block renamed it.

    Raises:
        UserError: the directory cannot be written.
    """
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        file = open(partial, "x", encoding="utf-8", newline="\n")
    except OSError as exc:
        raise UserError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        with file:
            yield partial, file
    finally:
        partial.unlink(missing_ok=True)


def _check_export_out(args: argparse.Namespace) -> None:
    """Refuse ``story export``'s ``--out`` before anything is read: an existing file
    without ``--force``, a directory, a missing directory; ``--force`` alone.

    Raises:
        UserError: refused (exit 2).
    """
    if args.out is None:
        if args.force:
            raise UserError("--force goes with --out FILE (it lets the export replace FILE)")
        return
    target = Path(args.out)
    if target.is_dir():
        raise UserError(f"--out {target} is a directory: give a file name")
    if not target.parent.is_dir():
        raise UserError(f"--out {target}: there is no directory {target.parent}")
    if target.exists() and not args.force:
        raise UserError(_exists(target))


def _seed_key(source: str) -> str:
    """The article a ``--seed`` names: a URL's canonical form, a file's full path.

    A ``file://`` URL is the file it names (read as that path), not a relative path
    spelled ``file:/...``: a file and its URL were taken as two seeds.
    """
    from adapters.seeds import seed_file

    if web := canonical_url(source):
        return web
    try:
        path = seed_file(source)
    except UserError:  # refused as it is read, after this check
        return source.strip()
    return str(path.resolve()) if path is not None else source.strip()


def _add_story(app: App, args: argparse.Namespace, out: TextIO) -> int:
    """``story add``: check what was typed, read the seeds, create the story and follow it.

    The rules of ``/story stories add`` (:mod:`bot.story_admin`) where both have them: the
    name's, a title on one line of at most ``STORY_TITLE_MAX`` characters (line breaks and
    tabs are spaces, as in chat), each article once however it is spelled (a file by its
    full path, a URL by its canonical form). All of them before any seed is read: some
    are fetched. The story is created and followed before the result is printed.
    """
    problem = new_story_name_problem(app.store, args.name)
    if problem:  # before the seeds are read: some are fetched
        raise UserError(problem)
    title = args.typed_title  # checked before the store was opened (check_before_opening)
    seeds = getattr(args, "read_seeds", None)  # read before a new database was opened
    if seeds is None:
        seeds = _read_seeds(args.seed, app.settings.allowed_hosts, out)
    try:
        created = app.store.add_story(args.name, title or seeds[0].title, seeds, app.clock.now())
    except Conflict:
        raise UserError(f"a story named '{args.name}' already exists") from None
    follows = follow_in_console(app, created)
    print(
        f"created story '{created.name}': {created.title} ({counted(len(seeds), 'seed')})",
        file=out,
    )
    advice = few_seeds_advice(len(seeds))
    short = short_seeds_note(seeds, files=True)
    undated = undated_seeds_note(seeds, app.engine.config.background_before_days, files=True)
    for note in (advice, short, undated):
        if note:  # as /story stories add says it, in this command's lower case
            print(f"  {note[0].lower()}{note[1:].rstrip('.')}", file=out)
    if follows:
        print(
            "  the console follows it: `storybot run` without chat tokens prints its alerts "
            f"(storybot ask 'unfollow {created.name}' to stop)",
            file=out,
        )
    elif hint := _follow_hint(app, created.name):
        print(f"  {hint}", file=out)
    return 0


def _follow_hint(app: App, name: str) -> str | None:
    """How a chat channel gets a story's alerts, said after ``story add`` with chat tokens
    set: the console does not follow it then, and nothing is posted until a channel does
    (as ``/story stories add`` says it, in each platform's form). None without tokens."""
    typed = []
    if app.settings.slack.enabled:
        typed.append(f"`/story follow {name}`")
    if app.settings.discord.enabled:
        typed.append(f"`/story follow story:{name}`" + (" on Discord" if typed else ""))
    if not typed:
        return None
    return f"nothing is posted until an admin types {' or '.join(typed)} in a channel"


def _typed_story(args: argparse.Namespace) -> str | None:
    """Check what ``story add`` was given, as far as no database and no seed tells: the
    name users would type, the ``--title`` (returned, on one line), each seed once.

    Raises:
        UserError: one of them is refused.
    """
    problem = story_name_problem(args.name)
    if problem:
        raise UserError(problem)
    title = None if args.title is None else story_title(args.title)
    if title == "":
        raise UserError(
            "--title is empty: give the story's title, or leave --title out to take the "
            "first seed's"
        )
    problem = None if title is None else story_title_problem(title)
    if problem:
        raise UserError(f"--title: {problem}")
    problem = repeated_seed_problem(args.seed, key=_seed_key)
    if problem:
        raise UserError(problem)
    return title


def _read_seeds(sources: list[str], allowed_hosts: Iterable[str], out: TextIO) -> list[SeedDoc]:
    """Read ``story add``'s seeds, a line on ``out`` for each.

    Raises:
        UserError: a seed cannot be read (missing, empty, refused, not an article).
    """
    from adapters.seeds import load_seed

    seeds = []
    for i, source in enumerate(sources, 1):
        try:
            seed = load_seed(source, allowed_hosts=allowed_hosts)
        except NotAnArticle as exc:
            raise UserError(feed_given_as_seed(exc, "--seed")) from None
        seeds.append(seed)
        shown = shorten(" ".join(seed.title.split()), 80)
        words = counted(len(seed.text.split()), "word")
        print(f"  seed {i}/{len(sources)}: {shown} ({words})", file=out)
    return seeds


def _remove_story(app: App, name: str, *, yes: bool, out: TextIO) -> int:
    """``story remove``: delete a story, saying what went with it.

    Users' subscriptions to the story and chat channels' follows are deleted with it (ON
    DELETE CASCADE), without those users being asked (each subscriber is sent a direct
    message saying so: :func:`bot.subscriptions_gone.story_removed`); so when there are any the command
    only goes ahead with ``--yes``, and it always counts them. The console's own follow
    is the operator's, so it neither needs ``--yes`` nor is counted (``bot.stories``, the
    rule ``/story stories remove`` follows too).
    """
    removal = plan_story_removal(app.store, name)
    if removal is None:
        raise _no_such_story(app, name)
    story, others = removal.story, removal.others
    if removal.needs_yes and not yes:
        raise UserError(
            f"story '{story.name}' has {others}; removing the story removes {removal.them} too "
            f"({removal.who_is_told}): run `storybot story remove {story.name} --yes` to go ahead"
        )
    if not app.store.remove_story(story.name, story_removed(story.name, app.clock.now())):
        raise UserError(f"there is no story named '{name}'")
    also = f" (also removed {others}; {removal.who_is_told})" if others else ""
    print(f"removed story '{story.name}'{also}", file=out)
    note = declarations(app.settings).story_note(story.name)
    if note:
        print(f"storybot: note: {note}", file=sys.stderr)
    return 0


def check_before_opening(
    settings: Settings, args: argparse.Namespace, *, new_database: bool = False
) -> None:
    """Refuse what the command line or the settings rule out, before the store is opened.

    A command that adds things creates a missing SQLite database (as a first start
    does); one refused for what was typed must not leave an empty database behind:
    ``feeds add`` of a URL or interval the poller would refuse, ``story add`` of a name
    users could not type, a bad ``--title`` or a seed given twice, ``prune`` of a
    nonsensical age, ``worker`` on a database that is not PostgreSQL, ``run`` with a Slack
    token that cannot start. What needs the data (an unknown story, a name in use) is
    checked after, on the store. The feed URLs admitted here are noted on ``args``
    (``admitted_urls``): :func:`feeds` then adds them without resolving each host again;
    so is ``story add``'s title (``typed_title``, on one line, or None).

    Where the command would start a new database (``new_database``: create its SQLite
    file, or storybot's tables in an empty database, which counts as none), it also reads
    ``story add``'s seeds first (no name can be in use in a new database; elsewhere a name
    in use is refused before any seed is fetched), noted on ``args`` (``read_seeds``, and
    ``seeds_out`` where their lines went), and refuses a ``[feeds]`` URL of the config
    file on a host the poller refuses and a declared story's seed file that cannot be read
    (in a database that exists, such a feed or seed is refused when added, see
    :func:`adapters.app.apply_declared`).

    Raises:
        UserError: the command is refused (exit 2).
        ConfigError: the settings rule it out (exit 2).
    """
    cmd = args.command
    if new_database and settings.feeds:
        with make_address_guard(settings) as guard:
            for url in settings.feeds:
                refuse_declared_feed(settings, guard.refusal, url)
    if new_database:
        # every declared story will be created: a name users could not type, a bad title
        # or a seed file that cannot be read is refused now (reading a file twice costs
        # nothing; a URL is fetched once, when it is added)
        for decl in settings.stories:
            declared_title(settings, decl)
            for source in decl.seeds:
                if "://" not in source:
                    declared_seed(settings, decl.name, source)
    if cmd == "story" and args.story_cmd == "add":
        args.typed_title = _typed_story(args)
        if new_database:
            # a database that cannot be created is said at once, not after the seeds
            # were read (some fetched) for nothing
            _check_database_directory(settings)
            out = _Unbroken(sys.stdout)
            try:
                args.read_seeds = _read_seeds(args.seed, settings.allowed_hosts, cast(TextIO, out))
            except BaseException:
                out.close()
                raise
            args.seeds_out = out
    elif cmd == "story" and args.story_cmd == "export":
        _check_export_out(args)
    elif cmd == "feeds" and args.feeds_cmd == "add":
        _interval(settings, args.interval)
        with make_address_guard(settings) as guard:
            asyncio.run(_admit_feed_urls(args.url, guard.refusal))
        # feeds() adds these without resolving each host again
        args.admitted_urls = list(args.url)
    elif cmd == "prune":
        check_range("--older-than", args.older_than, 1, PRUNE_MAX_DAYS, "day")
    elif cmd == "worker":
        from adapters.jobs.cli import check_worker

        check_worker(settings, args)
    elif cmd == "run":
        check_chat_settings(settings)


def _check_database_directory(settings: Settings) -> None:
    """Refuse a new SQLite database in a directory that does not exist, or one this
    process cannot write (or a file it cannot write), as opening it would
    (:func:`storage.engine.check_sqlite_directory`, :func:`storage.check_sqlite_writable`);
    a URL that cannot be parsed is left to the opening, which says what is wrong with it.

    Raises:
        ConfigError: the database's directory does not exist or cannot be written.
    """
    from storage import check_sqlite_writable
    from storage.engine import check_sqlite_directory, parse_url

    try:
        url = parse_url(settings.database_url, settings.database_source)
    except ConfigError:
        return
    check_sqlite_directory(url, settings.database_source)
    check_sqlite_writable(url, settings.database_source)


def _interval(settings: Settings, given: int | None) -> int:
    """The ``feeds add --interval``, checked: whole seconds the poller honours, or a usage error.

    The poller never polls more often than ``[polling] min_interval_s`` nor less often
    than once a day, so a value outside that range would be stored but not obeyed.
    """
    low, high = settings.polling.min_interval_s, MAX_POLL_INTERVAL_S
    if given is None:
        return settings.polling.default_interval_s
    if not low <= given <= high:
        raise UserError(
            f"--interval must be from {low} ([polling] min_interval_s) to {high} seconds, got {given}"
        )
    return given


def feeds(app: App, args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if args.feeds_cmd == "add":
        interval = _interval(app.settings, args.interval)
        if getattr(args, "admitted_urls", None) != args.url:  # not checked before opening
            asyncio.run(_admit_feed_urls(args.url, app.host_check))  # all, before any is added
        with _whole(out) as whole:
            for url in map(normalise_feed_url, args.url):
                try:
                    feed = app.store.add_feed(url, app.clock.now(), interval)
                    print(f"added feed #{feed.id}: {shown_url(url)}", file=whole)
                except Conflict:
                    given = interval if args.interval is not None else None
                    print(_already_polled(app, url, given), file=whole)
        return 0
    if args.feeds_cmd == "list":
        rows = app.store.list_feeds()
        if not rows:
            print("no feeds yet: storybot feeds add URL", file=out)
        for f in rows:
            error = (
                f"\t{counted(f.error_count, 'failure')}: {shown_text(f.last_error)}"
                if f.last_error
                else ""
            )
            # still polled through the redirect: only this line would ever say it
            moved = f"\t{moved_note(f)}" if f.moved_to else ""
            # still polled, backing off, until removed: say what to do, not only the error
            gone = f"\t{gone_note(f)}" if is_gone_error(f.last_error) else ""
            # a working feed losing the entries past what its parser read: only the log said it
            part = f"\t{part_note(f)}" if f.read_in_part else ""
            # "every 300 s" beside a next poll a day away: the feed's <ttl> or max-age
            asked = f"\t{note}" if (note := asked_note(f)) else ""
            print(
                f"#{f.id}\t{f.status.value}\t{shown_url(f.url)}\tevery {f.interval_s} s\t"
                f"last ok {_fmt(f.last_ok_at)}\tnext {_fmt(f.next_poll_at)}"
                f"{asked}{part}{gone}{moved}{error}",
                file=out,
            )
        return 0
    if args.feeds_cmd == "remove":
        status = 0
        with _whole(out) as whole:
            for url in args.url:
                removed = remove_feed(app.store, url)
                if removed is not None:
                    print(f"removed {shown_url(removed)}", file=whole)
                    _say_if_declared(app, removed)
                else:
                    print(f"not a polled feed: {shown_url(url)}", file=sys.stderr)
                    status = 1
        return status
    raise UserError(f"unknown feeds action {args.feeds_cmd}")


def _already_polled(app: App, url: str, interval: int | None) -> str:
    """``feeds add`` of a feed already polled: its interval, changed if ``--interval`` was
    given and differs (adding it again is how its interval is changed). The URL is shown
    as ``feeds list`` shows it, its key hidden."""
    feed = app.store.get_feed(url)
    shown = shown_url(url)
    if feed is None:  # removed meanwhile
        return f"already polled: {shown}"
    if interval is None or interval == feed.interval_s:
        return f"already polled: {shown} (every {feed.interval_s} s; --interval SECONDS changes it)"
    app.store.set_feed_interval(url, interval)
    return (
        f"already polled: {shown}; now every {interval} s (was {feed.interval_s} s), "
        "from its next poll on"
    )


def _say_if_declared(app: App, url: str) -> None:
    """A note on stderr when the feed just removed is in the config file's ``[feeds] urls``.

    Every command adds the feeds the config file declares (``adapters.app.apply_declared``),
    so such a feed is back with the next one: the operator is told where to remove it.
    """
    note = declarations(app.settings).feed_note(url)
    if note:
        print(f"storybot: note: {note}", file=sys.stderr)


async def _admit_feed_urls(urls: list[str], host_check: HostCheck | None) -> None:
    """Refuse the command if any URL is malformed or on a host the poller would refuse."""
    for url in urls:
        await admit_feed_url(url, host_check)


def outbox(app: App, limit: int = 20, out: TextIO | None = None) -> int:
    """``storybot outbox``: how many messages are pending, delivered and dead, then which.

    Dead messages (given up after a permanent error) are listed newest first and pending
    ones earliest due first, each with its target, attempts and last error: what an
    operator needs when a channel says it got nothing.
    """
    out = out or sys.stdout
    counts = app.store.outbox_counts()
    print(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())), file=out)
    for dead, heading in ((True, "dead (not retried)"), (False, "pending")):
        if not counts.get("dead" if dead else "pending"):
            continue
        entries = app.store.undelivered_outbox(dead, limit)
        shown = (
            f", {len(entries)} shown"
            if len(entries) < counts["dead" if dead else "pending"]
            else ""
        )
        print(f"\n{heading}{shown}:", file=out)
        for e in entries:
            print(f"  {_outbox_line(e, dead)}", file=out)
    return 0


def retry_dead(app: App, ids: list[int] | None, out: TextIO | None = None) -> int:
    """``storybot outbox --retry [ID ...]``: dead messages are due again, from zero attempts.

    Delivery gives up on a message the platform refuses for good (the bot not in the
    channel, no permission); once that is fixed, the operator sends them again. The
    running service (or ``poll --once --deliver``) delivers them. Ids are all or none, as
    ``--discard`` takes them: one that is not a dead message (a typo, a pending one)
    requeues nothing and exits 1, so that a mistyped id is never half done unnoticed.
    """
    out = out or sys.stdout
    result = app.store.requeue_dead(ids, app.clock.now())
    if result.not_dead:
        return _refuse_not_dead(result.not_dead, "retried")
    n = result.requeued
    if n == 0:  # every dead message, and there was none
        print("no dead messages to retry (storybot outbox lists them)", file=out)
        return 0
    print(
        f"{counted(n, 'dead message')} queued again; the running service delivers "
        f"{'it' if n == 1 else 'them'} (or: storybot poll --once --deliver)",
        file=out,
    )
    return 0


def _refuse_not_dead(not_dead: Iterable[int], done: str) -> int:
    """Say which of the ids given to ``--retry`` or ``--discard`` (``done``: what nothing
    was) are not dead messages, on stderr; the exit code, 1."""
    shown = [f"#{i}" for i in not_dead]
    print(
        f"storybot: not {'a dead message' if len(shown) == 1 else 'dead messages'}"
        f": {', '.join(shown)}; nothing was {done} (storybot outbox lists the dead ones)",
        file=sys.stderr,
    )
    return 1


def discard_dead(
    app: App, ids: list[int] | None, *, yes: bool = False, out: TextIO | None = None
) -> int:
    """``storybot outbox --discard [ID ...]``: give up for good on dead messages.

    For those ``--retry`` would only send to fail again (a deleted channel, a follow an
    operator removed): until they go, ``storybot outbox`` lists them and ``storybot health
    --strict`` fails. Ids are all or none, as ``subscriptions remove`` takes them: one
    that is not a dead message (a typo, a pending one) discards nothing and exits 1
    (:func:`_refuse_not_dead`, as ``--retry``).
    Every dead message at once only goes with ``yes`` (a ``--discard`` given without
    its ids must not wipe the record), as ``story remove`` and ``subscriptions remove
    --user`` ask for it; exit codes otherwise are ``--retry``'s.
    """
    out = out or sys.stdout
    if ids is None:
        dead = app.store.outbox_counts().get("dead", 0)
        if not dead:
            print("no dead messages to discard (storybot outbox lists them)", file=out)
            return 0
        if not yes:
            raise UserError(
                f"there {'is' if dead == 1 else 'are'} {counted(dead, 'dead message')}; run "
                "`storybot outbox --discard --yes` to delete "
                f"{'it' if dead == 1 else 'all of them'}, or give the #IDs to delete "
                "(storybot outbox lists them)"
            )
    result = app.store.discard_dead(ids)
    if result.not_dead:
        return _refuse_not_dead(result.not_dead, "discarded")
    if not result.discarded:  # every dead message, and none was left by now
        print("no dead messages to discard (storybot outbox lists them)", file=out)
        return 0
    for e in result.discarded:
        print(f"discarded {_outbox_line(e, True)}", file=out)
    n = len(result.discarded)
    print(f"{counted(n, 'dead message')} discarded; never to be sent", file=out)
    return 0


def sent(app: App, hours: float, limit: int = 20, out: TextIO | None = None) -> int:
    """``storybot outbox --sent [HOURS]``: what the bot delivered lately, newest first.

    The answer to "what did it post overnight": each alert, DM and digest delivered in
    the window, with its target and when it went out.
    """
    out = out or sys.stdout
    since = app.clock.now() - timedelta(hours=hours)
    entries = app.store.delivered_outbox(since, limit)
    window = f"in {the_last(counted(hours, 'hour'))}"
    if not entries:
        print(f"nothing delivered {window}", file=out)
        return 0
    more = " (the newest; --limit shows more)" if len(entries) == limit else ""
    print(f"delivered {window}{more}:", file=out)
    for e in entries:
        print(f"  {_fmt(e.delivered_at)}  {_outbox_what(e)}", file=out)
    return 0


def _outbox_what(e: OutboxEntry) -> str:
    # "#12 alert [pentagon] to slack channel C1: 'headline'" (a DM's notice may have no story)
    t = e.target
    where = (
        f"{t.platform} channel {t.channel_id}" if t.channel_id else f"{t.platform} user {t.user_id}"
    )
    title = shorten(" ".join(e.message.title.split()), 70)
    story = f" [{clip(e.message.story_name, 64)}]" if e.message.story_name else ""
    return f"#{e.id} {e.message.kind.value}{story} to {where}: {title!r}"


def _outbox_line(e: OutboxEntry, dead: bool) -> str:
    when = "" if dead else f", next try {_fmt(e.next_attempt_at)}"
    tries = counted(e.attempts, "attempt")
    error = f" — {redacted(e.last_error)}" if e.last_error else ""
    return f"{_outbox_what(e)} ({tries}{when}){error}"


# `prune --older-than` at most: 100 years (a cut-off before year 1 does not exist)
PRUNE_MAX_DAYS = 36500


def prune(
    app: App, days: float, dry_run: bool, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """``storybot prune``: give back the space of old off-topic items and sent notices.

    The summary goes to ``out`` (stdout), for scripts and cron mail. The prune goes in
    batches (``storage.retention.PRUNE_BATCH`` ids, each committed): a million items take
    half a minute, so where ``err`` (stderr) is a terminal it gets a progress line, as
    ``poll --once`` draws its own (and git its progress); elsewhere (cron, a pipe, a log
    file) nothing is added to what a prune that ends prints. Stopped midway (Ctrl-C, a
    lost connection), what the batches committed stays done, and it says so on stderr,
    terminal or not: the next prune does the rest.
    """
    out = out or sys.stdout
    err = err or sys.stderr
    check_range("--older-than", days, 1, PRUNE_MAX_DAYS, "day")
    progress = _PruneProgress(err, draw=err.isatty())
    try:
        report = app.store.prune(
            app.clock.now() - timedelta(days=days), dry_run=dry_run, progress=progress
        )
    except BaseException:
        progress.stopped()
        raise
    progress.end()
    would = "would blank" if dry_run else "blanked"
    print(
        f"{would} the text of {counted(report.items, 'off-topic item')} fetched more than "
        f"{a_span(counted(days, 'day'))} ago; {'would delete' if dry_run else 'deleted'} "
        f"{_notices(report.outbox)} queued before then and {_updates(report.updates)} "
        "recorded before then that every follow's digests have passed",
        file=out,
    )
    freed = report.items or report.outbox or report.updates
    if freed and not dry_run and app.settings.database_url.startswith("sqlite"):
        print("SQLite reuses the freed pages; run VACUUM to shrink the file itself", file=out)
    return 0


def _notices(n: int) -> str:
    return counted(n, "delivered notice or digest", "delivered notices and digests")


def _updates(n: int) -> str:
    """Development updates: what later reports added to a development, which digests tell."""
    return counted(n, "development update")


class _PruneProgress:
    """What ``prune``'s committed batches did so far; with ``draw`` (stderr is a terminal),
    a progress line redrawn after each: "[40/100 batches] blanked 390000 items, deleted
    0 notices and digests so far", with ", 30 updates" after them once development updates
    were deleted (the batches in all are known before the first; how many items a batch
    blanks is not, so no total of items is promised)."""

    def __init__(self, err: TextIO, *, draw: bool) -> None:
        self._err = err
        self._draw = draw
        self._width = 0
        self._last: PruneReport | None = None
        self._columns = shutil.get_terminal_size().columns if draw else 0

    def __call__(self, done: int, total: int, so_far: PruneReport) -> None:
        self._last = so_far
        if not self._draw:
            return
        # in 80 columns (the summary then says it in full)
        deleted = counted(so_far.outbox, "notice or digest", "notices and digests")
        if so_far.updates:  # only then: the usual line stays within 80 columns
            deleted += f", {counted(so_far.updates, 'update')}"
        line = (
            f"[{done}/{counted(total, 'batch', 'batches')}] blanked "
            f"{counted(so_far.items, 'item')}, deleted {deleted} so far"
        )
        # fits the terminal: a line that wraps is redrawn only in its last row
        line = shorten(line, max(10, self._columns - 1))
        padded, self._width = line.ljust(self._width), len(line)  # (a Ctrl-C in print: see end)
        print(f"\r{padded}", end="", file=self._err, flush=True)

    def end(self) -> None:
        """End the progress line (the summary follows on stdout)."""
        if self._width:
            print(file=self._err, flush=True)

    def stopped(self) -> None:
        """End the line, saying that what the committed batches did stays done (on a
        terminal or not: the error that stopped it follows, in cron's mail too)."""
        self.end()
        last = self._last
        if last is not None and (last.items or last.outbox or last.updates):
            print(
                "storybot: prune stopped after blanking the text of "
                f"{counted(last.items, 'off-topic item')}, deleting "
                f"{_notices(last.outbox)} and {_updates(last.updates)}; that stays done: "
                "run it again to do the rest",
                file=self._err,
                flush=True,
            )


async def ask(
    app: App, text: str, out: TextIO | None = None, *, new_database: NewDatabase | None = None
) -> int:
    """``storybot ask TEXT``: answer one /story command.

    Args:
        new_database: The SQLite file opening the store created (it did not exist):
            removed again if the command is refused, unless something else used it
            meanwhile or the config's stories and feeds were added to it (see
            :class:`NewDatabase`). The commands check what was typed
            against the data (a host the poller refuses, a query matching everything, an
            unknown story), so only they can tell; a refusal must not leave an empty
            database behind, as a refused ``storybot feeds add`` leaves none.

    Returns:
        0 if it succeeded, 2 if it was used wrongly (``Usage: ...``, an unknown command),
        1 for any other error it reported (an unknown story, say).
    """
    out = out or sys.stdout
    done = None  # not answered (an exception): whatever it stored stays
    try:
        reply = await app.commands.handle(console_request(text))
        print(format_reply(reply), file=out)
        done = 0 if reply.ok else 2 if reply.usage_error else 1
        return done
    finally:
        await app.aclose()
        if new_database is not None:
            new_database.close(remove=done in (1, 2))


async def chat(
    app: App, stdin: TextIO | None = None, *, new_database: NewDatabase | None = None
) -> int:
    """``storybot chat``: /story commands read from standard input until EOF or ``quit``.

    A terminal gets the ``/story`` prompt; piped input does not, so the replies are not
    run together with prompts nobody sees (``printf 'status\n' | storybot chat``).
    ``new_database`` (see :func:`ask`) is removed again when no command that may store
    something succeeded (only reads, help and refusals).
    """
    stdin = stdin or sys.stdin
    add_adapter(app, ConsoleAdapter())
    changed = True  # unless the session says otherwise (not when it failed)
    try:
        if stdin.isatty():
            changed = await interactive(app.commands)
        else:
            changed = await interactive(
                app.commands, read=lambda _prompt: _read_line(stdin), banner=False
            )
    finally:
        await app.aclose()
        if new_database is not None:
            new_database.close(remove=not changed)
    return 0


class NewDatabase:
    """A SQLite file this command's opening created, to remove again if it stored nothing.

    Made just after the store was opened (the schema made), before the config's stories
    and feeds are added: reading their seeds takes a while, in which another ``storybot``
    may store things in the new file, so a file they were added to is kept too. It keeps
    a connection of its own to the file and notes its ``PRAGMA data_version``, which
    changes whenever another connection commits. The file is removed
    only if no connection changed it since (this command's own, or another ``storybot``
    using the same new file meanwhile: a ``storybot run`` started while a ``storybot chat``
    was open, a ``storybot ask subscribe`` in another terminal) and none other has it open:
    leaving WAL mode, done first, needs the only connection to the file, and the file is
    unlinked under an exclusive lock. Otherwise it stays, as any database does.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        # no busy wait: a lock held elsewhere means the file is in use, and it stays
        self._conn: sqlite3.Connection | None = sqlite3.connect(
            path, timeout=0, isolation_level=None
        )
        self._version = _data_version(self._conn)

    def close(self, remove: bool) -> bool:
        """Stop watching; with ``remove``, remove the file and its journals if nothing
        else wrote to it or has it open. Returns whether it was removed."""
        conn, self._conn = self._conn, None
        if conn is None:
            return False
        try:
            if not (remove and self._unused(conn)):
                return False
            for suffix in ("", "-wal", "-shm", "-journal"):
                self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)
            return True
        except sqlite3.Error as exc:  # "database is locked": in use elsewhere, it stays
            log.debug("keeping the new database %s: %s", self.path, exc)
            return False
        finally:
            conn.close()

    def _unused(self, conn: sqlite3.Connection) -> bool:
        """Whether ``conn`` is alone with the file, which nothing changed since it was
        opened; if so ``conn`` holds it locked, out of WAL mode."""
        if _data_version(conn) != self._version:
            log.debug("keeping the new database %s: written to meanwhile", self.path)
            return False
        # raises "database is locked" while another connection has it open in WAL mode
        if str(conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]).lower() != "delete":
            return False
        conn.execute("BEGIN EXCLUSIVE")
        return _data_version(conn) == self._version


def _data_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA data_version").fetchone()[0])


def _read_line(stdin: TextIO) -> str:
    """The next line of piped input, without a prompt; EOFError at its end (as ``input``)."""
    line = stdin.readline()
    if not line:
        raise EOFError
    return line.rstrip("\n")


# the progress line's word for each fetch status: the summary's words ("unchanged", not "not_modified")
_PROGRESS_WORD = {
    FetchStatus.OK: "ok",
    FetchStatus.NOT_MODIFIED: "unchanged",
    FetchStatus.ERROR: "failed",
}


def _progress(out: TextIO):
    """One line on a terminal, rewritten for each feed polled.

    A failure is not kept on its own line: the summary lists each failed feed once, with
    its error, so a terminal shows it once as a pipe does.
    """
    width = 0
    # a line as wide as the terminal wraps, and "\r" then redraws only its last row
    columns = shutil.get_terminal_size().columns

    def show(done: int, total: int, feed, result) -> None:
        nonlocal width
        word = _PROGRESS_WORD.get(result.status, str(result.status))
        head = f"[{done}/{total}] {word:<9} "
        line = head + shorten(shown_url(feed.url), max(10, min(60, columns - 1 - len(head))))
        # pad over the longer line before it; no fixed width, so nothing wraps in a narrow one
        print(f"\r{line.ljust(width)}", end="", file=out, flush=True)
        width = len(line)

    return show


async def poll_once(
    app: App, *, deliver: bool = False, all_feeds: bool = False, out: TextIO | None = None
) -> int:
    """One cycle of the due feeds (every feed with ``all_feeds``), then exit.

    A terminal gets a progress line; each failed feed is listed once, in the summary (the
    pipeline does not log it as well). ``deliver`` then prints the queued alerts to the
    console, whether or not any feed was due: messages queued earlier are delivered too.

    Returns:
        0, or 1 when feeds were polled and every one of them failed.
    """
    out = out or sys.stdout
    try:
        async with app.poller_lock("storybot poll --once"):
            return await _poll_once(app, deliver=deliver, all_feeds=all_feeds, out=out)
    finally:
        await app.aclose()


async def _poll_once(app: App, *, deliver: bool, all_feeds: bool, out: TextIO) -> int:
    """``poll_once`` with the poller lock held.

    Its store calls run in threads, as the pipeline's own do (``Pipeline.poll_due``): none
    waits for the database on the event loop the fetches and deliveries run on
    (``tests/loop_guard.py`` checks it).
    """
    status = 0
    now = app.clock.now()
    store = app.store
    if all_feeds:
        feeds = await asyncio.to_thread(store.list_feeds)
    else:
        feeds = await asyncio.to_thread(store.due_feeds, now)
    # items waiting for their linked page ([pages] wait_s) are tried in a cycle too
    waits = [] if feeds or all_feeds else await asyncio.to_thread(store.due_page_waits, now, 1)
    if waits:
        report = await app.pipeline.poll_due(log_failures=False)
        print(f"no feeds are due; {report.waits_line()}", file=out)
    elif not feeds and (all_feeds or not await asyncio.to_thread(store.list_feeds)):
        # none at all (before any `feeds add`, or a cron job in the wrong directory):
        # "none due" would suggest they are polled some other time
        print(
            f"no feeds yet in the {database_name(app.settings)}: storybot feeds add URL", file=out
        )
    elif not feeds:
        print(
            "no feeds are due (storybot feeds list shows when each is next polled; "
            "poll --once --all polls them all now)",
            file=out,
        )
    else:
        tty = out.isatty()
        progress = _progress(out) if tty else None
        if all_feeds:
            report = await app.pipeline.poll_feeds(feeds, progress, log_failures=False)
        else:
            report = await app.pipeline.poll_due(progress=progress, log_failures=False)
        if tty:
            print(file=out)  # ends the progress line
        print(report.line(), file=out)
        for url, error in report.failures:
            print(f"  failed: {shown_url(url)}: {shown_text(error)}", file=out)
        waiting = report.alerts_queued + report.alert_edits
        if waiting and not deliver:
            # else "3 alerts queued" is the last word, and nothing shows where they went
            one = waiting == 1
            if report.alerts_queued and report.alert_edits:
                what = "alerts and alert edits"
            else:
                what = "alert" if report.alerts_queued else "alert edit"
                what += "" if one else "s"
            print(
                f"  the {what} {'waits' if one else 'wait'} in the outbox: `storybot run` "
                f"posts {'it' if one else 'them'}, `storybot poll --once --deliver` prints "
                f"{'it' if one else 'them'} here",
                file=out,
            )
        status = 1 if report.all_failed else 0
    if deliver:
        # digests too (digest follows, a realtime channel's overflow): what `run`'s
        # scheduler would queue by now, so cron-driven polling misses nothing
        await asyncio.to_thread(run_digests, store, app.clock, app.settings.delivery.zone)
        add_adapter(app, ConsoleAdapter(out))
        await app.delivery.deliver_due(limit=1000)
    return status


async def run(app: App, *, scheduler: bool = True, stop: asyncio.Event | None = None) -> int:
    """``storybot run``: the service, with the chat adapters whose tokens are set.

    With no tokens alerts print to this console, for the stories the console follows.
    It follows a story from when the story is added (``follow_in_console``), not from
    every start, so ``/story unfollow`` in the console stays done across restarts.
    ``stop`` ends it as SIGTERM does (default: only the signals).
    """
    if not scheduler:  # the front end polls nothing: workers do, serialised by the queue
        return await _run(app, scheduler=False, stop=stop)
    async with app.poller_lock("storybot run") as lock:  # first: refused before anything starts
        return await _run(app, scheduler=True, stop=stop, lock=lock)


async def _run(
    app: App, *, scheduler: bool, stop: asyncio.Event | None, lock: PollerLock | None = None
) -> int:
    """``run``, with the poller lock held when ``scheduler`` (checked before each cycle)."""
    for adapter in chat_adapters_from_settings(app):
        add_adapter(app, adapter)
    if not app.adapters:
        # without the scheduler this process delivers nothing: the workers print them
        where = "this console" if scheduler else "the output of the `storybot worker`s that deliver"
        print(
            f"no chat tokens set: alerts print to {where} "
            "(set SLACK_BOT_TOKEN/SLACK_APP_TOKEN or DISCORD_BOT_TOKEN for chat)",
            file=sys.stderr,
        )
        add_adapter(app, ConsoleAdapter())
    await run_service(app, scheduler=scheduler, stop=stop, poller_lock=lock)
    return 0
