"""How ``/story`` commands read the words typed after them: numbers of any length, any
whitespace after the command, feed URLs (their keys hidden, their length bounded), digest
hours, a ``why`` without a link, and a story named in a newsroom without stories.

Through the real ``Commands`` against a real SQLite store, and the ``storybot`` command
line where it shares a rule with chat.
"""

from __future__ import annotations

import pytest
from test_commands import commands, store  # noqa: F401  (fixtures)
from test_commands_developments import develop

from adapters.cli import main
from bot.command_specs import admin_command
from bot.commands import Commands
from bot.model import CommandRequest, DeliveryMode, SeedDoc
from storage import open_store

HUGE = "1" * 5000  # more digits than int() reads (4,300)
SHOWN = "1" * 19 + "…"  # as replies echo it, shortened


def req(
    text: str, *, admin: bool = False, platform: str = "slack", channel: str | None = "C1"
) -> CommandRequest:
    return CommandRequest(
        text=text, platform=platform, user_id="U1", channel_id=channel, is_admin=admin
    )


# ---------------------------------------------------------------- numbers of any length


async def test_a_page_of_thousands_of_digits_is_a_page_past_the_end(commands, store, clock):
    """int() of more than 4,300 digits raised ValueError: the reply was an apology."""
    develop(store, clock, 7)
    for text in (f"developments pentagon {HUGE}", f"developments {HUGE}", f"developments +{HUGE}"):
        reply = await commands.handle(req(text))
        assert not reply.ok and not reply.usage_error, reply.text
        assert reply.text == (
            f"pentagon has 2 pages of developments (7), so there is no page {SHOWN}; "
            "`/story developments pentagon 2` shows the oldest."
        )
    # as a number that fits: the same words
    reply = await commands.handle(req("developments pentagon 99"))
    assert reply.text.startswith(
        "pentagon has 2 pages of developments (7), so there is no page 99;"
    )


async def test_which_story_for_a_page_of_thousands_of_digits_echoes_it_shortened(
    commands, store, clock
):
    store.add_story("other", "Other", [SeedDoc("Other", "text")], clock.now())
    reply = await commands.handle(req(f"developments {HUGE}"))
    assert not reply.ok and reply.text.startswith(
        f"Which story? Say `/story developments NAME {SHOWN}`."
    ), reply.text


async def test_unsubscribe_of_a_number_of_thousands_of_digits_names_no_subscription(
    commands, store
):
    assert (await commands.handle(req("subscribe oil"))).ok
    [oil] = store.list_subscriptions("slack", "U1")
    reply = await commands.handle(req(f"unsubscribe {HUGE}"))
    assert not reply.ok and reply.text == (
        f"You have no subscription '{'1' * 59}…'. See `/story subscriptions`."
    ), reply.text
    reply = await commands.handle(req(f"unsubscribe #{HUGE}"))
    assert not reply.ok and reply.text.startswith("You have no subscription '#1111"), reply.text
    reply = await commands.handle(req(f"unsubscribe {oil.id} {HUGE}"))
    assert not reply.ok and reply.text == (
        f"You have no subscription #{SHOWN}; nothing was removed. See `/story subscriptions`."
    ), reply.text
    assert store.list_subscriptions("slack", "U1") == [oil]


async def test_feeds_remove_of_a_number_of_thousands_of_digits_names_no_feed(commands, store):
    reply = await commands.handle(req(f"feeds remove #{HUGE}", admin=True))
    assert not reply.ok and reply.text == (
        f"No polled feed is numbered #{SHOWN}. See `/story feeds`."
    ), reply.text


# ---------------------------------------------------------------- whitespace after the name


@pytest.mark.parametrize("space", ["\t", "\n", "\u00a0", "\r\n", "\t "])
async def test_any_whitespace_separates_a_command_from_its_arguments(commands, store, space):
    """Slack sends multi-line text; a tab or a non-breaking space is whitespace too."""
    status = await commands.handle(req(f"status{space}pentagon"))
    assert status.ok and status.text == (await commands.handle(req("status pentagon"))).text
    helped = await commands.handle(req(f"help{space}status"))
    assert helped.ok and helped.text == (await commands.handle(req("help status"))).text
    subscribed = await commands.handle(req(f"subscribe{space}pentagon"))
    assert subscribed.ok, subscribed.text
    assert [s.query for s in store.list_subscriptions("slack", "U1")] == ["pentagon"]


@pytest.mark.parametrize(
    ("text", "admin"),
    [
        ("follow\tpentagon", "follow"),
        ("feeds\nadd https://feeds.example/a.xml", "feeds add"),
        ("feeds\u00a0remove\t#1", "feeds remove"),
        ("stories\tadd x https://news.example/a", "stories add"),
    ],
)
async def test_an_admin_command_after_any_whitespace_still_needs_an_admin(
    commands, store, text, admin
):
    assert admin_command(text) == admin
    reply = await commands.handle(req(text))
    assert not reply.ok and reply.text.startswith(f"Only admins may use `{admin}`")
    assert store.list_feeds() == [] and store.bindings_for_channel("slack", "C1") == []


# ---------------------------------------------------------------- feed URLs


async def test_feeds_add_and_remove_hide_the_password_of_a_feed_url(commands, store):
    url = "http://user:secret@feeds.example/a.xml"
    added = await commands.handle(req(f"feeds add {url}", admin=True))
    assert added.ok and added.text == (
        "Added feed #1: http://user:***@feeds.example/a.xml. "
        "It is fetched from the next poll cycle on."
    )
    again = await commands.handle(req(f"feeds add {url}", admin=True))
    assert not again.ok and again.text == "http://user:***@feeds.example/a.xml is already polled."
    other = await commands.handle(
        req("feeds remove http://user:secret@feeds.example/b.xml", admin=True)
    )
    assert not other.ok and other.text == (
        "http://user:***@feeds.example/b.xml is not one of the polled feeds. See `/story feeds`."
    )
    broken = await commands.handle(req("feeds add http://user:secret@feeds.example:0/", admin=True))
    assert not broken.ok and broken.text.startswith(
        "'http://user:***@feeds.example:0/' is not a valid feed URL: its port"
    ), broken.text
    assert [f.url for f in store.list_feeds()] == [url]


async def test_feeds_add_refuses_a_feed_url_longer_than_2048_characters(commands, store):
    longest = "https://feeds.example/" + "a" * (2048 - len("https://feeds.example/"))
    reply = await commands.handle(req(f"feeds add {longest}a", admin=True))
    assert not reply.ok and len(reply.text) < 300, reply.text
    assert "is not a valid feed URL: it is longer than 2048 characters" in reply.text
    assert store.list_feeds() == []
    reply = await commands.handle(req(f"feeds add {longest}", admin=True))
    assert reply.ok and len(reply.text) < 300, reply.text
    assert [f.url for f in store.list_feeds()] == [longest]


def test_storybot_feeds_add_refuses_a_feed_url_longer_than_2048_characters_too(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("STORYBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("STORYBOT_ALLOWED_HOSTS", "127.0.0.1")
    monkeypatch.chdir(tmp_path)
    assert main(["feeds", "add", "http://127.0.0.1:1/" + "a" * 3000]) == 2
    err = capsys.readouterr().err
    assert "is not a valid feed URL: it is longer than 2048 characters" in err, err
    assert len(err) < 300


async def test_feeds_add_takes_one_url_at_a_time_and_says_so(commands, store):
    reply = await commands.handle(
        req("feeds add https://a.example/feed.xml https://b.example/feed.xml", admin=True)
    )
    assert not reply.ok and reply.usage_error
    assert reply.text == (
        "`feeds add` takes one URL at a time: it does not take 'https://b.example/feed.xml'. "
        "Usage: /story feeds add <url>"
    )
    reply = await commands.handle(
        req(
            "feeds add https://a.example/x.xml https://b.example/y.xml",
            admin=True,
            platform="discord",
        )
    )
    assert reply.text.endswith("Usage: /story feeds add url:<url>"), reply.text
    reply = await commands.handle(req("feeds remove #1 #2", admin=True))
    assert reply.text == (
        "`feeds remove` takes one feed at a time: it does not take '#2'. "
        "Usage: /story feeds remove <url | #number>"
    )
    assert store.list_feeds() == []


# ---------------------------------------------------------------- digest hours


async def test_digest_hours_are_a_number_optionally_followed_by_h(commands, store):
    """'2H' said "must be a number" while '2h' was taken."""
    for typed, hours in [("6", 6), ("1.5", 1.5), ("2h", 2), ("2H", 2), (".5h", 0.5), ("24.", 24)]:
        reply = await commands.handle(req(f"follow pentagon digest {typed}", admin=True))
        assert reply.ok, (typed, reply.text)
        [binding] = store.bindings_for_channel("slack", "C1")
        assert binding.mode is DeliveryMode.DIGEST and binding.digest_hours == hours, typed


@pytest.mark.parametrize("typed", ["3hhhh", "1_2", "90m", "1e1", "h", "2hh", "nan", "six"])
async def test_digest_hours_in_another_form_are_refused_naming_the_form(commands, store, typed):
    reply = await commands.handle(req(f"follow pentagon digest {typed}", admin=True))
    assert not reply.ok and reply.usage_error, reply.text
    assert reply.text.startswith(
        f"Digest hours must be a number of hours such as 6 or 1.5, not '{typed}'."
    ), reply.text
    assert store.bindings_for_channel("slack", "C1") == []


# ---------------------------------------------------------------- why without a link


@pytest.mark.parametrize("typed", ["17", "-1", "abc", "1.5"])
async def test_why_without_a_link_says_it_takes_an_items_link(commands, typed):
    reply = await commands.handle(req(f"why {typed}"))
    assert not reply.ok and reply.usage_error
    assert reply.text == (
        f"`why` takes an item's link, and '{typed}' is none. Usage: /story why <item url>"
    )
    # a link, with or without its scheme, is looked up
    for link in ("https://nowhere.example/x", "nowhere.example/x", "http://localhost/x"):
        unseen = await commands.handle(req(f"why {link}"))
        assert not unseen.ok and unseen.text.startswith("storybot has not seen an item at ")


# ---------------------------------------------------------------- no stories yet


async def test_a_story_named_in_a_newsroom_without_stories_says_how_to_add_one(sqlite_url, clock):
    empty = open_store(sqlite_url)
    try:
        commands = Commands(empty, clock)
        status = await commands.handle(req("status"))
        assert status.text.startswith("There are no stories yet. An operator adds one with ")
        for text in ("follow x", "status x", "developments x", "subscribe oil --story x"):
            reply = await commands.handle(req(text, admin=True))
            assert not reply.ok and reply.text == f"There is no story named 'x'. {status.text}"

        async def loader(urls):  # never called: no story is added here
            raise AssertionError(urls)

        chat_adds = Commands(empty, clock, seed_loader=loader)
        status = await chat_adds.handle(req("status"))
        assert "Admins add one with `/story stories add" in status.text
        reply = await chat_adds.handle(req("follow x", admin=True))
        assert reply.text == f"There is no story named 'x'. {status.text}"
    finally:
        empty.close()


# ---------------------------------------------------------------- numbers in the config file


def test_a_discord_server_id_of_thousands_of_digits_is_refused_at_load_not_a_traceback(
    tmp_path, monkeypatch, capsys
):
    """int() of the ID raised ValueError out of load_settings: `storybot` printed a traceback."""
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "storybot.toml"
    config.write_text(f'[discord]\ndev_guild_id = "{HUGE}"\n')
    assert main(["--config", str(config), "story", "list"]) == 2
    err = capsys.readouterr().err
    assert "[discord] dev_guild_id must be a server ID, digits only" in err
    assert len(err) < 400 and "Traceback" not in err, err[:400]
