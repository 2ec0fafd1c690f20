"""Story names typed as users remember them: quoted, their words apart, or one word of them.

Through the real ``Commands`` against a real SQLite store. ``status`` and
``developments``, which only show a story, read words that spell one story's name as
that story; the commands that change something (``follow``, ``unfollow``, ``stories
remove``, ``wrong``) refuse them, naming the story meant, so that what changes is the
story the user then names.
"""

from __future__ import annotations

import pytest
from store_builders import new_item
from test_commands import commands, store  # noqa: F401  (fixtures)
from test_commands_developments import develop, numbers

from bot.meant import stories_meant
from bot.model import CommandRequest, Judgement, SeedDoc

KNOWN = "Known stories: pentagon, anthropic-pentagon."


def req(text: str, *, admin: bool = True, channel: str | None = "C1") -> CommandRequest:
    return CommandRequest(
        text=text, platform="slack", user_id="U1", channel_id=channel, is_admin=admin
    )


@pytest.fixture
def talks(store, clock):
    """A second story, beside the fixture's "pentagon"."""
    return store.add_story(
        "anthropic-pentagon", "Anthropic and the Pentagon", [SeedDoc("Talks", "text")], clock.now()
    )


@pytest.mark.parametrize(
    "typed",
    [
        '"anthropic pentagon"',
        "\u201canthropic pentagon\u201d",  # as phones and Slack's smart quotes type it
        "'anthropic pentagon'",
        "\u2018Anthropic Pentagon\u2019",
        "anthropic pentagon",
        "Anthropic  Pentagon",
        '"anthropic-pentagon"',
    ],
)
async def test_status_reads_a_story_name_quoted_or_typed_apart(commands, talks, typed):
    # it said "`status` does not take 'pentagon'": the quotes were not understood
    reply = await commands.handle(req(f"status {typed}"))
    assert reply.ok and "Anthropic and the Pentagon (anthropic-pentagon)" in reply.text, reply.text


async def test_status_refuses_words_that_spell_no_story_with_the_story_meant(commands, talks):
    reply = await commands.handle(req("status antropic pentagon"))
    assert not reply.ok and reply.text.startswith(
        "`status` does not take 'pentagon'. Did you mean `anthropic-pentagon`? Usage: "
    ), reply.text
    # a story named, and a word more: nothing else to suggest
    reply = await commands.handle(req("status pentagon now"))
    assert reply.text.startswith("`status` does not take 'now'. Usage: "), reply.text


@pytest.mark.parametrize(
    ("text", "page"),
    [
        ("developments anthropic pentagon", 1),
        ("developments anthropic pentagon 2", 2),
        ('developments "anthropic pentagon" 2', 2),
        ("developments \u201canthropic pentagon\u201d", 1),
    ],
)
async def test_developments_reads_a_story_name_typed_apart_with_its_page(
    commands, store, clock, talks, text, page
):
    develop(store, clock, 7, story="anthropic-pentagon")
    reply = await commands.handle(req(text))
    assert reply.ok and reply.text.startswith(
        "Anthropic and the Pentagon (anthropic-pentagon)\n"
    ), reply.text
    assert numbers(reply.text) == ([7, 6, 5, 4, 3] if page == 1 else [2, 1]), reply.text


async def test_developments_keeps_reading_a_name_and_a_page(commands, talks):
    # "anthropic 2" is a name and a page: no story named "anthropic", so it is refused
    # with the story meant, not read as some story "anthropic-2"
    reply = await commands.handle(req("developments anthropic 2"))
    assert reply.text == (
        f"There is no story named 'anthropic'. Did you mean `anthropic-pentagon`? {KNOWN}"
    ), reply.text


@pytest.mark.parametrize("command", ["status", "developments", "unfollow", "stories remove"])
async def test_one_word_of_a_story_name_says_the_story_meant(commands, talks, command):
    # too short to be close to "anthropic-pentagon" by edit distance: no suggestion
    reply = await commands.handle(req(f"{command} anthropic"))
    assert not reply.ok and reply.text == (
        f"There is no story named 'anthropic'. Did you mean `anthropic-pentagon`? {KNOWN}"
    ), reply.text


async def test_a_word_of_several_story_names_lists_up_to_three(commands, store, clock, talks):
    for name in ("anthropic-lawsuit", "iran-deal-talks"):
        store.add_story(name, name, [SeedDoc("Seed", "text")], clock.now())
    reply = await commands.handle(req("status anthropic"))
    assert "Did you mean `anthropic-pentagon` or `anthropic-lawsuit`?" in reply.text, reply.text
    reply = await commands.handle(req("status deal"))  # a part in the middle
    assert "Did you mean `iran-deal-talks`?" in reply.text, reply.text
    reply = await commands.handle(req("status iran-deal"))  # the start of one
    assert "Did you mean `iran-deal-talks`?" in reply.text, reply.text
    # a word four stories share points at none of them
    for name in ("anthropic-chips", "anthropic-europe"):
        store.add_story(name, name, [SeedDoc("Seed", "text")], clock.now())
    reply = await commands.handle(req("status anthropic"))
    assert "Did you mean" not in reply.text and "Known stories: " in reply.text, reply.text


def test_stories_meant_puts_the_story_spelled_first_and_caps_at_three() -> None:
    names = ["pentagon", "anthropic-pentagon", "anthropic-lawsuit", "anthropic_pentagon_talks"]
    assert stories_meant("anthropic", names, ["pentagon", "digest", "6"]) == ["anthropic-pentagon"]
    assert stories_meant("Anthropic.Pentagon.Talks", names) == ["anthropic_pentagon_talks"]
    # a typo first, then the names holding the word
    assert stories_meant("pentagn", names) == ["pentagon"]
    assert stories_meant("talks", names) == ["anthropic_pentagon_talks"]
    assert stories_meant("anthropic", names) == [
        "anthropic-pentagon",
        "anthropic-lawsuit",
        "anthropic_pentagon_talks",
    ]
    assert stories_meant("anthropic", [*names, "anthropic-chips"]) == []
    assert stories_meant("gaza", names) == []


async def test_follow_refuses_a_name_typed_apart_with_the_story_meant(
    commands, store, clock, talks
):
    # another story starts with "anthropic": the words after it tell which is meant
    store.add_story("anthropic-lawsuit", "Suit", [SeedDoc("Seed", "text")], clock.now())
    known = "Known stories: pentagon, anthropic-pentagon, anthropic-lawsuit."
    reply = await commands.handle(req("follow anthropic pentagon digest 6"))
    assert not reply.ok and reply.text == (
        f"There is no story named 'anthropic'. Did you mean `anthropic-pentagon`? {known}"
    ), reply.text
    reply = await commands.handle(req('follow "anthropic pentagon" digest 6'))
    assert reply.text == (
        f"There is no story named 'anthropic pentagon'. Did you mean `anthropic-pentagon`? {known}"
    ), reply.text
    assert store.bindings_for_channel("slack", "C1") == []
    # quoted as it is named, it is one argument, and the mode and hours after it are read
    reply = await commands.handle(req('follow "anthropic-pentagon" digest 6'))
    assert reply.ok and reply.text.startswith(
        "This channel now follows anthropic-pentagon: new developments are posted as a "
        "digest every 6 hours"
    ), reply.text


async def test_unfollow_refuses_a_name_typed_apart_with_the_story_meant(
    commands, store, clock, talks
):
    assert (await commands.handle(req("follow anthropic-pentagon"))).ok
    reply = await commands.handle(req("unfollow anthropic pentagon"))
    assert not reply.ok and reply.text.startswith(
        "`unfollow` does not take 'pentagon'. Did you mean `anthropic-pentagon`? Usage: "
    ), reply.text
    reply = await commands.handle(req("unfollow \u201canthropic pentagon\u201d"))
    assert reply.text.startswith(
        "There is no story named 'anthropic pentagon'. Did you mean `anthropic-pentagon`?"
    ), reply.text
    assert len(store.bindings_for_channel("slack", "C1")) == 1
    reply = await commands.handle(req("unfollow 'anthropic-pentagon'"))
    assert reply.ok and reply.text == "This channel no longer follows anthropic-pentagon."


async def test_stories_remove_refuses_a_name_typed_apart_with_the_story_meant(
    commands, store, talks
):
    reply = await commands.handle(req("stories remove anthropic pentagon"))
    assert not reply.ok and reply.text.startswith(
        "`stories remove` takes one story. Did you mean `anthropic-pentagon`? "
        "Usage: /story stories remove <name> [--yes]"
    ), reply.text
    reply = await commands.handle(req('stories remove "anthropic pentagon" --yes'))
    assert reply.text.startswith(
        "There is no story named 'anthropic pentagon'. Did you mean `anthropic-pentagon`?"
    ), reply.text
    assert store.get_story("anthropic-pentagon") is not None
    reply = await commands.handle(req('stories remove "anthropic-pentagon"'))
    assert reply.ok and reply.text.startswith("Removed story anthropic-pentagon"), reply.text


async def test_wrong_refuses_a_story_name_typed_apart_with_the_story_meant(
    commands, store, clock, talks
):
    _, item = store.ingest_item(new_item(7, at=clock.now()))
    store.commit_decisions([Judgement(talks.id, item.id, True, 0.9)], [], {}, [], clock.now())
    for text in (f"wrong {item.url} anthropic pentagon", f"wrong <{item.url}> anthropic pentagon"):
        reply = await commands.handle(req(text))
        assert not reply.ok and reply.text.startswith(
            "`wrong` does not take 'pentagon'. Did you mean `anthropic-pentagon`? Usage: "
        ), reply.text
    reply = await commands.handle(req(f'wrong {item.url} "anthropic pentagon"'))
    assert reply.text.startswith(
        "There is no story named 'anthropic pentagon'. Did you mean `anthropic-pentagon`?"
    ), reply.text


def test_stories_meant_a_typo_away_with_or_without_the_words_after() -> None:
    # the words after a name may be the rest of it, or a mode and hours: both are said
    assert stories_meant("chip", ["chips", "chips-digest"], ["digest", "6"]) == [
        "chips-digest",
        "chips",
    ]
    assert stories_meant("antropic", ["anthropic", "anthropic-pentagon"], ["pentagon"]) == [
        "anthropic-pentagon",
        "anthropic",
    ]


async def test_a_suggestion_of_the_only_story_does_not_list_it_again(store, clock):
    from bot.commands import Commands
    from bot.model import CommandRequest, SeedDoc

    store.remove_story("pentagon")  # the fixture's
    store.add_story("anthropic-pentagon", "Talks", [SeedDoc("t", "x")], clock.now())
    reply = await Commands(store, clock).handle(
        CommandRequest("status anthropic", "slack", "U1", "C1")
    )
    assert reply.text == (
        "There is no story named 'anthropic'. Did you mean `anthropic-pentagon`?"
    ), reply.text


# ----------------------------------------------------------- a story named by a word of another
# "anthropic" and "anthropic-pentagon" both known: the first word alone names a story,
# and with the word after it another one.


@pytest.fixture
def both(store, clock, talks):
    """The story "anthropic" beside "anthropic-pentagon" (and the fixture's "pentagon")."""
    return store.add_story("anthropic", "Anthropic", [SeedDoc("Lab", "text")], clock.now())


@pytest.mark.parametrize(
    "text",
    [
        "follow anthropic pentagon",
        "follow anthropic pentagon digest 6",
        "follow anthropic pentagon digest 6 at 09:00",
        "follow Anthropic Pentagon realtime",
    ],
)
async def test_follow_a_story_then_a_word_of_another_is_no_mode_and_names_the_story_meant(
    commands, store, both, text
):
    # it said only "Mode must be 'realtime' or 'digest', not 'pentagon'."
    reply = await commands.handle(req(text))
    typed = text.split()[2]
    assert not reply.ok and reply.text == (
        f"Mode must be 'realtime' or 'digest', not '{typed}'. "
        "Did you mean the story `anthropic-pentagon`?"
    ), reply.text
    assert store.bindings_for_channel("slack", "C1") == []


async def test_follow_a_mode_typo_after_a_story_suggests_no_story(commands, store, both):
    reply = await commands.handle(req("follow anthropic weekly"))
    assert reply.text == "Mode must be 'realtime' or 'digest', not 'weekly'.", reply.text
    reply = await commands.handle(req("follow anthropic digest 6"))  # the mode read as before
    assert reply.ok and "now follows anthropic:" in reply.text, reply.text


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("unfollow anthropic pentagon", "`unfollow` does not take 'pentagon'."),
        ("stories remove anthropic pentagon --yes", "`stories remove` takes one story."),
        ("wrong {url} anthropic pentagon", "`wrong` does not take 'pentagon'."),
        ("wrong <{url}> anthropic pentagon", "`wrong` does not take 'pentagon'."),
    ],
)
async def test_a_story_then_a_word_of_another_names_the_story_meant(
    commands, store, clock, talks, both, text, start
):
    _, item = store.ingest_item(new_item(7, at=clock.now()))
    store.commit_decisions([Judgement(both.id, item.id, True, 0.9)], [], {}, [], clock.now())
    assert (await commands.handle(req("follow anthropic"))).ok
    reply = await commands.handle(req(text.format(url=item.url)))
    assert not reply.ok and reply.text.startswith(
        f"{start} Did you mean `anthropic-pentagon`? Usage: "
    ), reply.text
    assert len(store.bindings_for_channel("slack", "C1")) == 1
    assert store.get_story("anthropic") is not None
    assert store.item_corrections(item.id) == []


def _subs(store) -> list[tuple[str, int | None]]:
    return [(s.query, s.story_id) for s in store.list_subscriptions("slack", "U1")]


@pytest.mark.parametrize(
    "option",
    [
        "--story anthropic pentagon",
        "--story=anthropic pentagon",
        "story:anthropic pentagon",
        "--story Anthropic Pentagon",
    ],
)
async def test_subscribe_story_option_read_two_ways_is_refused_naming_both(
    commands, store, both, option
):
    # it subscribed to "chips AND pentagon" for anthropic, without a word on the other
    reply = await commands.handle(req(f"subscribe chips {option}"))
    first, word = option.replace("=", " ").replace(":", " ").split()[1:]
    assert not reply.ok and reply.text == (
        f"`{option}` reads two ways: the story `anthropic` with '{word}' among the keywords, "
        "or the story `anthropic-pentagon`. Nothing was subscribed. Say "
        f"`/story subscribe chips --story anthropic-pentagon` or "
        f"`/story subscribe chips {word} --story anthropic`."
    ), reply.text
    assert _subs(store) == []
    # each reading, said as the reply says it, is taken
    reply = await commands.handle(req("subscribe chips --story anthropic-pentagon"))
    assert reply.ok and "on-topic for anthropic-pentagon" in reply.text, reply.text
    reply = await commands.handle(req(f"subscribe chips {word} --story anthropic"))
    assert reply.ok and "on-topic for anthropic that" in reply.text, reply.text


async def test_subscribe_story_option_before_the_keywords_read_two_ways(commands, store, both):
    reply = await commands.handle(req("subscribe --story anthropic pentagon chips"))
    assert not reply.ok and reply.text == (
        "`--story anthropic pentagon` reads two ways: the story `anthropic` with 'pentagon' "
        "among the keywords, or the story `anthropic-pentagon`. Nothing was subscribed. Say "
        "`/story subscribe chips --story anthropic-pentagon` or "
        "`/story subscribe pentagon chips --story anthropic`."
    ), reply.text
    assert _subs(store) == []


async def test_unsubscribe_story_option_read_two_ways_removes_nothing(commands, store, both):
    for text in ("subscribe chips pentagon --story anthropic", "subscribe chips --story pentagon"):
        assert (await commands.handle(req(text))).ok
    before = _subs(store)
    reply = await commands.handle(req("unsubscribe chips --story anthropic pentagon"))
    assert not reply.ok and reply.text.startswith(
        "`--story anthropic pentagon` reads two ways: the story `anthropic` with 'pentagon' "
        "among the keywords, or the story `anthropic-pentagon`. Nothing was removed. Say "
        "`/story unsubscribe chips --story anthropic-pentagon` or "
        "`/story unsubscribe chips pentagon --story anthropic`."
    ), reply.text
    assert _subs(store) == before


@pytest.mark.parametrize(
    "option",
    [
        "--story anthropic pentagon",
        '--story "anthropic pentagon"',
        "--story \u201canthropic pentagon\u201d",
        # quoted after the option or its sign, as `status 'anthropic pentagon'` reads it:
        # single quotes were "There is no story named ''anthropic'", --story="..."
        # "--story needs a story name after it", and story:"..." a subscription to every
        # item with the keywords "story:" and "anthropic pentagon"
        "--story 'anthropic pentagon'",
        "--story \u2018Anthropic Pentagon\u2019",  # as phones and Slack's smart quotes type it
        '--story="anthropic pentagon"',
        "--story=\u201canthropic pentagon\u201d",
        "--story='anthropic pentagon'",
        'story:"anthropic pentagon"',
    ],
)
async def test_subscribe_story_option_that_spells_one_story_is_that_story(
    commands, store, talks, option
):
    # no story "anthropic": the words can only be the name of anthropic-pentagon, as
    # `status anthropic pentagon` reads them; it said "There is no story named 'anthropic'"
    reply = await commands.handle(req(f"subscribe chips {option}"))
    assert reply.ok and reply.text == (
        "Subscribed (#1): chips. You will get a DM for each new item on-topic for "
        "anthropic-pentagon that matches."
    ), reply.text
    reply = await commands.handle(req(f"unsubscribe chips {option}"))
    assert reply.ok and reply.text == "Unsubscribed #1: chips (story anthropic-pentagon)"


async def test_subscribe_story_option_of_one_story_keeps_the_words_after_it_as_keywords(
    commands, store, clock
):
    store.add_story("anthropic", "Anthropic", [SeedDoc("Lab", "text")], clock.now())
    reply = await commands.handle(req("subscribe chips --story anthropic pentagon"))
    assert reply.ok and reply.text.startswith(
        "Subscribed (#1): chips AND pentagon. You will get a DM for each new item on-topic "
        "for anthropic that matches."
    ), reply.text
    # a name that spells no story is refused with the story its words probably mean
    reply = await commands.handle(req("subscribe chips --story antropic pentagon"))
    assert not reply.ok and "Did you mean `anthropic`?" in reply.text, reply.text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        # single quotes around the keywords stay a phrase, and apostrophes in words
        ("subscribe 'supply chain' --story pentagon", '"supply chain"'),
        ("subscribe --story pentagon 'supply chain'", '"supply chain"'),
        ("subscribe Trump's 'supply chain' --story pentagon", 'trump\'s AND "supply chain"'),
        ("subscribe O'Brien --story pentagon", "o'brien"),
        # a quoted phrase that holds the option's words is searched, as with double quotes
        ("subscribe '--story pentagon' chips", '"--story pentagon" AND chips'),
    ],
)
async def test_single_quoted_keywords_beside_a_story_option_stay_keywords(
    commands, store, talks, text, shown
):
    reply = await commands.handle(req(text))
    assert reply.ok and reply.text.startswith(f"Subscribed (#1): {shown}."), reply.text


async def test_a_story_option_read_two_ways_one_without_keywords_says_a_command_that_works(
    commands, store, both
):
    # the reading "the story anthropic-pentagon" leaves no keywords: it was said as
    # `/story subscribe  --story anthropic-pentagon`, which is refused for its lack
    reply = await commands.handle(req("subscribe --story anthropic pentagon"))
    assert not reply.ok and reply.text == (
        "`--story anthropic pentagon` reads two ways: the story `anthropic` with 'pentagon' "
        "among the keywords, or the story `anthropic-pentagon`. Nothing was subscribed. Say "
        "`/story subscribe <keywords> --story anthropic-pentagon` or "
        "`/story subscribe pentagon --story anthropic`."
    ), reply.text
    on_discord = CommandRequest(
        "subscribe --story anthropic pentagon", "discord", "U1", "C1", is_admin=True
    )
    reply = await commands.handle(on_discord)
    assert reply.text.endswith(
        "Say `/story subscribe query:<keywords> story:anthropic-pentagon` or "
        "`/story subscribe query:pentagon story:anthropic`."
    ), reply.text
    reply = await commands.handle(req("unsubscribe --story anthropic pentagon"))
    assert reply.text.endswith(
        "Say `/story unsubscribe <id|keywords> --story anthropic-pentagon` or "
        "`/story unsubscribe pentagon --story anthropic`."
    ), reply.text
    assert _subs(store) == []
