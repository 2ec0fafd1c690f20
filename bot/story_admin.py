"""``/story stories add`` and ``stories remove``: admins create and delete stories from chat.

The person who wants a story followed is usually in Slack or Discord, not at the server's
shell. These do what ``storybot story add NAME --seed URL ...`` and ``story remove NAME
[--yes]`` do, by the same rules: the name rules (:func:`bot.validate.new_story_name_problem`),
seeds read as the CLI reads a ``--seed URL`` (a ``bot.ports.SeedLoader``: the SSRF guard,
size and time limits, the page's main text, a feed refused), and the removal rule of
:mod:`bot.stories`. Seeds are web addresses only: a chat user never names a file.

Nothing is stored until every seed has been read: a URL that fails names itself and why,
and no story is created.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from bot.command_words import argument_words, option_word, unlink
from bot.duration import a_span
from bot.engine.config import EngineConfig
from bot.errors import NotAnArticle, UsageError, UserError
from bot.model import CommandRequest, Reply, SeedDoc, Story
from bot.ports import Clock, Conflict, SeedLoader, Store
from bot.query_lexer import UNCLOSED_QUOTE, quoted_whole, unclosed_quote
from bot.render import clip, counted, say
from bot.stories import Declarations, no_such_story, plan_story_removal, words_meant
from bot.subscriptions_gone import story_removed
from bot.validate import (
    article_url_problem,
    new_story_name_problem,
    repeated_seed_problem,
    story_title_problem,
)

MAX_SEED_URLS = 10
# fewer seeds than this: say that three to five work best (see the README)
FEW_SEEDS = 3
# a seed with fewer words of text than this is named: most likely a page that gave its
# sign-in form, paywall or teaser instead of the article (a news report runs to hundreds)
SHORT_SEED_WORDS = 40
_WEB_ADDRESS = re.compile(r"^https?://", re.IGNORECASE)
_URL_LIST = re.compile(r",+(?=https?://)", re.IGNORECASE)


def add_usage(platform: str | None) -> str:
    return say(
        platform,
        '/story stories add <name> <url> [<url> ...] [--title "T"]',
        "/story stories action:add name:NAME urls:<url url ...> [title:T]",
    )


def remove_usage(platform: str | None) -> str:
    return say(
        platform,
        "/story stories remove <name> [--yes]",
        "/story stories action:remove name:NAME [yes:True]",
    )


def _capital(text: str) -> str:
    """``text`` as the start of a sentence: a capital, unless it starts with a URL."""
    return text if _WEB_ADDRESS.match(text) else text[:1].upper() + text[1:]


@dataclass(frozen=True)
class StoryAdd:
    """A parsed ``stories add``: the new story's name, its seed URLs, its title if given."""

    name: str
    urls: tuple[str, ...]
    title: str | None = None


def parse_add(rest: str, platform: str | None = None) -> StoryAdd:
    """Read ``<name> <url> [<url> ...] [--title T]`` (the text after ``stories add``).

    ``--title`` (or ``--title=T``) comes last and takes the rest of the text, quoted or
    not. Slack's links (``<https://x|label>``) are read as their URLs; URLs may be
    separated by commas too (``a, b`` or ``a,b``).

    Raises:
        UsageError: No name, no URL, an option other than ``--title``, an empty title,
            one holding a URL (given before the articles' URLs) or a double quote never
            closed (as :func:`bot.query_lexer.unclosed_quote` reads a query's).
    """
    hint = f"Usage: {add_usage(platform)}"
    words = unlink(rest).split()
    name: str | None = None
    urls: list[str] = []
    title: str | None = None
    for i, word in enumerate(words):
        option = option_word(word)
        if option is None:
            if name is None:
                name = word
            else:
                # "a,b" or "a, b": a comma is a separator where a web address follows it
                urls.extend(u for u in _URL_LIST.split(word.strip(",")) if u)
            continue
        key, has_value, value = option.partition("=")
        if key.lower() != "title":
            raise UsageError(
                f"'{clip(word, 40)}' is not an option of `stories add` (it has --title). {hint}"
            )
        rest_words = words[i + 1 :]
        if any((option_word(w) or "").partition("=")[0].lower() == "title" for w in rest_words):
            raise UsageError(f"Give --title once: it takes the rest of the text. {hint}")
        title = " ".join([value, *rest_words] if has_value else rest_words)
        # Quotes around the whole title are not part of it: double ones, and single ones,
        # which a shell user types out of habit ('Chips Act'), read as a query reads a
        # phrase. A double quote never closed is refused, as in a query: the title would
        # keep it ("Third story), where the closing one was most likely forgotten.
        whole = quoted_whole(title)
        if whole is not None:
            title = whole.strip()
        elif unclosed_quote(title):
            raise UsageError(
                f"{UNCLOSED_QUOTE[:-1]} in --title. Put the title between two quotes, like "
                f'--title "Chips Act", or none. {hint}'
            )
        if not title:
            raise UsageError(f"--title needs the story's title after it. {hint}")
        if any(_WEB_ADDRESS.match(part) for part in title.split()):
            raise UsageError(  # not silently a title ending in a URL, or "no URL given"
                f"--title comes last and takes the rest of the text: give the articles' URLs "
                f"before it. {hint}"
            )
        break
    if name is None:
        raise UsageError(hint)
    if _WEB_ADDRESS.match(name):
        raise UsageError(f"Give the story a name before its articles' URLs. {hint}")
    if not urls:
        raise UsageError(f"Give at least one article's URL as the story's seed. {hint}")
    return StoryAdd(name, tuple(urls), title)


def parse_remove(
    rest: str, platform: str | None = None, store: Store | None = None
) -> tuple[str, bool]:
    """Read ``<name> [--yes]``: the story's name and whether the remover said yes.

    A quoted name is one (:func:`bot.command_words.argument_words`). Words apart are
    not read as the story they spell (``remove anthropic pentagon``): a removal cannot
    be undone, so it takes the name as the story has it; the refusal names the story
    they probably mean (``store``: the stories to look in).

    Raises:
        UsageError: No name, more than one, or an option other than ``--yes``.
    """
    hint = f"Usage: {remove_usage(platform)}"
    names: list[str] = []
    yes = False
    for word in argument_words(rest):
        option = option_word(word)
        if option is None:
            names.append(word)
        elif option.lower() == "yes":
            yes = True
        else:
            raise UsageError(
                f"'{clip(word, 40)}' is not an option of `stories remove` (it has --yes). {hint}"
            )
    if len(names) > 1 and store is not None and (meant := words_meant(store, names)):
        raise UsageError(f"`stories remove` takes one story.{meant} {hint}")
    if len(names) != 1:
        raise UsageError(hint)
    return names[0], yes


def check_add(store: Store, add: StoryAdd) -> None:
    """Refuse what is wrong before any page is fetched: the name, the URLs' number and form.

    Raises:
        UserError: The name is not allowed or taken, there are more than
            ``MAX_SEED_URLS`` URLs, one is given twice (however spelled) or is no web
            address, the title is too long.
    """
    problem = new_story_name_problem(store, add.name)
    if problem:
        raise UserError(f"{_capital(problem)}.")
    if len(add.urls) > MAX_SEED_URLS:
        raise UserError(
            f"A story takes at most {MAX_SEED_URLS} seed URLs from chat; {len(add.urls)} were "
            "given. Pick the articles that best tell its starting point (three to five is best)."
        )
    for url in add.urls:
        problem = article_url_problem(url)  # a path too: seeds from chat are web pages
        if problem:
            raise UserError(f"{problem}.")
    # one article however it is spelled: a #fragment, tracking parameters, the scheme's
    # or host's case (the rule `storybot story add` follows too)
    problem = repeated_seed_problem(add.urls)
    if problem:
        raise UserError(f"{problem}.")
    problem = story_title_problem(add.title) if add.title is not None else None
    if problem:
        raise UserError(f"{_capital(problem)}.")


async def add_story(
    store: Store,
    clock: Clock,
    loader: SeedLoader,
    req: CommandRequest,
    add: StoryAdd,
    *,
    on_added: Callable[[Story], bool] | None = None,
    background_days: float = EngineConfig.background_before_days,
) -> Reply:
    """Read the seeds, create the story and say what happens next.

    ``on_added`` is called with the new story, as ``storybot story add`` calls it: True
    means the console now follows it (no chat platform is configured), which the reply
    says instead of how a channel follows it. ``background_days`` is the engine's
    ``background_before_days``, named when no seed has a date (:func:`undated_seeds_note`).

    Raises:
        UserError: A check of :func:`check_add` fails, a page cannot be read as an
            article (the message names it), or the name was taken meanwhile.
    """
    check_add(store, add)
    try:
        seeds = await loader.load(add.urls)
    except NotAnArticle as exc:
        feeds_add = say(
            req.platform, f"/story feeds add {exc.source}", f"/story feeds add url:{exc.source}"
        )
        raise UserError(
            f"{exc.source} is a feed (RSS/Atom), not an article: an admin polls it with "
            f"`{feeds_add}`; give the links of single articles as seeds. No story was created."
        ) from None
    except UserError as exc:
        raise UserError(f"{_capital(str(exc).rstrip('.'))}. No story was created.") from None
    title = add.title or seeds[0].title
    try:
        # in a thread, as the commands that only use the store (bot.commands._dispatch)
        story = await asyncio.to_thread(store.add_story, add.name, title, seeds, clock.now())
    except Conflict:  # created since the check (another admin, the CLI)
        raise UserError(f"A story named '{add.name}' already exists.") from None
    console = on_added(story) if on_added is not None else False
    lines = _created_lines(story.name, story.title, seeds, req, console, background_days)
    return Reply(text="\n".join(lines))


def few_seeds_advice(seeds: int) -> str | None:
    """What a story created from only ``seeds`` articles is told (None from ``FEW_SEEDS``
    on): the same whether ``/story stories add`` or ``storybot story add`` created it."""
    if seeds >= FEW_SEEDS:
        return None
    return (
        "Three to five seeds work best: with fewer, a report that retells the start of "
        "the story in new words is more likely to be taken for a new development."
    )


def short_seeds_note(seeds: list[SeedDoc], *, files: bool = False) -> str | None:
    """What a story with a seed of under ``SHORT_SEED_WORDS`` words is told (None when
    every seed is longer): which seeds, and how to give their articles' text, the same
    whether ``/story stories add`` or ``storybot story add`` (``files``: its seeds may be
    text files) created it. The story is created all the same: a headline and a summary
    do make a story, only a less sharp one, and a login page's words make a wrong one."""
    short = [
        (n, seed) for n, seed in enumerate(seeds, 1) if len(seed.text.split()) < SHORT_SEED_WORDS
    ]
    if not short:
        return None
    named = ", ".join(
        f"{n} ({counted(len(seed.text.split()), 'word')}: {clip(seed.title or seed.text, 60)})"
        for n, seed in short[:3]
    )
    more = f" and {len(short) - 3} more" if len(short) > 3 else ""
    how = (
        "paste its article's text into a text file and give that as the seed"
        if files
        else "give the link of a page that shows the whole article, or storybot's operator "
        "adds the story with `storybot story add --seed FILE` from a text file of it"
    )
    return (
        f"Seed {named}{more} has little text: a page behind a sign-in or a paywall gives "
        f"its teaser or form instead of the article, and the story is judged on those "
        f"words. For a sharper story, {how} (remove the story and add it again)."
        if len(short) == 1
        else f"Seeds {named}{more} have little text: a page behind a sign-in or a paywall "
        "gives its teaser or form instead of the article, and the story is judged on those "
        f"words. For a sharper story, {how} for each (remove the story and add it again)."
    )


def undated_seeds_note(
    seeds: list[SeedDoc], background_days: float, *, files: bool = False
) -> str | None:
    """What a story none of whose seeds has a date is told (None if one has a date): the
    same whether ``/story stories add`` or ``storybot story add`` (``files``: its seeds
    may be text files) created it.

    The story then begins when it is added, and a report published more than
    ``background_days`` (``background_before_days``) before that joins the seed story
    instead of being alerted: tried on old feeds, storybot alerted nothing and said
    nothing of why.
    """
    if any(seed.published is not None for seed in seeds):
        return None
    how = (
        "a line `date YYYY-MM-DD` at the top of a text seed gives it its date"
        if files
        else "a seed's date comes from its page, where the page gives one"
    )
    return (
        "No seed has a date, so the story begins now: reports published more than "
        f"{a_span(counted(background_days, 'day'))} before that join the seed story instead of "
        f"being alerted ({how})."
    )


def _created_lines(
    name: str,
    title: str,
    seeds: list[SeedDoc],
    req: CommandRequest,
    console: bool,
    background_days: float,
) -> list[str]:
    lines = [f"Created story {name}: {clip(title, 200)} ({counted(len(seeds), 'seed')})"]
    lines += [
        f"{i}. {clip(seed.title, 120)} ({counted(len(seed.text.split()), 'word')})"
        for i, seed in enumerate(seeds, 1)
    ]
    advice = few_seeds_advice(len(seeds))
    if advice:
        lines.append(advice)
    short = short_seeds_note(seeds)
    if short:
        lines.append(short)
    undated = undated_seeds_note(seeds, background_days)
    if undated:
        lines.append(undated)
    lines.append(
        "storybot starts tracking it at its next poll cycle: "
        "reports that arrive from then on are judged for it, earlier ones are not."
    )
    if console:
        lines.append(
            "The console follows it: `storybot run` without chat tokens prints its alerts "
            f"(`storybot ask 'unfollow {name}'` to stop)."
        )
        return lines
    follow = say(req.platform, f"/story follow {name}", f"/story follow story:{name}")
    where = (
        "in the channel that should get them"
        if req.direct_message or not req.channel_id
        else "here"
    )
    lines.append(f"To get its alerts {where}: `{follow}` (admins).")
    return lines


def remove_story(
    store: Store,
    req: CommandRequest,
    name: str,
    *,
    yes: bool,
    now: datetime,
    declared: Declarations | None = None,
) -> tuple[Reply, bool]:
    """Remove a story by the rule of ``storybot story remove`` (see :mod:`bot.stories`).

    Each user whose subscriptions go with it is sent one direct message saying so,
    queued with the removal (:func:`bot.subscriptions_gone.story_removed`, at ``now``).

    A story the config file declares (``declared``) is removed too, and the reply says,
    as the CLI does, that the next storybot command adds it again.

    Returns:
        The reply, and whether subscriptions went with the story (the matcher's index
        is then out of date).

    Raises:
        UserError: There is no such story, or it has subscriptions or channel follows and
            there was no ``--yes`` (the message counts them and gives the ``--yes`` form).
    """
    removal = plan_story_removal(store, name)
    if removal is None:
        raise no_such_story(name, [s.name for s in store.list_stories()], req.platform)
    story, others = removal.story, removal.others
    if removal.needs_yes and not yes:
        again = say(
            req.platform,
            f"/story stories remove {story.name} --yes",
            f"/story stories action:remove name:{story.name} yes:True",
        )
        raise UserError(
            f"Story {story.name} has {others}; removing the story removes {removal.them} too "
            f"({removal.who_is_told}). To go ahead: `{again}`"
        )
    if not store.remove_story(story.name, story_removed(story.name, now)):
        raise UserError(f"There is no story named '{clip(name, 60)}'.")
    also = f" (also removed {others}; {removal.who_is_told})" if others else ""
    note = (declared or Declarations()).story_note(story.name)
    text = with_note(f"Removed story {story.name}{also}.", note)
    return Reply(text=text), removal.subscriptions > 0


def with_note(text: str, note: str | None) -> str:
    """``text``, then ``note`` (:func:`bot.stories.readded_note`) on a line of its own, if any."""
    return f"{text}\nNote: {note}." if note else text
