"""What the config file declares: its ``[[stories]]`` and ``[feeds] urls``.

Every command that builds the app adds the declared stories and feeds that are missing
(:func:`apply_declared`), so the file stays the operator's declaration; a removal of one
says it comes back (:func:`declarations`). A declared story's seeds and a declared feed's
host are checked as ``story add`` and ``feeds add`` check theirs, and an error names the
file and the story or feed.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from adapters.console_follow import follow_in_console
from bot.errors import ConfigError, NotAnArticle, TryAgainLater, UserError
from bot.ports import Conflict, HostCheck, Store
from bot.settings import Settings, StoryDecl
from bot.stories import Declarations
from bot.validate import find_story, story_name_problem, story_title, story_title_problem

if TYPE_CHECKING:
    from adapters.app import App


def feed_given_as_seed(exc: NotAnArticle, each: str) -> str:
    """What to do with a feed given as a seed, by what it is: a URL, or a file on this machine.

    A feed's http(s) URL is polled with ``storybot feeds add``; a feed *file* (a path, a
    ``file://`` URL) cannot be (feeds are fetched over http(s)), so it is not named as
    something to add. ``each`` is what names a seed where it was given ("--seed", "seed").
    """
    source = exc.source
    article = f"give one article (its page or a text file) as each {each}"
    if source[:8].lower().startswith(("http://", "https://")):
        return (
            f"{source} is a feed (RSS/Atom), not an article: poll it with "
            f"`storybot feeds add {source}`, and {article}"
        )
    return (
        f"{source} is a feed file (RSS/Atom), not an article: storybot polls feeds over "
        "http(s), so give `storybot feeds add` the feed's own URL (or serve the file over "
        f"HTTP and add that URL); {article}"
    )


def declared_seed(settings: Settings, name: str, source: str):
    """Read a seed of the config file's story ``name``; an error names the file and the story.

    Seed paths are resolved against the config file's directory when it is read, so a
    missing one is shown as a full path the operator did not type: the message says so.
    """
    from adapters.seeds import SeedUnavailable, load_seed

    where = settings.config_path or "config"
    try:
        return load_seed(source, allowed_hosts=settings.allowed_hosts)
    except SeedUnavailable as exc:
        # the site down for now (at boot, say): exit 75, which the systemd units restart,
        # not 2, which they leave stopped; the story is created once the seed answers
        raise TryAgainLater(f"{where}: [[stories]] '{name}': {exc}") from None
    except NotAnArticle as exc:
        reason = feed_given_as_seed(exc, "seed")
    except UserError as exc:
        reason = str(exc)
        if "://" not in source and settings.config_path:  # a path, resolved when read
            reason += " (seed paths are relative to the config file)"
    raise ConfigError(f"{where}: [[stories]] '{name}': {reason}")


def declared_title(settings: Settings, decl: StoryDecl) -> str | None:
    """The title of the config file's story ``decl``, about to be created (None: its first
    seed's), once its name and title pass the rules ``story add`` holds its own to.

    Raises:
        ConfigError: a name users could not type, or a bad title (see ``story_title_problem``).
    """
    where = settings.config_path or "config"
    problem = story_name_problem(decl.name)
    if problem:
        raise ConfigError(f"{where}: [[stories]] {problem}")
    title = None if decl.title is None else story_title(str(decl.title))
    problem = None if title is None else story_title_problem(title)
    if problem:
        raise ConfigError(f"{where}: [[stories]] '{decl.name}': {problem}")
    return title


def declarations(settings: Settings, *, whole_path: bool = True) -> Declarations:
    """What the config file declares, for the removals that say it comes back.

    Such a story or feed is added again by the next command run with that file: see
    :func:`apply_declared`. The CLI (``story remove``, ``feeds remove``) and chat (``/story
    stories remove``, ``/story feeds remove``) both say so from this. Chat replies name
    the file only (``whole_path=False``): where it lies on the server is the operator's.
    """
    config = settings.config_path or "config"
    return Declarations(
        config=config if whole_path else os.path.basename(config),
        stories=frozenset(decl.name for decl in settings.stories),
        feeds=frozenset(settings.feeds),
    )


def declared_missing(settings: Settings, store: Store) -> bool:
    """Whether :func:`apply_declared` would add anything to ``store``: a story or feed
    the config file declares that it does not hold. Reads only.

    A command that only reads opens the database without SQLite's write lock; it needs
    the lock (and a file it may write) only when this is so.
    """
    return any(find_story(store, decl.name) is None for decl in settings.stories) or any(
        store.get_feed(url) is None for url in settings.feeds
    )


def apply_declared(app: App) -> None:
    """Create the stories and feeds declared in the config file, if missing.

    Every command that builds the app runs it, so the config file stays the operator's
    declaration: a declared story or feed removed with ``story remove`` or ``feeds remove``
    comes back with the next command (which those commands say, see
    :func:`declarations`).

    Raises:
        ConfigError: a story to create has a name users could not type (a story already
            stored under such a name, from before names were checked, is left alone), or
            one of its seeds cannot be read (the message names the file and the story).
    """
    now = app.clock.now()
    for decl in app.settings.stories:
        # names are matched ignoring case (as /story status finds them)
        if find_story(app.store, decl.name) is None:
            title = declared_title(app.settings, decl)
            seeds = [declared_seed(app.settings, decl.name, s) for s in decl.seeds]
            story = app.store.add_story(decl.name, title or seeds[0].title, seeds, now)
            follow_in_console(app, story)
    for url in app.settings.feeds:
        if app.store.get_feed(url) is None:
            refuse_declared_feed(app.settings, app.host_check, url)
            try:
                app.store.add_feed(url, now, app.settings.polling.default_interval_s)
            except Conflict:
                pass


def refuse_declared_feed(settings: Settings, check: HostCheck | None, url: str) -> None:
    """Refuse the config file's feed ``url`` if the fetcher would refuse its host.

    :func:`apply_declared` checks each feed it adds; a command about to create a new
    database checks them all before opening it (``opening_checks.check_before_opening``), so
    that the refusal leaves no empty database behind.

    Raises:
        ConfigError: naming the config file, the feed and the refusal.
    """
    refusal = _host_refusal(check, url)
    if refusal:
        where = settings.config_path or "config"
        raise ConfigError(f"{where}: [feeds] {url}: {refusal}")


def _host_refusal(check: HostCheck | None, url: str) -> str | None:
    """The fetcher's refusal of ``url``'s host, or None; callable with or without a running loop."""
    if check is None:
        return None

    async def refusal() -> str | None:
        return await check(url)

    with ThreadPoolExecutor(max_workers=1) as pool:  # its own event loop, in its own thread
        return pool.submit(asyncio.run, refusal()).result()
