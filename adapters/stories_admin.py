"""``storybot story``: add, list, remove and export the stories, from the command line.

``story add`` checks what was typed as ``/story stories add`` does (:mod:`bot.story_admin`),
reads the seeds, creates the story and (without chat tokens) has the console follow it;
``story remove`` says what went with the story and wants ``--yes`` when others lose
follows or subscriptions (:mod:`bot.stories`); ``story export`` writes the story's record
(:mod:`bot.story_export`).
What needs no database (:func:`typed_story`, :func:`check_export_out`, and the seeds
themselves where the database is new: :func:`read_seeds`) is checked before the store is
opened, by :func:`adapters.opening_checks.check_before_opening`. :func:`story_words` and
:func:`story_meant` read a story name as chat reads it, for ``storybot follows`` too.
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator, TextIO

from adapters.app import App
from adapters.cli_output import whole_output
from adapters.console_follow import follow_in_console
from adapters.declared import declarations, feed_given_as_seed
from bot.command_args import story_read
from bot.errors import NotAnArticle, UserError
from bot.identity import canonical_url
from bot.meant import meant_list, stories_meant
from bot.model import SeedDoc
from bot.ports import Conflict
from bot.render import clip, counted, shorten
from bot.stories import plan_story_removal, stories_after, story_list
from bot.story_admin import few_seeds_advice, short_seeds_note, undated_seeds_note
from bot.subscriptions_gone import story_removed
from bot.validate import (
    find_story,
    new_story_name_problem,
    repeated_seed_problem,
    story_name_problem,
    story_title,
    story_title_problem,
)


def story(app: App, args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if args.story_cmd == "add":
        # the seeds read before the store was opened printed there (check_before_opening)
        with whole_output(getattr(args, "seeds_out", None) or out) as whole:
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
        with whole_output(out) as whole:
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

    Words after NAME (``story remove anthropic pentagon``: see ``adapters.cli_errors.Parser``)
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
    store was opened (:func:`adapters.opening_checks.check_before_opening`) and again
    before the rename.
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


def check_export_out(args: argparse.Namespace) -> None:
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
        seeds = read_seeds(args.seed, app.settings.allowed_hosts, out)
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


def typed_story(args: argparse.Namespace) -> str | None:
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


def read_seeds(sources: list[str], allowed_hosts: Iterable[str], out: TextIO) -> list[SeedDoc]:
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
