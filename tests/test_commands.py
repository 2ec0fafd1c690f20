"""The platform-neutral /story commands against a real SQLite store."""

from __future__ import annotations

import random
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest
from feedserver import feed_server_fixture  # noqa: F401 -- the feed_server fixture
from sqlalchemy import event
from store_builders import new_item

from adapters.feeds.netguard import AddressGuard
from bot.command_specs import SPECS, changing_command, install_command
from bot.commands import COMMANDS, Commands, admin_command, help_text
from bot.model import (
    CommandRequest,
    DeliveryMode,
    InstallAccess,
    Item,
    Judgement,
    MessageKind,
    OutboundMessage,
    Reply,
    SeedDoc,
    Target,
)
from bot.ports import DevelopmentWrite, OutboxWrite
from storage import open_store

pytest_plugins = ["store_fixtures"]  # db_url: SQLite and PostgreSQL, for the race below


@pytest.fixture
def store(migrated_sqlite_url, clock):
    s = open_store(migrated_sqlite_url)
    s.add_story(
        "pentagon",
        "Anthropic reopens Pentagon talks",
        [SeedDoc("Anthropic reopens talks", "text")],
        clock.now(),
    )
    yield s
    s.close()


@pytest.fixture
def commands(store, clock):
    return Commands(store, clock)


def req(
    text: str, *, admin: bool = False, user: str = "U1", channel: str | None = "C1"
) -> CommandRequest:
    return CommandRequest(
        text=text, platform="slack", user_id=user, channel_id=channel, is_admin=admin
    )


async def test_help_lists_every_command(commands):
    reply = await commands.handle(req("help"))
    assert reply.ok
    for spec in COMMANDS:
        assert spec.usage in reply.text


@pytest.mark.parametrize("name", sorted(SPECS))
async def test_every_command_is_answered_by_its_handler(commands, name):
    """Each command of the table reaches a handler (``Commands`` names them in a table of
    its own): one left out would be answered with the apology of an unexpected error."""
    reply = await commands.handle(req(name, admin=True))
    assert not reply.text.startswith("Sorry, something went wrong"), reply.text


@pytest.mark.parametrize("platform", ["slack", "discord"])
async def test_help_in_chat_lists_each_command_as_code_without_padding(commands, platform):
    """Chat shows replies in a proportional font: the terminal's padded columns came out
    as runs of up to 70 spaces in mid-line. Each command is a code span instead (Slack
    escapes nothing in it, Discord shows its | as typed)."""
    reply = await commands.handle(CommandRequest("help", platform, "U1", "C1"))
    lines = reply.text.splitlines()[1:]
    assert len(lines) == len(COMMANDS)
    for line, spec in zip(lines, COMMANDS, strict=True):
        assert line == f"• `{spec.usage_for(platform)}`: {spec.overview_for(platform)}"
    console = await commands.handle(CommandRequest("help", "console", "U1", "C1"))
    assert "  /story status [story]  " in console.text  # the terminal keeps its columns


@pytest.mark.parametrize("platform", ["slack", "discord", "console"])
async def test_the_help_of_every_command_shortens_a_long_summary_to_one_naming_its_help(
    commands, platform
):
    # follow's summary is a paragraph (digests at a time of day, with examples): in the
    # list of every command it is one line naming the help that tells the rest, which
    # keeps Discord's list well inside one message (it was 1,976 of 2,000 characters)
    option = "command:" if platform == "discord" else ""
    everything = (await commands.handle(CommandRequest("help", platform, "U1", "C1"))).text
    assert "digest 24 at 09:00" not in everything and "hours:24 at:09:00" not in everything
    assert f"at a time of day if you like (`/story help {option}follow` tells how)." in everything
    if platform == "discord":
        assert len(everything) <= 1800, len(everything)
    follow = (await commands.handle(CommandRequest("help follow", platform, "U1", "C1"))).text
    assert SPECS["follow"].summary_for(platform, "UTC") in follow


@pytest.mark.parametrize("platform", ["slack", "discord", "console"])
def test_each_commands_help_is_one_form_after_one_story_prefix(platform):
    """One command's help line is one form, alternatives in brackets: "/story feeds list |
    feeds add url:<url>" read as if "feeds add" were typed without /story."""
    for spec in COMMANDS:
        form = spec.usage_for(platform)
        assert form.count("/story") <= 1, form
        assert f"| {spec.name} " not in form, form


async def test_discords_follow_help_shows_the_options_discord_takes(commands):
    # "such as 6, 1.5 or 2h" and "digest 24 at 09:00" are typed forms: Discord's hours
    # option is a number (2h cannot be entered) and at is an option of its own (the list
    # of every command gives follow one line without them, naming this help)
    reply = await commands.handle(CommandRequest("help follow", "discord", "U1", "C1"))
    follow = next(line for line in reply.text.splitlines() if "every so many hours" in line)
    assert "2h" not in follow and "digest 24 at 09:00" not in follow, follow
    assert "hours:24 at:09:00 is daily at 09:00" in follow, follow
    slack = (await commands.handle(req("help follow"))).text
    assert "such as 6, 1.5 or 2h" in slack and "digest 24 at 09:00 is daily" in slack


@pytest.mark.parametrize("platform", ["slack", "discord"])
async def test_follow_help_says_a_digest_with_nothing_new_is_not_posted(commands, platform):
    # a channel that sees no digest at its time should not take storybot for broken
    reply = await commands.handle(CommandRequest("help follow", platform, "U1", "C1"))
    assert "new since the last one, then what later reports added to those an earlier one " in (
        reply.text
    ), reply.text
    assert "listed; with neither, none is posted." in reply.text, reply.text


def test_discords_feeds_help_says_a_subcommand_must_be_chosen():
    # /story feeds is a group of subcommands on Discord: "/story feeds" alone cannot be
    # typed there, so its choices are not shown as optional
    (feeds,) = [spec for spec in COMMANDS if spec.name == "feeds"]
    assert feeds.usage_for("discord") == (
        "/story feeds (list | add url:<url> | remove url:<url | #number>)"
    )


@pytest.mark.parametrize("platform", ["slack", "discord"])
async def test_unsubscribing_from_nothing_quotes_what_was_asked_not_the_option_syntax(
    commands, platform
):
    """On Discord the user filled in target:5 story:pentagon; "--story" is nothing they typed."""
    reply = await commands.handle(
        CommandRequest("unsubscribe bakery --story pentagon", platform, "U1", "C1")
    )
    assert not reply.ok
    assert reply.text.startswith("You have no subscription 'bakery' for pentagon.")
    assert "--story" not in reply.text


async def test_help_for_one_command_and_unknown_ones(commands):
    assert "subscribe <keywords>" in (await commands.handle(req("help subscribe"))).text
    reply = await commands.handle(req("help nope"))
    assert not reply.ok and "no command 'nope'" in reply.text


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("help stories add", "stories"),
        ("help feeds add", "feeds"),
        ("help FEEDS remove #3", "feeds"),
        ("help subscribe bakery -bread", "subscribe"),
        ("help follow now", "follow"),
    ],
)
async def test_help_for_a_command_with_more_words_shows_that_commands_help(commands, text, command):
    """`help stories add` was refused ("`help` does not take 'add'"): the words after a
    command are that command's own, and its help covers them."""
    reply = await commands.handle(req(text))
    assert reply.ok and reply.text == help_text(command, "slack", "UTC")


@pytest.mark.parametrize(
    ("text", "command"),
    [("help /story status", "status"), ("help /STORY feeds add", "feeds"), ("help /story", None)],
)
async def test_help_takes_a_command_written_after_story_as_the_help_writes_it(
    commands, text, command
):
    """`storybot ask "help /story status"` said "There is no command '/story'"."""
    reply = await commands.handle(req(text))
    assert reply.ok and reply.text == help_text(command, "slack", "UTC"), reply.text


async def test_unknown_command_names_it_and_shows_help(commands):
    reply = await commands.handle(req("frobnicate now"))
    assert not reply.ok
    assert "Unknown command 'frobnicate'" in reply.text and "/story status" in reply.text
    assert "Did you mean" not in reply.text


@pytest.mark.parametrize(
    ("text", "meant"),
    [("staus", "status"), ("Subscribtions", "subscriptions"), ("unfolow pentagon", "unfollow")],
)
async def test_a_misspelt_command_says_which_command_was_probably_meant(commands, text, meant):
    reply = await commands.handle(req(text))
    assert not reply.ok and reply.usage_error
    first = reply.text.splitlines()[0]
    assert first == f"Unknown command '{text.split()[0].lower()}'. Did you mean `{meant}`?", first
    assert "/story status" in reply.text  # the help follows


@pytest.mark.parametrize(
    "text",
    [
        "status\u200b",  # a zero-width space, copied from a web page with the command
        "\ufeffstatus pentagon",  # a byte order mark
        "status pentagon\u2060",  # a word joiner
        "sta\u00adtus",  # a soft hyphen
        "status\u200f pentagon\u200e",  # right-to-left and left-to-right marks
        "\u061cstatus",  # the Arabic letter mark
    ],
)
async def test_invisible_characters_in_a_command_are_read_without_them(commands, text):
    # "Unknown command 'status\u200b'. Did you mean `status`?" shows as "Unknown command
    # 'status'. Did you mean `status`?", and "There is no story named 'pentagon'" so too
    reply = await commands.handle(req(text))
    assert reply.ok, reply.text
    assert reply.text.startswith("Anthropic reopens Pentagon talks (pentagon)"), reply.text


async def test_the_joiners_words_are_written_with_are_kept_in_a_command(commands, store):
    # the zero-width joiner and non-joiner belong to emoji sequences and Persian words
    reply = await commands.handle(req("subscribe می\u200cخواهم 👩\u200d🔬"))
    assert reply.ok, reply.text
    (sub,) = store.list_subscriptions("slack", "U1")
    assert sub.query == "می\u200cخواهم 👩\u200d🔬"


@pytest.mark.parametrize("platform", ["slack", "console"])
async def test_help_for_a_misspelt_command_says_which_command_was_probably_meant(
    commands, platform
):
    # `/story help staus` said only "There is no command 'staus'", where `/story staus`
    # names `status`; and it echoed a pasted paragraph whole
    reply = await commands.handle(CommandRequest("help staus", platform, "U1", "C1"))
    assert not reply.ok and reply.usage_error
    assert reply.text == (
        "There is no command 'staus'. Did you mean `/story help status`? Try `/story help`."
    ), reply.text
    reply = await commands.handle(CommandRequest("help " + "x" * 500, platform, "U1", "C1"))
    assert not reply.ok and len(reply.text) < 120 and "Did you mean" not in reply.text, reply.text


@pytest.mark.parametrize(
    ("text", "usage"),
    [
        ("why", True),
        ("frobnicate", True),
        ("help nope", True),
        ("follow", True),
        ("status nosuch", False),
        ("unsubscribe 99", False),
    ],
)
async def test_usage_errors_are_marked_apart_from_other_errors(commands, text, usage):
    reply = await commands.handle(req(text, admin=True))
    assert not reply.ok and reply.usage_error is usage


async def test_empty_command_shows_help(commands):
    assert (await commands.handle(req(""))).text == help_text(platform="slack")


async def test_status_describes_the_story_and_feed_health(commands, store, clock):
    store.add_feed("https://feeds.example/a.xml", clock.now())
    reply = await commands.handle(req("status"))
    assert reply.ok
    assert "Anthropic reopens Pentagon talks (pentagon)" in reply.text
    assert "Feeds: 0 ok, 0 failing, 1 not polled yet." in reply.text


async def test_status_in_a_channel_that_follows_no_story_says_how_to_get_alerts_there(
    commands, store, clock
):
    hint = (
        "This channel follows no story: admins get its alerts here with `/story follow pentagon`."
    )
    reply = await commands.handle(req("status"))
    assert reply.ok and reply.text.endswith(f"\n{hint}"), reply.text
    discord = CommandRequest("status", "discord", "U1", "C9")
    assert (await commands.handle(discord)).text.endswith(
        "\nThis channel follows no story: admins get its alerts here with "
        "`/story follow story:pentagon`."
    )
    # a DM cannot follow a story, the console follows by itself, and a channel that
    # follows another story knows how
    dm = CommandRequest("status", "slack", "U1", "D1", direct_message=True)
    console = CommandRequest("status", "console", "operator", "terminal", is_admin=True)
    for asked in (dm, console, req("status", channel=None)):
        assert "follows no story" not in (await commands.handle(asked)).text
    store.add_story("chips", "Chips", [SeedDoc("Chips", "text")], clock.now())
    assert (await commands.handle(req("follow chips", admin=True))).ok
    reply = await commands.handle(req("status pentagon"))
    assert "follows no story" not in reply.text and "This channel follows" not in reply.text
    reply = await commands.handle(req("status chips"))
    assert reply.text.endswith("\nThis channel follows this story (realtime).")


async def test_status_of_an_unknown_story_lists_known_ones(commands):
    reply = await commands.handle(req("status nosuch"))
    assert not reply.ok and "Known stories: pentagon" in reply.text


@pytest.mark.parametrize(
    "text",
    [
        "status {}",
        "follow {}",
        "unfollow {}",
        "developments {}",
        "subscribe hegseth --story {}",
        "subscribe hegseth --story={}",
        "stories remove {}",
    ],
)
@pytest.mark.parametrize(
    "typed", ["antropic-pentagon", "anthropic_pentagon", "anthropicpentagon", "Antropic-Pentagon"]
)
async def test_a_story_name_close_to_a_known_one_says_which_was_probably_meant(
    commands, store, clock, text, typed
):
    # a typo, "_" for "-", a hyphen missing: every command naming a story listed the
    # known stories and left the user to spot the one they meant
    store.add_story("anthropic-pentagon", "Talks", [SeedDoc("Talks", "text")], clock.now())
    reply = await commands.handle(req(text.format(typed), admin=True))
    assert not reply.ok and reply.text == (
        f"There is no story named '{typed}'. Did you mean `anthropic-pentagon`? "
        "Known stories: pentagon, anthropic-pentagon."
    ), reply.text
    assert store.list_subscriptions("slack", "U1") == []
    assert store.bindings_for_channel("slack", "C1") == []


async def test_a_story_name_close_to_none_suggests_none(commands):
    reply = await commands.handle(req("status gaza"))
    assert reply.text == "There is no story named 'gaza'. Known stories: pentagon.", reply.text


async def test_a_story_name_typed_in_other_case_finds_the_story(commands):
    reply = await commands.handle(req("status PENTAGON"))
    assert reply.ok and "Anthropic reopens Pentagon talks (pentagon)" in reply.text


async def test_stories_lists_them(commands):
    assert (
        "pentagon: Anthropic reopens Pentagon talks" in (await commands.handle(req("stories"))).text
    )


async def test_subscribe_list_and_unsubscribe_by_id_and_by_text(commands, store):
    reply = await commands.handle(req('subscribe "supply chain" AND pentagon'))
    assert reply.ok, reply.text
    assert "Subscribed (#" in reply.text
    reply = await commands.handle(req("subscribe claude --story pentagon"))
    assert reply.ok and "on-topic for pentagon" in reply.text

    listing = (await commands.handle(req("subscriptions"))).text
    assert '"supply chain" AND pentagon' in listing and "claude (story pentagon)" in listing
    assert "no subscriptions" in (await commands.handle(req("subscriptions", user="U2"))).text

    subs = store.list_subscriptions("slack", "U1")
    assert (await commands.handle(req(f"unsubscribe #{subs[0].id}"))).ok
    assert (await commands.handle(req("unsubscribe CLAUDE"))).ok
    assert store.list_subscriptions("slack", "U1") == []
    assert not (await commands.handle(req("unsubscribe 999"))).ok


async def test_unsubscribe_takes_several_numbers_all_or_nothing(commands, store):
    for query in ("oil", "gas", "coal", "wind"):
        assert (await commands.handle(req(f"subscribe {query}"))).ok
    oil, gas, coal, wind = (s.id for s in store.list_subscriptions("slack", "U1"))
    reply = await commands.handle(req(f"unsubscribe {oil} {gas}"))
    assert reply.ok and reply.text == f"Unsubscribed 2 subscriptions: #{oil}: oil; #{gas}: gas"
    # one of them is not yours (or is gone): nothing is removed
    reply = await commands.handle(req(f"unsubscribe #{coal}, #{oil}"))
    assert not reply.ok and reply.text == (
        f"You have no subscription #{oil}; nothing was removed. See `/story subscriptions`."
    )
    reply = await commands.handle(req(f"unsubscribe {wind + 2} {coal} {wind + 1}"))
    assert not reply.ok and reply.text.startswith(
        f"You have no subscriptions #{wind + 1}, #{wind + 2}; nothing was removed."
    )
    assert [s.query for s in store.list_subscriptions("slack", "U1")] == ["coal", "wind"]
    assert (await commands.handle(req(f"unsubscribe #{coal}, #{wind}"))).ok
    assert store.list_subscriptions("slack", "U1") == []


@pytest.mark.parametrize("query", ['"unbalanced', "AND", "NOT pentagon", "()", ""])
async def test_subscribe_rejects_bad_queries_clearly(commands, query):
    reply = await commands.handle(req(f"subscribe {query}"))
    assert not reply.ok
    assert reply.text  # a message, not an exception


@pytest.mark.parametrize("query", ["a", "the", "The OR a"])
async def test_subscribe_refuses_words_every_item_has(commands, store, query):
    reply = await commands.handle(req(f"subscribe {query}"))
    assert not reply.ok
    assert "would match almost every item" in reply.text and "too common" in reply.text
    assert "\n" not in reply.text
    assert store.list_subscriptions("slack", "U1") == []


async def test_admin_commands_need_an_admin(commands, store):
    reply = await commands.handle(req("feeds add https://feeds.example/x.xml"))
    assert not reply.ok and "admins" in reply.text
    assert store.list_feeds() == []
    reply = await commands.handle(req("feeds add https://feeds.example/x.xml", admin=True))
    assert reply.ok and store.get_feed("https://feeds.example/x.xml") is not None
    assert not (await commands.handle(req("follow pentagon"))).ok


@pytest.mark.parametrize(
    ("platform", "who"),
    [
        ("slack", "workspace admins and owners"),
        ("discord", "the Manage Server permission"),
    ],
)
async def test_an_admin_refusal_names_the_role_the_platform_asks_for(commands, platform, who):
    """A Discord moderator is a "server admin" to many; what storybot checks is Manage
    Server (on Slack, the workspace role): the refusal says which, so they know whom to ask."""
    refused = await commands.handle(CommandRequest("follow pentagon", platform, "U1", "C1"))
    assert not refused.ok and "Only admins may use `follow`" in refused.text
    assert who in refused.text


async def test_admin_rights_the_platform_could_not_check_are_no_refusal(commands, store):
    unknown = CommandRequest("follow pentagon", "slack", "U1", "C1", is_admin=None)
    reply = await commands.handle(unknown)
    assert not reply.ok and "Only admins" not in reply.text
    assert "couldn't check your Slack role right now" in reply.text and "try again" in reply.text
    assert store.list_bindings() == []
    # commands that need no admin do not care
    status = await commands.handle(CommandRequest("status", "slack", "U1", "C1", is_admin=None))
    assert status.ok


ADMIN_COMMANDS = [  # text after /story, the admin command it runs (None: anyone may)
    ("follow pentagon", "follow"),
    ("FOLLOW pentagon digest 6", "follow"),
    ("unfollow pentagon", "unfollow"),
    ("feeds add https://feeds.example/x.xml", "feeds add"),
    ("feeds  Remove https://feeds.example/x.xml", "feeds remove"),
    ("feeds add", "feeds add"),  # a usage mistake, but still an admin's command
    ("status", None),
    ("status pentagon", None),
    ("stories", None),
    ("subscribe pentagon --story pentagon", None),
    ("unsubscribe 1", None),
    ("subscriptions", None),
    ("feeds", None),
    ("feeds list", None),
    ("why https://example.com/a", None),
    ("wrong https://example.com/a", "wrong"),
    ("WRONG https://example.com/a pentagon", "wrong"),
    ("wrong", "wrong"),  # a usage mistake, but still an admin's command
    ("help follow", None),
    ("help wrong", None),
    ("", None),
    ("nonsense follow", None),
]


@pytest.mark.parametrize(("text", "admin"), ADMIN_COMMANDS)
async def test_admin_command_names_exactly_the_commands_that_check_rights(commands, text, admin):
    assert admin_command(text) == admin
    # the handler asks for rights on exactly these: the rest never need the platform's answer
    reply = await commands.handle(CommandRequest(text, "slack", "U1", "C1", is_admin=None))
    assert ("couldn't check your Slack role" in reply.text) == (admin is not None)
    if admin is not None:
        assert f"(needed for `{admin}`)" in reply.text


@pytest.mark.parametrize(
    ("text", "changing"),
    [
        # every admin command changes something; the others read...
        *(
            (t, a)
            for t, a in ADMIN_COMMANDS
            if t.split()[:1] not in (["subscribe"], ["unsubscribe"])
        ),
        ("subscribe pentagon", "subscribe"),  # ...but these two, a user's own
        ("subscribe pentagon --story pentagon", "subscribe"),
        ("unsubscribe 1", "unsubscribe"),
        ("Unsubscribe 3 5", "unsubscribe"),
        ("subscribe", "subscribe"),  # a usage mistake: refused, so nothing changed
    ],
)
def test_changing_command_names_what_may_change_the_store(text, changing):
    # a Discord answer lost after the command ran is sent by DM for these (lost_answers)
    assert changing_command(text) == changing


@pytest.mark.parametrize(("text", "admin"), ADMIN_COMMANDS)
def test_install_command_names_the_admin_commands_that_change_every_channel(text, admin):
    # wrong: a correction changes what a story every channel shares takes
    install = admin if admin and admin.split()[0] in ("feeds", "stories", "wrong") else None
    assert install_command(text) == install


@pytest.mark.parametrize(
    "text",
    [
        "stories add chips https://a.example/1",
        "stories remove pentagon --yes",
        "feeds add https://feeds.example/x.xml",
        "feeds remove https://feeds.example/x.xml",
        "wrong https://news.example/1",
    ],
)
@pytest.mark.parametrize("access", [InstallAccess.UNLISTED, InstallAccess.NO_LIST])
async def test_a_place_that_may_not_change_every_channel_changes_nothing(
    store, clock, text, access
):
    """A Discord server ``[discord] admin_servers`` does not allow: its admins, or everyone
    under "everyone", are refused the install-wide commands, naming the setting."""
    store.add_feed("https://feeds.example/x.xml", clock.now(), 900)
    story = store.get_story("pentagon")
    store.bind(story.id, "discord", "C1", DeliveryMode.REALTIME, 24, clock.now())
    _, item = store.ingest_item(new_item(1))
    store.commit_decisions([Judgement(story.id, item.id, True, 0.5)], [], {}, [], clock.now())
    before = (store.list_feeds(), store.list_stories(), store.list_bindings())
    for policy in ("admins", "everyone"):
        commands = Commands(store, clock, admin_policy=policy)
        request = CommandRequest(text, "discord", "U1", "C1", is_admin=True, install_access=access)
        reply = await commands.handle(request)
        assert not reply.ok
        assert "only in the servers `[discord] admin_servers` lists" in reply.text
        assert ("That list is empty" in reply.text) is (access is InstallAccess.NO_LIST)
    assert (store.list_feeds(), store.list_stories(), store.list_bindings()) == before
    assert store.all_corrections() == {}


async def test_follow_needs_no_install_access(commands, store):
    request = CommandRequest(
        "follow pentagon",
        "discord",
        "U1",
        "C1",
        is_admin=True,
        install_access=InstallAccess.UNLISTED,
    )
    assert (await commands.handle(request)).ok
    unfollow = CommandRequest(
        "unfollow", "discord", "U1", "C1", is_admin=True, install_access=InstallAccess.NO_LIST
    )
    assert (await commands.handle(unfollow)).ok and store.list_bindings() == []


@pytest.mark.parametrize("platform", ["slack", "console"])
async def test_slack_and_the_console_manage_the_install_as_before(commands, store, platform):
    """They set no ``install_access``: a workspace admin (the operator, at the console)
    adds and removes feeds and stories as before."""
    url = "https://feeds.example/x.xml"
    added = await commands.handle(
        CommandRequest(f"feeds add {url}", platform, "U1", "C1", is_admin=True)
    )
    assert added.ok and store.get_feed(url) is not None
    gone = await commands.handle(
        CommandRequest("stories remove pentagon --yes", platform, "U1", "C1", is_admin=True)
    )
    assert gone.ok and store.get_story("pentagon") is None


async def test_follow_in_a_direct_message_asks_for_a_channel_not_an_admin(commands, store):
    dm = CommandRequest("follow pentagon", "discord", "U1", "D1", direct_message=True)
    reply = await commands.handle(dm)
    assert not reply.ok and "server channel" in reply.text and "admins" not in reply.text
    assert store.list_bindings() == []
    assert "the channel that should get the story's alerts" in reply.text
    # unfollow: the channel that gets them (it cannot stop what it should get)
    dm = CommandRequest("unfollow pentagon", "discord", "U1", "D1", direct_message=True)
    reply = await commands.handle(dm)
    assert "run it in the channel that gets the story's alerts" in reply.text, reply.text


async def test_usage_hints_on_discord_name_its_slash_command_options(commands, store, clock):
    store.add_story("chips", "Chips", [SeedDoc("Chips", "text")], clock.now())
    discord = CommandRequest("status", "discord", "U1", None)
    assert "`/story status story:NAME`" in (await commands.handle(discord)).text
    follow = CommandRequest("follow", "discord", "U1", "C1", is_admin=True)
    assert "Usage: /story follow story:NAME" in (await commands.handle(follow)).text
    subs = await commands.handle(CommandRequest("subscriptions", "discord", "U1"))
    assert "`/story subscribe query:pentagon AND contract`" in subs.text
    # Slack and the console type the text after /story
    assert "`/story status NAME`" in (await commands.handle(req("status", channel=None))).text
    console = CommandRequest("subscribe --story", "console", "U1")
    assert (
        "Usage: /story subscribe <keywords> [--story NAME]" in (await commands.handle(console)).text
    )


async def test_subscriptions_say_when_storybot_cannot_dm_the_user(commands, store, clock):
    assert (await commands.handle(req("subscribe pentagon"))).ok
    dm = Target("slack", user_id="U1")
    store.enqueue(
        [OutboxWrite("notice:slack:U1:1", dm, OutboundMessage(MessageKind.NOTICE, "t", "b"))],
        clock.now(),
    )
    entry = store.get_outbox("notice:slack:U1:1")
    store.mark_attempt_failed(entry.id, "permanent: cannot_dm_bot", clock.now(), dead=True)
    listed = await commands.handle(req("subscriptions"))
    assert "#1: pentagon" in listed.text
    assert "storybot cannot send you direct messages: cannot_dm_bot" in listed.text
    other = await commands.handle(req("subscriptions", user="U2"))
    assert "cannot send" not in other.text


async def test_everyone_may_run_admin_commands_when_configured(store, clock):
    commands = Commands(store, clock, admin_policy="everyone")
    assert (await commands.handle(req("follow pentagon"))).ok


async def test_feeds_add_remove_and_list(commands, store):
    assert not (await commands.handle(req("feeds add ftp://x", admin=True))).ok
    assert (await commands.handle(req("feeds add <https://feeds.example/a.xml>", admin=True))).ok
    assert not (await commands.handle(req("feeds add https://feeds.example/a.xml", admin=True))).ok
    assert "https://feeds.example/a.xml" in (await commands.handle(req("feeds"))).text
    assert (await commands.handle(req("feeds remove https://feeds.example/a.xml", admin=True))).ok
    assert not (
        await commands.handle(req("feeds remove https://feeds.example/a.xml", admin=True))
    ).ok


async def test_feeds_add_polls_a_new_feed_at_the_configured_default_interval(store, clock):
    commands = Commands(store, clock, default_interval_s=3600)
    assert (await commands.handle(req("feeds add https://feeds.example/a.xml", admin=True))).ok
    assert [f.interval_s for f in store.list_feeds()] == [3600]


async def test_feeds_list_names_an_untitled_feed_by_its_url_once(commands, store):
    await commands.handle(req("feeds add https://feeds.example/a.xml", admin=True))
    listed = (await commands.handle(req("feeds"))).text
    assert "• #1 <https://feeds.example/a.xml> · new" in listed
    assert listed.count("https://feeds.example/a.xml") == 1


async def test_feeds_remove_echoes_the_url_as_it_was_stored(commands, store):
    await commands.handle(req("feeds add HTTPS://Feeds.Example:443/a.xml", admin=True))
    reply = await commands.handle(req("feeds remove HTTPS://FEEDS.example/a.xml", admin=True))
    assert reply.ok and "Removed feed https://feeds.example/a.xml." in reply.text
    assert store.list_feeds() == []


async def test_an_idn_feed_is_one_feed_in_either_spelling(commands, store):
    added = await commands.handle(req("feeds add https://例え.jp/rss", admin=True))
    assert added.ok and "https://xn--r8jz45g.jp/rss" in added.text
    again = await commands.handle(req("feeds add https://xn--r8jz45g.jp/rss", admin=True))
    assert not again.ok and "https://xn--r8jz45g.jp/rss is already polled." in again.text
    assert [f.url for f in store.list_feeds()] == ["https://xn--r8jz45g.jp/rss"]
    gone = await commands.handle(req("feeds remove https://例え.jp/rss", admin=True))
    assert gone.ok and store.list_feeds() == []


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://", "has no host name"),
        ("http:///path", "has no host name"),
        ("https://example.com:99999/", "port must be a number from 1 to 65535"),
        ("<https://feeds.example/b.xml|feeds.example/b.xml>", None),  # Slack link form
    ],
)
async def test_feeds_add_refuses_a_url_that_can_never_be_polled(commands, store, url, problem):
    reply = await commands.handle(req(f"feeds add {url}", admin=True))
    if problem is None:
        assert reply.ok
        return
    assert not reply.ok and problem in reply.text and "not a valid feed URL" in reply.text
    assert store.list_feeds() == []


async def test_feeds_add_with_a_space_in_the_url_shows_the_usage(commands, store):
    reply = await commands.handle(req("feeds add http://exa mple.com/rss", admin=True))
    assert not reply.ok and "Usage: /story feeds add <url>" in reply.text
    assert store.list_feeds() == []


async def test_feeds_add_refuses_a_host_the_poller_refuses_with_the_same_message(store, clock):
    commands = Commands(store, clock, host_check=AddressGuard().refusal)
    reply = await commands.handle(req("feeds add http://127.0.0.1:8080/rss", admin=True))
    assert not reply.ok
    assert reply.text.startswith(
        "refused: 127.0.0.1 is a loopback address; feeds, seed URLs and linked pages"
    )
    assert "STORYBOT_ALLOWED_HOSTS" in reply.text and store.list_feeds() == []
    allowed = Commands(store, clock, host_check=AddressGuard({"127.0.0.1"}).refusal)
    assert (await allowed.handle(req("feeds add http://127.0.0.1:8080/rss", admin=True))).ok


async def test_follow_binds_the_channel_with_its_mode(commands, store):
    reply = await commands.handle(req("follow pentagon digest 6", admin=True))
    assert reply.text == (
        "This channel now follows pentagon: new developments are posted as a digest every 6 "
        "hours; next at 2026-03-05 14:00 UTC."
    )
    [binding] = store.bindings_for_channel("slack", "C1")
    assert binding.mode is DeliveryMode.DIGEST and binding.digest_hours == 6
    # the status says the period as the follow reply does
    status = await commands.handle(req("status pentagon"))
    assert (
        "This channel follows this story (a digest every 6 hours; next at 2026-03-05 14:00 UTC)."
        in status.text
    )
    reply = await commands.handle(req("follow pentagon digest 6", admin=True))
    assert reply.ok and reply.text.startswith("This channel already follows pentagon: ")
    reply = await commands.handle(req("follow pentagon realtime", admin=True))
    assert reply.ok and reply.text == (
        "This channel still follows pentagon; new developments are now posted as they happen "
        "(before: as a digest every 6 hours)."
    )
    [binding] = store.bindings_for_channel("slack", "C1")
    assert binding.mode is DeliveryMode.REALTIME
    assert not (await commands.handle(req("follow pentagon weekly", admin=True))).ok
    assert not (await commands.handle(req("follow pentagon digest zero", admin=True))).ok
    assert not (await commands.handle(req("follow pentagon", admin=True, channel=None))).ok
    assert (await commands.handle(req("unfollow pentagon", admin=True))).ok
    assert store.bindings_for_channel("slack", "C1") == []
    assert not (await commands.handle(req("unfollow pentagon", admin=True))).ok


@pytest.mark.parametrize(
    ("hours", "said"),
    [
        ("0.25", "every 15 minutes"),
        ("0.5", "every 30 minutes"),
        ("1", "every hour"),  # not "every 1 hour"
        ("1.25", "every 1 hour 15 minutes"),
        ("1.5", "every 1.5 hours"),
        ("2.75h", "every 2 hours 45 minutes"),
        ("0.33", "every 0.33 hours"),  # not a whole number of minutes: as typed
    ],
)
async def test_a_digest_period_under_an_hour_is_said_in_minutes(commands, store, hours, said):
    # "a digest every 0.25 hours" left the reader to work out a quarter of an hour
    reply = await commands.handle(req(f"follow pentagon digest {hours}", admin=True))
    assert f"posted as a digest {said}; next at " in reply.text, reply.text
    status = await commands.handle(req("status pentagon"))
    assert f"This channel follows this story (a digest {said}; next at " in status.text
    reply = await commands.handle(req(f"follow pentagon digest {hours} at 09:00", admin=True))
    # a period that does not divide the day has no time of day (tests/test_digest_at.py)
    moving = f"posted as a digest {said}, at times that move through the day; next at "
    assert f"posted as a digest {said} at " in reply.text or moving in reply.text, reply.text


@pytest.mark.parametrize("platform", ["slack", "discord", "console"])
async def test_follow_help_names_storybots_time_zone(store, clock, platform):
    # "in storybot's time zone" left readers to guess which: [delivery] timezone
    asked = CommandRequest("help follow", platform, "U1", "C1")
    berlin = await Commands(store, clock, zone=ZoneInfo("Europe/Berlin")).handle(asked)
    assert "at that time in storybot's time zone, Europe/Berlin, and every so many hours" in (
        berlin.text
    ), berlin.text
    utc = await Commands(store, clock).handle(asked)
    assert "in storybot's time zone, UTC, and every so many hours after it" in utc.text


async def test_follow_help_says_the_range_of_periods_as_the_replies_do(commands):
    for platform in ("slack", "discord"):
        reply = await commands.handle(CommandRequest("help follow", platform, "U1", "C1"))
        assert "between 0.25 and 168 (every 15 minutes to every 168 hours)" in reply.text


async def test_status_says_the_digest_period_used_for_hours_stored_out_of_range(
    commands, store, clock
):
    # `default_digest_hours = inf`, before the config file was held to the range, stored
    # inf: the digests come weekly (bot.digest), and the status says so, not "inf hours"
    story = store.get_story("pentagon")
    store.bind(story.id, "slack", "C1", DeliveryMode.DIGEST, float("inf"), clock.now())
    status = await commands.handle(req("status pentagon"))
    assert (
        "This channel follows this story (a digest every 168 hours; next at 2026-03-12 08:00 UTC)."
        in status.text
    )
    # and /story follow says the same period: following with it again changes nothing
    reply = await commands.handle(req("follow pentagon digest 168", admin=True))
    assert reply.text == (
        "This channel already follows pentagon: new developments are posted as a digest "
        "every 168 hours; next at 2026-03-12 08:00 UTC."
    )
    store.bind(story.id, "slack", "C1", DeliveryMode.DIGEST, float("inf"), clock.now())
    reply = await commands.handle(req("follow pentagon realtime", admin=True))
    assert reply.text.endswith("now posted as they happen (before: as a digest every 168 hours).")


async def test_status_dates_a_development_by_its_first_report(commands, store, clock):
    from datetime import timedelta

    published = clock.now() - timedelta(days=2)  # fetched late: a backlog poll
    _, item = store.ingest_item(new_item(8, at=published + timedelta(minutes=5)))
    story = store.get_story("pentagon")
    judgement = Judgement(
        story.id, item.id, on_topic=True, score=0.5, development=1, new_development=True
    )
    dev = DevelopmentWrite(
        story.id, 1, "Senators demand the deal text", "A hearing is set.", (item.id,)
    )
    store.commit_decisions([judgement], [dev], {}, [], clock.now())
    text = (await commands.handle(req("status"))).text
    assert (
        f"1. Senators demand the deal text (first reported {published:%Y-%m-%d %H:%M} UTC)" in text
    )


async def test_status_says_which_of_its_times_is_storybots_and_which_the_outlets(
    commands, store, clock
):
    # "last report 2026-12-04 14:39 UTC" (when storybot fetched it) beside a development
    # dated "2026-03-05 17:45 UTC" (when it was published) read as one clock
    from datetime import timedelta

    published = clock.now() - timedelta(days=2)  # a backlog poll: fetched two days late
    _, item = store.ingest_item(new_item(8, at=clock.now(), published=published))
    story = store.get_story("pentagon")
    judgement = Judgement(
        story.id, item.id, on_topic=True, score=0.5, development=1, new_development=True
    )
    dev = DevelopmentWrite(
        story.id, 1, "Senators demand the deal text", "A hearing is set.", (item.id,)
    )
    store.commit_decisions([judgement], [dev], {}, [], clock.now())
    text = (await commands.handle(req("status"))).text
    assert f"last report fetched {clock.now():%Y-%m-%d %H:%M} UTC" in text, text
    assert (
        f"1. Senators demand the deal text (first reported {published:%Y-%m-%d %H:%M} UTC)" in text
    ), text


async def test_status_lists_developments_newest_first_though_an_old_one_has_a_late_copy(
    commands, store, clock
):
    from bot.ports import DevelopmentWrite

    story = store.get_story("pentagon")
    for number in (1, 2, 3):
        _, item = store.ingest_item(new_item(number, at=clock.advance(86400)))
        write = DevelopmentWrite(
            story.id, number, f"Turn {number}", f"Turn {number} came.", (item.id,)
        )
        store.commit_decisions([], [write], {}, [], clock.now())
    _, copy = store.ingest_item(new_item(9, at=clock.advance(3600)))  # a copy of turn 1, late
    write = DevelopmentWrite(story.id, 1, "Turn 1", "Turn 1 came.", (copy.id,))
    store.commit_decisions([], [write], {}, [], clock.now())
    assert (
        store.get_development(story.id, 1).updated_at
        > store.get_development(story.id, 3).updated_at
    )

    text = (await commands.handle(req("status"))).text

    listed = [line.split(" (")[0] for line in text.splitlines() if line[:2] in ("1.", "2.", "3.")]
    assert listed == ["3. Turn 3", "2. Turn 2", "1. Turn 1"]
    leads = [line.strip() for line in text.splitlines() if line.startswith("   Turn")]
    assert leads == ["Turn 3 came.", "Turn 2 came.", "Turn 1 came."]


LEAD = (
    "A bipartisan group of senators on Thursday demanded that the Pentagon hand over the "
    "full text of its tentative agreement with Anthropic, and the Senate Armed Services "
    "Committee said it would hold a hearing on military use of commercial AI models on March 18."
)


async def test_status_gives_each_lead_sentence_whole_and_once_with_the_link_of_its_report(
    commands, store, clock
):
    from bot.model import Citation

    story = store.get_story("pentagon")
    _, first = store.ingest_item(new_item(1, at=clock.now()))
    _, later = store.ingest_item(new_item(2, at=clock.advance(3600)))
    later_url = "https://news.example/2?utm=x"
    rest = "Eight senators wrote to the Defense Secretary about who would audit the deal."
    cited = (Citation(LEAD, "Outlet 2", later_url), Citation(rest, "Outlet 2", later_url))
    write = DevelopmentWrite(
        story.id, 1, "Senators demand the deal text", f"{LEAD} {rest}", (first.id, later.id), cited
    )
    store.commit_decisions([], [write], {}, [], clock.now())

    text = (await commands.handle(req("status"))).text

    assert f"   {LEAD} — Outlet 2 <{later_url}>" in text, "whole, with the link that says it"
    assert text.count("A bipartisan group") == 1, "no second line repeats the lead"
    assert "   2 reports · Outlet 1 and Outlet 2\n" in text


async def _why(commands, store, clock, n: int, reason: dict, **judged) -> Reply:
    """``/story why`` of item ``n``, judged by the story "pentagon" with ``reason``."""
    _, item = store.ingest_item(new_item(n))
    story = store.get_story("pentagon")
    judgement = Judgement(story.id, item.id, reason=reason, **judged)
    store.commit_decisions([judgement], [], {}, [], clock.now())
    return await commands.handle(req(f"why {item.url}"))


async def test_why_explains_a_weak_text_under_an_unrelated_headline(commands, store, clock):
    reason = {"score": 0.11, "threshold": 0.1, "headline_score": 0.0, "uncorroborated": True}
    reply = await _why(commands, store, clock, 7, reason, on_topic=False, score=0.11)
    assert reply.ok, reply.text
    assert "off-topic for pentagon (score 0.110: the text only just passes" in reply.text
    assert "the headline alone scores 0.000" in reply.text


async def test_why_explains_a_text_that_nearly_passes_under_a_headline_naming_the_story(
    commands, store, clock
):
    reason = {"score": 0.087, "threshold": 0.1, "support": 0.05, "headline_score": 0.22}
    reason |= {"headline_threshold": 0.3, "rescued": {"text_from": 0.08, "headline_from": 0.2}}
    reply = await _why(commands, store, clock, 7, reason, on_topic=True, score=0.087)
    assert reply.ok, reply.text
    assert "(score 0.087)\n    on-topic from 0.100\n" in reply.text
    assert (
        "the text nearly passes (from 0.080) and the headline names the story (from 0.200): "
        "on-topic"
    ) in reply.text
    assert "rescued" not in reply.text and "text_from" not in reply.text

    # rescued, then turned away by the story's off-topic background: said so
    noise = {"bar": 0.2483, "mean": 0.0432, "std": 0.0342, "items": 60}
    reply = await _why(
        commands, store, clock, 8, reason | {"below_background": noise}, on_topic=False, score=0.087
    )
    assert "off-topic for pentagon (score 0.087: below 0.248" in reply.text
    assert "it would be on-topic but for this story's unrelated items (below)" in reply.text


async def test_why_leaves_out_rules_that_decided_nothing_for_an_item_far_off_topic(
    commands, store, clock
):
    # a sports result under an AI story: its support and a headline nowhere near the
    # headline rule were two lines of numbers explaining nothing
    far = {"score": 0.011, "threshold": 0.1, "support": 0.008, "headline_score": 0.003}
    far["headline_threshold"] = 0.3
    reply = await _why(commands, store, clock, 7, far, on_topic=False, score=0.011)
    assert "• off-topic for pentagon (score 0.011)\n    on-topic from 0.100" in reply.text
    assert "support" not in reply.text and "headline alone" not in reply.text, reply.text

    near = dict(far, headline_score=0.2)  # the headline came close to the rule: said
    reply = await _why(commands, store, clock, 8, near, on_topic=False, score=0.011)
    assert "the headline alone scores 0.200; from 0.300" in reply.text


async def test_why_explains_an_item_within_the_storys_own_noise(commands, store, clock):
    reason = {
        "score": 0.183,
        "threshold": 0.1,
        "support": 0.09,
        "headline_score": 0.05,
        "below_background": {"bar": 0.2483, "mean": 0.0432, "std": 0.0342, "items": 6},
    }
    reply = await _why(commands, store, clock, 8, reason, on_topic=False, score=0.183)
    assert reply.ok, reply.text
    assert (
        "off-topic for pentagon (score 0.183: below 0.248, the top of the scores of the 6 "
        "unrelated items this story has read)"
    ) in reply.text
    assert (
        "unrelated items score 0.043 on average (standard deviation 0.034, 6 items)" in reply.text
    )
    # not blamed on the support rule
    assert "too little of it" not in reply.text and "below_background" not in reply.text


async def test_why_explains_a_headline_about_a_child_of_another_age(commands, store, clock):
    reason = {"score": 0.15, "threshold": 0.08, "support": 0.15, "headline_only": True}
    reason["other_ages"] = {"item": ["4y"], "story": ["2y", "9m"]}
    reply = await _why(commands, store, clock, 7, reason, on_topic=False, score=0.15)
    assert reply.ok, reply.text
    assert (
        "off-topic for pentagon (score 0.150: the headline is about a 4-year-old, this "
        "story's headlines about a 2-year-old or 9-month-old)"
    ) in reply.text
    assert "a child's age in the headline (4-year-old) that none of the story's" in reply.text
    assert "other_ages" not in reply.text and "too little of it" not in reply.text


async def test_why_gives_a_storys_score_once_with_its_threshold_under_the_verdict(
    commands, store, clock
):
    # the verdict said "(score 0.400)" and the line under it "score 0.400; on-topic
    # from 0.100": the threshold stays, the score is said once
    reason = {"score": 0.4, "threshold": 0.1, "development": {"closest": None}}
    reply = await _why(commands, store, clock, 7, reason, on_topic=True, score=0.4, development=1)
    assert reply.ok, reply.text
    assert (
        "• on-topic for pentagon, joined development 1 (score 0.400)\n    on-topic from 0.100\n"
    ) in reply.text
    assert reply.text.count("0.400") == 1, reply.text
    off = await _why(
        commands, store, clock, 8, {"score": 0.01, "threshold": 0.1}, on_topic=False, score=0.01
    )
    assert "• off-topic for pentagon (score 0.010)\n    on-topic from 0.100" in off.text, off.text
    assert off.text.count("0.010") == 1


async def test_why_says_a_story_from_one_article_has_a_lower_threshold(commands, store, clock):
    reason = {"score": 0.084, "threshold": 0.07, "one_seed": True, "support": 0.06}
    reply = await _why(commands, store, clock, 9, reason, on_topic=True, score=0.084)
    assert reply.ok, reply.text
    assert (
        "(score 0.084)\n    on-topic from 0.070 (lower for a story from one seed article: scores "
        "against one article run lower than against several)"
    ) in reply.text
    assert "one_seed" not in reply.text


async def test_why_for_an_unknown_url_says_so(commands):
    reply = await commands.handle(req("why https://nowhere.example/x"))
    assert not reply.ok and "has not seen" in reply.text
    assert not (await commands.handle(req("why"))).ok


def test_a_status_lead_does_not_cut_a_sentence_at_an_abbreviation() -> None:
    from bot.status_text import _first_sentence

    text = "Anthropic and the U.S. Department of Defense reached a deal. Talks went on."
    assert _first_sentence(text) == "Anthropic and the U.S. Department of Defense reached a deal."


# ---------------------------------------------------------------- the --story option


@pytest.mark.parametrize(
    "text",
    [
        "subscribe hegseth --story pentagon",
        "subscribe hegseth  --story  pentagon",
        "subscribe hegseth --story=pentagon",
        "subscribe --story pentagon hegseth",
        "subscribe hegseth \u2014story pentagon",  # a chat client's "--" turned into a dash
        "subscribe hegseth --story=PENTAGON",
    ],
)
async def test_subscribe_reads_the_story_option_with_any_spacing(commands, store, text):
    reply = await commands.handle(req(text))
    assert reply.ok, reply.text
    assert reply.text.startswith("Subscribed (#") and ": hegseth. " in reply.text
    [sub] = store.list_subscriptions("slack", "U1")
    assert sub.query == "hegseth" and sub.story_id == store.get_story("pentagon").id


async def test_subscribe_keeps_the_quoting_of_the_query_around_the_story_option(commands, store):
    reply = await commands.handle(req('subscribe "supply chain"  --story pentagon  AND dod'))
    assert reply.ok and '"supply chain" AND dod' in reply.text, reply.text
    assert store.list_subscriptions("slack", "U1")[0].query == '"supply chain" AND dod'


async def test_subscribe_reads_typographic_quotes_around_a_phrase_and_the_story_name(
    commands, store
):
    reply = await commands.handle(
        req("subscribe \u201csupply chain\u201d --story \u201cpentagon\u201d")
    )
    assert reply.ok and 'Subscribed (#1): "supply chain". ' in reply.text, reply.text
    [sub] = store.list_subscriptions("slack", "U1")
    assert sub.story_id == store.get_story("pentagon").id
    # an option inside typographic quotes is searched for, as inside straight ones
    reply = await commands.handle(req("subscribe \u201c--story pentagon\u201d hegseth"))
    assert reply.ok, reply.text
    assert store.list_subscriptions("slack", "U1")[1].story_id is None


async def test_subscribe_reply_ends_a_query_that_ends_in_a_dot_with_one_full_stop(commands):
    reply = await commands.handle(req("subscribe U.S."))
    assert reply.ok and "Subscribed (#1): u.s. You will get a DM" in reply.text, reply.text


async def test_subscribe_to_a_camelcase_hashtag_says_it_also_finds_its_words(commands):
    reply = await commands.handle(req("subscribe #ClimateChange"))
    assert reply.ok, reply.text
    assert 'Subscribed (#1): #climatechange OR "climate change". ' in reply.text, reply.text
    assert "capitals" not in reply.text


async def test_subscribe_to_a_lowercase_hashtag_says_how_to_find_its_words_too(commands):
    reply = await commands.handle(req("subscribe #climatechange"))
    assert reply.ok and "Subscribed (#1): #climatechange. " in reply.text, reply.text
    assert "#climatechange is one word" in reply.text
    assert "with capitals (#ClimateChange)" in reply.text


async def test_subscribe_with_not_in_lower_case_says_it_is_the_operator(commands, store):
    # "Trump not guilty" reads trump AND NOT guilty: told, with the phrase to write instead
    reply = await commands.handle(req("subscribe Trump not guilty"))
    assert reply.ok and "Subscribed (#1): trump AND NOT guilty. " in reply.text, reply.text
    assert 'Here "not" is the operator NOT' in reply.text
    assert 'put them between quotes: "Trump not guilty".' in reply.text
    for typed in ("Musk NOT guilty", "rock and roll", '"not guilty" Trump'):
        reply = await commands.handle(req(f"subscribe {typed}"))
        assert reply.ok and "operator" not in reply.text, reply.text


async def test_subscribe_refuses_a_query_no_item_can_match(commands, store):
    reply = await commands.handle(req("subscribe guilty and not guilty"))
    assert not reply.ok and reply.text.startswith("No item can ever match this query"), reply.text
    assert 'between quotes: "guilty and not guilty".' in reply.text
    assert store.list_subscriptions("slack", "U1") == []


async def test_subscribe_refuses_a_query_with_a_branch_no_item_can_match(commands, store):
    reply = await commands.handle(req("subscribe iran OR (pentagon -pentagon)"))
    assert not reply.ok, reply.text
    assert reply.text.startswith("The part (pentagon AND NOT pentagon) of this query"), reply.text
    assert store.list_subscriptions("slack", "U1") == []


async def test_subscribe_refuses_a_comma_list_and_says_how_to_write_it(commands, store):
    reply = await commands.handle(req("subscribe pentagon, hegseth --story pentagon"))
    assert not reply.ok and "commas do not separate keywords" in reply.text
    assert "pentagon OR dod" in reply.text
    assert store.list_subscriptions("slack", "U1") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("subscribe pentagon --story", "--story needs a story name"),
        ("subscribe pentagon --story=", "--story needs a story name"),
        ("subscribe pentagon --story -openai", "--story needs a story name"),
        ("subscribe pentagon --story pentagon --story other", "--story is given twice"),
        ("subscribe pentagon --stroy pentagon", "'--stroy' is not an option"),
        ("subscribe --pentagon", "'--pentagon' is not an option"),
        ("subscribe --story pentagon", "Usage: /story subscribe"),
    ],
)
async def test_a_misused_story_option_is_a_usage_error_not_search_words(
    commands, store, text, message
):
    reply = await commands.handle(req(text))
    assert not reply.ok and reply.usage_error, reply.text
    assert message in reply.text
    assert store.list_subscriptions("slack", "U1") == []


async def test_the_same_story_given_twice_is_that_story(commands, store):
    # on Discord, --story typed in the keywords and the story option both arrive
    reply = await commands.handle(req("subscribe hegseth --story pentagon --story Pentagon"))
    assert reply.ok, reply.text
    [sub] = store.list_subscriptions("slack", "U1")
    assert sub.query == "hegseth" and sub.story_id == store.get_story("pentagon").id


async def test_subscribe_to_an_unknown_story_lists_the_known_ones(commands, store):
    reply = await commands.handle(req("subscribe hegseth --story=nosuch"))
    assert not reply.ok and "no story named 'nosuch'" in reply.text
    assert "Known stories: pentagon" in reply.text
    assert store.list_subscriptions("slack", "U1") == []


# ---------------------------------------------------------------- duplicates


async def test_subscribing_to_the_same_query_again_is_refused_naming_the_existing_one(
    commands, store
):
    first = await commands.handle(req("subscribe bakery AND bread"))
    [sub] = store.list_subscriptions("slack", "U1")
    again = await commands.handle(req("subscribe  Bakery  bread"))
    assert first.ok and not again.ok and not again.usage_error
    assert f"already subscribed to bakery AND bread (#{sub.id})" in again.text
    assert len(store.list_subscriptions("slack", "U1")) == 1
    # another scope, another person or another query is another subscription
    assert (await commands.handle(req("subscribe bakery AND bread --story pentagon"))).ok
    assert (await commands.handle(req("subscribe bakery AND bread", user="U2"))).ok
    assert (await commands.handle(req("subscribe bakery OR bread"))).ok
    assert len(store.list_subscriptions("slack", "U1")) == 3


async def test_a_subscribe_that_loses_a_race_is_told_it_is_already_subscribed(db_url, clock):
    """Another worker (or a retry of this command) stores the same subscription between
    this command's check and its insert: the database refuses the second row, and the
    reply is the one the check gives."""
    ours, theirs = open_store(db_url), open_store(db_url)
    won = []

    def other_worker_subscribes(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        if not won and statement.lstrip().startswith("SELECT") and "subscriptions" in statement:
            won.append(theirs.add_subscription("slack", "U1", "bakery bread", None, clock.now()))

    event.listen(ours.engine, "after_cursor_execute", other_worker_subscribes)
    try:
        reply = await Commands(ours, clock).handle(req("subscribe Bakery AND bread"))
        assert won, "the command never read the user's subscriptions"
        assert not reply.ok and not reply.usage_error
        assert f"already subscribed to bakery AND bread (#{won[0].id})" in reply.text
        assert ours.list_subscriptions("slack", "U1") == won
    finally:
        event.remove(ours.engine, "after_cursor_execute", other_worker_subscribes)
        ours.close()
        theirs.close()


async def test_already_subscribed_names_the_subscription_as_stored_not_as_typed_now(
    commands, store
):
    assert (await commands.handle(req("subscribe hearing"))).ok
    [sub] = store.list_subscriptions("slack", "U1")
    again = await commands.handle(req("subscribe Hearings"))
    assert not again.ok
    assert f"already subscribed to hearing (#{sub.id})" in again.text, again.text


async def test_subscriptions_per_person_are_limited_and_the_refusal_says_what_to_do(
    commands, store, clock
):
    from bot.subscription_commands import MAX_SUBSCRIPTIONS

    for n in range(MAX_SUBSCRIPTIONS):
        store.add_subscription("slack", "U1", f"word{n}", None, clock.now())
    reply = await commands.handle(req("subscribe pentagon"))
    assert not reply.ok and f"You have {MAX_SUBSCRIPTIONS} subscriptions" in reply.text
    assert "/story unsubscribe <id>" in reply.text and "OR" in reply.text
    assert len(store.list_subscriptions("slack", "U1")) == MAX_SUBSCRIPTIONS
    # someone else is not limited by it, and one removed makes room
    assert (await commands.handle(req("subscribe pentagon", user="U2"))).ok
    assert (await commands.handle(req("unsubscribe word0"))).ok
    assert (await commands.handle(req("subscribe pentagon"))).ok


async def test_the_refusals_of_a_full_subscribe_name_unsubscribe_as_discord_types_it(db_url, clock):
    """On Discord `/story unsubscribe` takes its number as the option target:, which the
    refusals (one person's 100, the installation's cap) named in the typed form."""
    from bot.subscription_commands import MAX_SUBSCRIPTIONS

    store = open_store(db_url)
    try:
        for n in range(MAX_SUBSCRIPTIONS):
            store.add_subscription("discord", "7", f"word{n}", None, clock.now())

        def on_discord(text: str, user: str = "7") -> CommandRequest:
            return CommandRequest(text=text, platform="discord", user_id=user, channel_id="1")

        mine = await Commands(store, clock).handle(on_discord("subscribe pentagon"))
        assert not mine.ok and "`/story unsubscribe target:<id>`" in mine.text, mine.text
        # the installation's cap, reached with fewer of one's own
        full = Commands(store, clock, max_subscriptions=MAX_SUBSCRIPTIONS + 1)
        assert (await full.handle(on_discord("subscribe rail", user="8"))).ok
        refused = await full.handle(on_discord("subscribe pentagon", user="8"))
        assert "Yours keep working" in refused.text, refused.text
        assert "`/story unsubscribe target:<id>`" in refused.text, refused.text
    finally:
        store.close()


async def test_subscribe_is_refused_past_the_installations_cap_and_unsubscribe_makes_room(
    db_url, clock, caplog
):
    """[permissions] max_subscriptions: many accounts of 100 subscriptions each must not
    grow the matcher every item goes through without bound."""
    store = open_store(db_url)
    try:
        commands = Commands(store, clock, max_subscriptions=3)
        for user, query in (("U1", "rail"), ("U2", "wage"), ("U3", "strike")):
            assert (await commands.handle(req(f"subscribe {query}", user=user))).ok
        newcomer = await commands.handle(req("subscribe pentagon", user="U4"))
        assert not newcomer.ok and not newcomer.usage_error
        assert newcomer.text == (
            "No new subscriptions can be added now: storybot holds 3, the most this "
            "installation takes (`[permissions] max_subscriptions`). Ask its operator if more "
            "are needed."
        )
        # someone who has subscriptions is told they keep working, and how to make room
        refused = await commands.handle(req("subscribe pentagon", user="U1"))
        assert not refused.ok and "Yours keep working" in refused.text
        assert "/story unsubscribe <id>" in refused.text
        assert "subscribe refused: 3 subscriptions stored" in caplog.text
        # the same query again is still told it exists, not that storybot is full
        again = await commands.handle(req("subscribe rail", user="U1"))
        assert "already subscribed to rail" in again.text
        assert len(store.all_subscriptions()) == 3
        assert "rail" in (await commands.handle(req("subscriptions", user="U1"))).text
        assert (await commands.handle(req("unsubscribe rail", user="U1"))).ok
        assert (await commands.handle(req("subscribe pentagon", user="U4"))).ok
        assert not (await commands.handle(req("subscribe oil", user="U1"))).ok
        # 0: no cap
        assert (await Commands(store, clock, max_subscriptions=0).handle(req("subscribe oil"))).ok
        assert len(store.all_subscriptions()) == 4
    finally:
        store.close()


async def test_unsubscribe_by_number_with_the_story_option(commands, store, clock):
    story = store.get_story("pentagon")
    scoped = store.add_subscription("slack", "U1", "bakery", story.id, clock.now())
    plain = store.add_subscription("slack", "U1", "bread", None, clock.now())
    wrong = await commands.handle(req(f"unsubscribe #{plain.id} --story pentagon"))
    assert not wrong.ok
    assert f"#{plain.id}: bread is not for pentagon" in wrong.text, wrong.text
    assert f"/story unsubscribe {plain.id}" in wrong.text
    reply = await commands.handle(req(f"unsubscribe #{scoped.id} --story pentagon"))
    assert reply.ok and f"Unsubscribed #{scoped.id}: bakery (story pentagon)" in reply.text
    assert [s.id for s in store.list_subscriptions("slack", "U1")] == [plain.id]


@pytest.mark.parametrize("platform", ["slack", "discord"])
async def test_unsubscribe_of_a_number_that_is_also_keywords_removes_neither(
    commands, store, clock, platform
):
    # a subscription to a number ("12", or "٣" stored before a single digit of any script
    # was refused) is listed as "#2: ٣"; "unsubscribe ٣" as listed removed #3, another
    # subscription, for ٣ is also that number (here the digit of the first one's number)
    first = store.add_subscription(platform, "U1", "bakery", None, clock.now())
    digit = chr(ord("٠") + first.id)
    taken = store.add_subscription(platform, "U1", digit, None, clock.now())

    reply = await commands.handle(CommandRequest(f"unsubscribe {digit}", platform, "U1", "C1"))

    assert not reply.ok
    option = "target:" if platform == "discord" else ""
    assert reply.text == (
        f"'{digit}' is the number of your subscription #{first.id}: bakery, and the keywords "
        f"of #{taken.id}: {digit}. Nothing was removed: `/story unsubscribe {option}#{first.id}` "
        f'removes the first, `/story unsubscribe {option}"{digit}"` the second.'
    ), reply.text
    assert len(store.list_subscriptions(platform, "U1")) == 2
    # each as the reply says
    quoted = await commands.handle(CommandRequest(f'unsubscribe "{digit}"', platform, "U1", "C1"))
    assert quoted.ok and quoted.text == f"Unsubscribed #{taken.id}: {digit}", quoted.text
    store.add_subscription(platform, "U1", digit, None, clock.now())
    numbered = await commands.handle(
        CommandRequest(f"unsubscribe #{first.id}", platform, "U1", "C1")
    )
    assert numbered.ok and numbered.text == f"Unsubscribed #{first.id}: bakery", numbered.text
    # a number that is also the keywords of the same subscription removes it
    (left,) = store.list_subscriptions(platform, "U1")
    same = store.add_subscription(platform, "U1", str(left.id + 1), None, clock.now())
    assert same.id == left.id + 1
    reply = await commands.handle(CommandRequest(f"unsubscribe {same.id}", platform, "U1", "C1"))
    assert reply.ok and reply.text == f"Unsubscribed #{same.id}: {same.id}", reply.text


async def test_unsubscribe_by_keywords_removes_every_one_with_those_keywords(
    commands, store, clock
):
    # the same query in two scopes (the store holds one per scope: see test_store_contract)
    story = store.get_story("pentagon")
    for query, story_id in (("bakery", None), ("Bakery", story.id), ("pentagon", None)):
        store.add_subscription("slack", "U1", query, story_id, clock.now())
    reply = await commands.handle(req("unsubscribe bakery"))
    assert reply.ok and reply.text.startswith("Unsubscribed 2 subscriptions: #"), reply.text
    assert [s.query for s in store.list_subscriptions("slack", "U1")] == ["pentagon"]


async def test_unsubscribe_by_keywords_with_a_story_removes_only_that_storys(
    commands, store, clock
):
    story = store.get_story("pentagon")
    store.add_subscription("slack", "U1", "bakery", None, clock.now())
    store.add_subscription("slack", "U1", "bakery", story.id, clock.now())
    reply = await commands.handle(req("unsubscribe bakery --story pentagon"))
    assert reply.ok and "(story pentagon)" in reply.text, reply.text
    assert [s.story_id for s in store.list_subscriptions("slack", "U1")] == [None]


# ---------------------------------------------------------------- status and counts


async def test_status_says_how_many_failing_feeds_it_does_not_name(commands, store, clock):
    from bot.model import FeedStatus
    from bot.ports import PollOutcome

    for n in range(5):
        feed = store.add_feed(f"https://feeds.example/{n}.xml", clock.now())
        if n < 4:
            store.record_poll(
                PollOutcome(
                    feed.id,
                    FeedStatus.ERROR,
                    clock.now(),
                    clock.now(),
                    n + 1,
                    "HTTP 500",
                    None,
                    None,
                    None,
                )
            )
    text = (await commands.handle(req("status"))).text
    assert "Feeds: 0 ok, 4 failing, 1 not polled yet." in text
    assert text.count("\n  failing: ") == 3
    assert "… and 1 more failing (`/story feeds`" in text


async def test_feeds_an_outage_excused_say_the_network_seems_down_not_zero_failures(
    commands, store, clock
):
    # a long error clipped in a reply would cut off the outage's note, leaving "(0×)"
    import random

    from bot.model import FetchResult, FetchStatus
    from bot.polling import NetworkWatch, PollPolicy, plan_polls

    feeds = [store.add_feed(f"https://feeds{n}.example/rss", clock.now()) for n in (1, 2)]
    error = "cannot connect to feeds.example: DNS lookup failed, try again later " * 3
    down = FetchResult(FetchStatus.ERROR, error=error, unreachable=True)
    outcomes = plan_polls(
        [(f, down) for f in feeds], clock.now(), PollPolicy(), random.Random(1), NetworkWatch()
    )
    store.record_polls(outcomes)
    status = (await commands.handle(req("status"))).text
    assert "\n  failing: https://feeds1.example/rss (network down?): cannot connect" in status
    assert "0×" not in status
    listed = (await commands.handle(req("feeds"))).text
    assert listed.count("error (network down?; never read since it was added): cannot connect") == 2
    assert "0×" not in listed


async def test_feeds_say_a_failing_feeds_count_runs_since_its_last_good_read_or_its_adding(
    commands, store, clock
):
    # "error (1× since the start)": the start of what? (the count is of failures in a row)
    import random

    from bot.model import FetchResult, FetchStatus
    from bot.polling import NetworkWatch, PollPolicy, plan_polls

    never, once = [store.add_feed(f"https://feeds{n}.example/rss", clock.now()) for n in (1, 2)]
    ok = FetchResult(FetchStatus.NOT_MODIFIED, http_status=304)
    store.record_polls(
        plan_polls([(once, ok)], clock.now(), PollPolicy(), random.Random(1), NetworkWatch())
    )
    read_at = clock.now()
    clock.advance(3600)
    gone = FetchResult(FetchStatus.ERROR, http_status=410, error="HTTP 410")
    polls = [(f, gone) for f in store.list_feeds()]
    store.record_polls(
        plan_polls(polls, clock.now(), PollPolicy(), random.Random(1), NetworkWatch())
    )

    listed = (await commands.handle(req("feeds"))).text
    assert "the start" not in listed, listed
    assert "error (failed 1× in a row; never read since it was added): HTTP 410" in listed, listed
    assert (
        f"error (failed 1× in a row; last read {read_at:%Y-%m-%d %H:%M} UTC): HTTP 410" in listed
    ), listed


@pytest.mark.parametrize(
    ("platform", "remove"),
    [("slack", "/story feeds remove #{id}"), ("discord", "/story feeds remove url:#{id}")],
)
async def test_feeds_say_a_gone_feed_is_still_polled_and_how_to_remove_it(
    commands, store, clock, platform, remove
):
    """A 410 is not a failure that passes, yet the feed is polled for ever (backing off):
    its clipped error alone ("HTTP 410 Gone: the feed was removed permanently") said
    neither that nor what to do about it."""
    import random

    from bot.model import FetchResult, FetchStatus
    from bot.polling import NetworkWatch, PollPolicy, plan_polls

    gone, failing = [store.add_feed(f"https://feeds{n}.example/rss", clock.now()) for n in (1, 2)]
    results = [
        (
            gone,
            FetchResult(
                FetchStatus.ERROR,
                http_status=410,
                error="HTTP 410 Gone: the feed was removed permanently",
            ),
        ),
        (
            failing,
            FetchResult(
                FetchStatus.ERROR,
                http_status=500,
                error="HTTP 500 Internal Server Error: server error",
            ),
        ),
    ]
    store.record_polls(
        plan_polls(results, clock.now(), PollPolicy(), random.Random(1), NetworkWatch())
    )

    listed = (await commands.handle(CommandRequest("feeds", platform, "U1", "C1"))).text
    line = next(x for x in listed.splitlines() if "feeds1.example" in x)
    assert line.endswith(
        " · gone for good (its server answered 410) but still polled: admins remove it with "
        f"`{remove.format(id=gone.id)}`"
    ), line
    assert "gone for good" not in next(x for x in listed.splitlines() if "feeds2.example" in x)


async def test_status_says_how_many_items_wait_for_their_linked_pages(commands, store, clock):
    from bot.model import PageWait

    store.add_feed("https://feeds.example/a.xml", clock.now())
    assert "linked page" not in (await commands.handle(req("status"))).text
    ids = [store.ingest_item(new_item(n))[1].id for n in (1, 2)]
    store.hold_for_pages([PageWait(ids[0], clock.now(), clock.now())])
    text = (await commands.handle(req("status"))).text
    assert "\n  1 headline-only item waits for its linked page, which could not be read" in text
    store.hold_for_pages([PageWait(ids[1], clock.now(), clock.now())])
    text = (await commands.handle(req("status"))).text
    assert "\n  2 headline-only items wait for their linked pages, which could not be" in text


async def test_counts_of_one_are_singular(commands, store, clock):
    _, item = store.ingest_item(new_item(9))
    story = store.get_story("pentagon")

    judgement = Judgement(story.id, item.id, on_topic=True, score=0.5, development=0)
    dev = DevelopmentWrite(story.id, 0, "Anthropic reopens talks", "", (item.id,))
    store.commit_decisions([judgement], [dev], {}, [], clock.now())
    assert (
        "The seed story has been reported 1 time (" in (await commands.handle(req("status"))).text
    )
    reply = await commands.handle(req("follow pentagon digest 1", admin=True))
    assert reply.text.endswith("posted as a digest every hour; next at 2026-03-05 09:00 UTC.")
    reply = await commands.handle(req("follow pentagon digest 1.5", admin=True))
    assert (
        "posted as a digest every 1.5 hours; next at 2026-03-05 09:30 UTC (before: as a digest "
        "every hour)." in reply.text
    )
    store.add_feed("https://feeds.example/a.xml", clock.now())
    assert (await commands.handle(req("feeds"))).text.startswith("1 feed:\n")


# ---------------------------------------------------------------- fixed arguments


async def test_hours_after_realtime_are_refused_naming_the_digest_that_takes_them(commands, store):
    reply = await commands.handle(req("follow pentagon realtime 5", admin=True))
    assert not reply.ok and reply.usage_error, reply.text
    assert reply.text == (
        "Hours are a digest's period: realtime posts each alert as it comes. "
        "`/story follow pentagon digest 5` posts them together."
    )
    assert store.list_bindings() == []


@pytest.mark.parametrize(
    "text",
    [
        "follow pentagon digest 6 hours",
        "unfollow pentagon now",
        "status pentagon extra",
        "stories all",
        "subscriptions mine",
        "feeds list all",
        "why https://news.example/1 https://news.example/2",
    ],
)
async def test_extra_words_after_a_command_with_fixed_arguments_are_a_usage_error(
    commands, store, text
):
    reply = await commands.handle(req(text, admin=True))
    assert not reply.ok and reply.usage_error, reply.text
    assert "does not take" in reply.text and "Usage: /story " in reply.text
    assert store.bindings_for_channel("slack", "C1") == []


async def test_why_reads_a_slack_link_whose_label_has_spaces(commands, store, clock):
    _, item = store.ingest_item(new_item(7))
    reply = await commands.handle(req(f"why <{item.url}|Title of the report>"))
    assert reply.ok, reply.text


async def test_why_reads_a_link_pasted_without_its_scheme(commands, store, clock):
    store.ingest_item(new_item(7, url="https://news.example/7?utm_source=x"))
    store.ingest_item(new_item(8, url="http://plain.example/8", canonical_url=None))
    for pasted in ("news.example/7", "news.example/7/?utm_medium=y", "NEWS.example/7#top"):
        reply = await commands.handle(req(f"why {pasted}"))
        assert reply.ok, (pasted, reply.text)
    for pasted in ("plain.example/8", "PLAIN.example/8/"):
        reply = await commands.handle(req(f"why {pasted}"))
        assert reply.ok, (pasted, reply.text)


# ---------------------------------------------------------------- why


async def test_why_for_a_link_several_items_share_says_so_and_names_them(commands, store):
    # A feed listing its articles under its home page: three items of their own, one link.
    home = "https://news.example/"
    for n in (1, 2, 3):
        store.ingest_item(new_item(n, url=home, canonical_url=home, shared_link=True))
    assert store.count_items() == 3
    text = (await commands.handle(req(f"why {home}"))).text
    first, *rest = text.splitlines()
    assert "3 items share this link" in first, text
    assert "Title 3" in rest[0], "the newest is explained"
    assert "Title 1" in first and "Title 2" in first, "the others are named"


async def test_why_for_a_link_one_item_holds_says_nothing_of_sharing(commands, store):
    _, item = store.ingest_item(new_item(7))
    text = (await commands.handle(req(f"why {item.url}"))).text
    assert "share this link" not in text and text.startswith("Title 7"), text


async def test_why_says_which_stories_never_judged_an_item_stored_before_them(
    commands, store, clock
):
    _, item = store.ingest_item(new_item(7, at=clock.now()))
    pentagon = store.get_story("pentagon")
    off = Judgement(pentagon.id, item.id, on_topic=False, score=0.01, reason={"score": 0.01})
    store.commit_decisions([off], [], {}, [], clock.now())
    clock.advance(hours=1)
    store.add_story("iran-talks", "Iran talks", [SeedDoc("Iran talks", "text")], clock.now())
    text = (await commands.handle(req(f"why {item.url}"))).text
    assert "• off-topic for pentagon (score 0.010)" in text
    assert "• not judged for iran-talks: it arrived before that story was added" in text


async def test_why_says_which_of_the_askers_subscriptions_match_and_by_which_words(
    commands, store, clock
):
    _, item = store.ingest_item(
        new_item(7, title="Senators set a hearing", content="On the supply chain label.")
    )
    pentagon = store.get_story("pentagon")
    store.add_story("other", "Other", [SeedDoc("Other", "text")], clock.now())
    other = store.get_story("other")
    on = Judgement(
        pentagon.id, item.id, on_topic=True, score=0.4, development=0, reason={"score": 0.4}
    )
    off = Judgement(other.id, item.id, on_topic=False, score=0.01, reason={"score": 0.01})
    store.commit_decisions([on, off], [], {}, [], clock.now())
    hit = store.add_subscription("slack", "U1", '"supply chain" OR hearing', None, clock.now())
    scoped = store.add_subscription("slack", "U1", "senators", pentagon.id, clock.now())
    elsewhere = store.add_subscription("slack", "U1", "hearing", other.id, clock.now())
    store.add_subscription("slack", "U1", "bakery", None, clock.now())
    store.add_subscription("slack", "U2", "hearing", None, clock.now())
    text = (await commands.handle(req(f"why {item.url}"))).text
    assert (
        f'• your subscription #{hit.id} ("supply chain" OR hearing) matches it: '
        "found hearing, supply chain"
    ) in text, text
    assert (
        f"• your subscription #{scoped.id} (senators, for pentagon) matches it: "
        "found senators; on-topic for pentagon"
    ) in text
    assert (
        f"• your subscription #{elsewhere.id} (hearing, for other) does not match it: "
        "found hearing, but it is not on-topic for other"
    ) in text
    # only the asker's subscriptions, and only those with a word in the item
    assert "bakery" not in text and text.count("your subscription") == 3


def _commit_copy(store, clock, orig: Item, copy: Item, **reason: object) -> None:
    """Commit ``orig`` as development 1's first report and ``copy`` as its copy (score
    0.3 for 0.1), the copy's reason holding ``reason`` besides its score and copy."""
    story = store.get_story("pentagon")
    first = Judgement(
        story.id, orig.id, on_topic=True, score=0.3, development=1, new_development=True
    )
    second = Judgement(
        story.id,
        copy.id,
        on_topic=True,
        score=0.3,
        duplicate_of=orig.id,
        development=1,
        reason={
            **reason,
            "score": 0.3,
            "threshold": 0.1,
            "copy": {"of": orig.id, "resemblance": 1.0, "by": "body"},
        },
    )
    dev = DevelopmentWrite(story.id, 1, "Talks resume", "", (orig.id, copy.id))
    store.commit_decisions([first, second], [dev], {}, [], clock.now())


async def test_why_names_a_copied_report_and_shows_scores_with_their_thresholds(
    commands, store, clock
):
    _, orig = store.ingest_item(new_item(1))
    _, copy = store.ingest_item(new_item(2))
    _commit_copy(
        store,
        clock,
        orig,
        copy,
        matched_terms=["anthropic", "pentagon"],
        headline_only=False,
        support=0.2,
        headline_score=0.1,
        headline_threshold=0.3,
    )
    text = (await commands.handle(req(f"why {copy.url}"))).text
    assert f"• a copy of 'Title 1' (Outlet 1) <{orig.url}> in pentagon, development 1" in text, text
    assert "score 0.300; on-topic from 0.100" in text
    assert "the headline alone scores 0.100; from 0.300 it makes an item on-topic" in text
    assert "recognised as a copy by its text (resemblance 1.000)" in text
    for internal in ("headline_only", "of=", "copy:", "by=body", "threshold:"):
        assert internal not in text


async def test_why_shows_matched_terms_as_the_item_writes_them(commands, store, clock):
    # the engine's terms are stemmed and lowercased ("classifi", "u_s"); the reply shows
    # the item's own words, and a term the item does not show stays as the engine has it
    _, item = store.ingest_item(
        new_item(
            1,
            title="Pentagon talks with Erdoğan's envoy",
            content="The U.S. Department of Defense classified the models. Talks went on.",
        )
    )
    story = store.get_story("pentagon")
    reason = {"matched_terms": ["classifi", "s_department", "erdogan", "model", "zeta"]}
    j = Judgement(story.id, item.id, on_topic=True, score=0.3, reason=reason)
    store.commit_decisions([j], [], {}, [], clock.now())
    text = (await commands.handle(req(f"why {item.url}"))).text
    assert "matched terms: classified, U.S. Department, Erdoğan's, models, zeta" in text, text


async def test_why_names_the_closest_development_and_its_join_threshold(commands, store, clock):
    reason = {
        "score": 0.2,
        "threshold": 0.1,
        "development": {
            "closest": 0,
            "similarity": 0.089,
            "similarity_undecayed": 0.096,
            "join_threshold": 0.08,
        },
        "adapted": True,
        "future_key": 7,
    }
    reply = await _why(commands, store, clock, 3, reason, on_topic=True, score=0.2, development=0)
    text = reply.text
    assert (
        "closest development 0 (the seed story): similarity 0.089 (0.096 before fading with the "
        "time since its last report); an item joins a development from similarity 0.080"
    ) in text, text
    assert "the story's profile learned from this item" in text
    assert "future_key: 7" in text  # a reason this does not know is shown, not dropped
    assert "similarity_undecayed" not in text and "closest=" not in text


@pytest.mark.parametrize(
    ("closest", "similarity", "lead", "said"),
    [
        # closest by its whole text, but not close enough: its lead joined one
        (
            0,
            0.041,
            {"development": 0, "similarity": 0.52, "threshold": 0.4},
            "closest development 0 (the seed story): similarity 0.041; an item joins a "
            "development from similarity 0.080; its lead (headline and first sentence) is 0.520 "
            "close to the leads of development 0 (the seed story) (from 0.400), so it joined "
            "that one",
        ),
        # it shares no weighed word with any development's (capped) centroid, so no
        # development is closest by its whole text (DevelopmentTracker.assign), yet its lead
        # joined one
        (
            None,
            0.0,
            {"development": 0, "similarity": 0.61, "threshold": 0.4},
            "no development was close to it; an item joins a development from similarity "
            "0.080; its lead (headline and first sentence) is 0.610 close to the leads of "
            "development 0 (the seed story) (from 0.400), so it joined that one",
        ),
        # a headline-only item: its lead is its headline, compared with headlines too
        (
            0,
            0.036,
            {"development": 0, "similarity": 0.383, "threshold": 0.3, "headline_only": True},
            "closest development 0 (the seed story): similarity 0.036; an item joins a "
            "development from similarity 0.080; its headline is 0.383 close to the headlines "
            "and leads of development 0 (the seed story) (from 0.300), so it joined that one",
        ),
    ],
)
async def test_why_says_an_item_joined_a_development_by_its_lead(
    commands, store, clock, closest, similarity, lead, said
):
    reason = {
        "score": 0.5,
        "threshold": 0.1,
        "development": {
            "closest": closest,
            "similarity": similarity,
            "similarity_undecayed": similarity,
            "join_threshold": 0.08,
            "lead": lead,
        },
    }
    reply = await _why(commands, store, clock, 3, reason, on_topic=True, score=0.5, development=0)
    assert said in reply.text, reply.text
    assert "lead:" not in reply.text and "{" not in reply.text


async def test_why_says_an_item_from_before_the_story_began_is_background(commands, store, clock):
    reason = {
        "score": 0.2,
        "threshold": 0.1,
        "development": {"closest": 0, "before_story": "2026-03-05T09:00:00+00:00"},
    }
    reply = await _why(commands, store, clock, 3, reason, on_topic=True, score=0.2, development=0)
    text = reply.text
    assert (
        "published well before the story began (2026-03-05): background to the seed story "
        "(development 0), not a new development"
    ) in text, text
    assert "before_story" not in text


@pytest.mark.parametrize(
    "text",
    ["follow pentagon weekly", "follow pentagon digest abc", "follow pentagon digest 0"],
)
async def test_follow_with_a_wrong_mode_or_digest_hours_is_a_usage_error(commands, store, text):
    reply = await commands.handle(req(text, admin=True))
    assert not reply.ok and reply.usage_error, reply.text
    assert store.bindings_for_channel("slack", "C1") == []


async def test_status_counts_the_developments_older_than_the_five_it_shows(commands, store, clock):
    from bot.model import Citation

    story = store.get_story("pentagon")
    for number in range(1, 8):
        _, item = store.ingest_item(new_item(number, at=clock.advance(3600)))
        lead = f"Development {number} came."
        write = DevelopmentWrite(
            story.id, number, f"Turn {number}", lead, (item.id,), (Citation(lead, "Wire", None),)
        )
        store.commit_decisions([], [write], {}, [], clock.now())

    reply = await commands.handle(req("status"))

    assert "7. Turn 7" in reply.text and "3. Turn 3" in reply.text and "2. Turn 2" not in reply.text
    # named with the page of the command that lists them (page 1 is the five shown), as
    # this platform writes it
    assert "\n… and 2 older developments: `/story developments pentagon 2`\n" in reply.text
    on_discord = CommandRequest("status", "discord", "U1", "C1")
    assert "\n… and 2 older developments: `/story developments story:pentagon page:2`\n" in (
        (await commands.handle(on_discord)).text
    )
    listed = (await commands.handle(req("developments pentagon 2"))).text
    assert "2. Turn 2" in listed and "1. Turn 1" in listed and "3. Turn 3" not in listed


async def test_status_leaves_out_its_oldest_developments_before_the_feed_health(
    commands, store, clock
):
    from bot.model import Citation, FeedStatus
    from bot.ports import PollOutcome

    story = store.get_story("pentagon")
    long_url = "https://news.example/" + "tracking-" * 40
    for number in range(1, 6):
        _, item = store.ingest_item(new_item(number, at=clock.advance(3600), url=long_url))
        lead = f"Development {number} came. " + "The senators asked for more detail. " * 8
        write = DevelopmentWrite(
            story.id,
            number,
            "A long headline " * 8,
            lead,
            (item.id,),
            (Citation(lead.strip(), f"Outlet {number}", f"{long_url}{number}"),),
        )
        store.commit_decisions([], [write], {}, [], clock.now())
    for n in range(3):
        feed = store.add_feed(f"https://feeds.example/{n}.xml", clock.now())
        error = "HTTP 500 from the server: " + "the upstream timed out again " * 6
        outcome = PollOutcome(
            feed.id, FeedStatus.ERROR, clock.now(), clock.now(), 1, error, None, None, None
        )
        store.record_poll(outcome)
    # working feeds read in part: more than are named (their part is /story feeds's)
    part = "the first 2.0 MiB of 3.4 MiB (XML the fast parser cannot read; " + "x" * 200 + ")"
    for n in range(4):
        feed = store.add_feed(f"https://feeds.example/part-{n}.xml", clock.now())
        now = clock.now()
        store.record_poll(
            PollOutcome(feed.id, FeedStatus.OK, now, now, 0, *[None] * 6, read_in_part=part)
        )

    reply = await commands.handle(req("status"))

    # within one Discord embed (4,096) with room for Markdown escapes
    assert reply.message is not None and len(reply.message.body) <= 3600
    assert "Feeds: 4 ok, 3 failing, 0 not polled yet." in reply.text
    assert reply.text.endswith(
        "".join(f"\n  read in part: https://feeds.example/part-{n}.xml" for n in range(3))
        + "\n  … and more read in part (the entries past the part read are lost: "
        "`/story feeds` says which part)."
        "\nThis channel follows no story: admins get its alerts here with `/story follow pentagon`."
    )
    assert "5. " in reply.text and "1. " not in reply.text, "the newest stay"
    # fewer than a page shown: the first page of the list starts with those left out
    assert "older developments: `/story developments pentagon`" in reply.text


async def test_status_feed_health_shortens_long_feed_urls_to_fit_one_message(
    commands, store, clock
):
    """Feed URLs may be 2,048 characters: nine of them named in the feed health (three
    failing, three moved, three read in part) must still leave a status that fits one
    Discord embed with its newest development; ``/story feeds`` shows them whole."""
    from bot.model import FeedStatus
    from bot.ports import PollOutcome

    story = store.get_story("pentagon")
    _, item = store.ingest_item(new_item(1, at=clock.advance(3600)))
    write = DevelopmentWrite(story.id, 1, "Talks resume", "Talks resumed today.", (item.id,), ())
    store.commit_decisions([], [write], {}, [], clock.now())
    long = "https://feeds.example/" + "very-long-path-segment/" * 86  # about 2,000 characters
    now = clock.now()
    for n in range(3):
        failing = store.add_feed(f"{long}failing-{n}.xml", now)
        store.record_poll(
            PollOutcome(failing.id, FeedStatus.ERROR, now, now, 1, "HTTP 500", None, None, None)
        )
        moved = store.add_feed(f"{long}moved-{n}.xml", now)
        store.record_poll(
            PollOutcome(
                moved.id, FeedStatus.OK, now, now, 0, *[None] * 5, moved_to=f"{long}new-{n}"
            )
        )
        part = store.add_feed(f"{long}part-{n}.xml", now)
        store.record_poll(
            PollOutcome(
                part.id, FeedStatus.OK, now, now, 0, *[None] * 6, read_in_part="the first 2 MiB"
            )
        )

    reply = await commands.handle(req("status"))

    assert reply.message is not None and len(reply.message.body) <= 3600, len(reply.message.body)
    assert "1. " in reply.text, "the newest development stays"
    health = reply.text[reply.text.index("Feeds: ") :]
    assert health.count("failing: https://feeds.example/very-long-path-segment/") == 3
    assert health.count("read in part: https://feeds.example/") == 3
    assert max(len(line) for line in health.splitlines()) < 400
    listed = await commands.handle(req("feeds"))
    assert f"{long}part-0.xml" in listed.text, "the feeds list keeps each URL whole"


async def test_an_unknown_story_lists_twenty_known_ones_and_counts_the_rest(commands, store, clock):
    for i in range(30):
        store.add_story(f"story{i:02d}", f"Story {i}", [SeedDoc(f"Story {i}", "text")], clock.now())
    reply = await commands.handle(req("status nosuch"))
    assert not reply.ok
    assert "story18" in reply.text and "story19" not in reply.text
    assert reply.text.endswith("and 11 more (`/story stories`).")
    which = await commands.handle(CommandRequest("status", "discord", "U1", "DM"))
    assert which.text.endswith("and 11 more (`/story stories action:list`)")


@pytest.mark.parametrize("typed", ["²", "#²", "①"])
async def test_unsubscribe_of_a_digit_that_is_no_number_is_an_unknown_subscription(
    commands, store, typed
):
    assert (await commands.handle(req("subscribe oil"))).ok
    reply = await commands.handle(req(f"unsubscribe {typed}"))
    assert not reply.ok and "You have no subscription" in reply.text, reply.text
    assert [s.query for s in store.list_subscriptions("slack", "U1")] == ["oil"]


async def test_unfollow_without_a_name_stops_the_one_story_this_channel_follows(
    commands, store, clock
):
    reply = await commands.handle(req("unfollow", admin=True))
    assert not reply.ok and reply.text == "This channel follows no story."
    assert (await commands.handle(req("follow pentagon", admin=True))).ok
    store.add_story("chips", "Chips", [SeedDoc("Chips", "text")], clock.now())
    assert (await commands.handle(req("follow chips", admin=True, channel="C2"))).ok
    reply = await commands.handle(req("unfollow", admin=True))
    assert reply.ok and reply.text == "This channel no longer follows pentagon."
    assert [b.channel_id for b in store.list_bindings()] == ["C2"]  # the other channel's stays


async def test_unfollow_without_a_name_in_a_channel_following_several_names_them(
    commands, store, clock
):
    store.add_story("chips", "Chips", [SeedDoc("Chips", "text")], clock.now())
    for name in ("pentagon", "chips"):
        assert (await commands.handle(req(f"follow {name}", admin=True))).ok
    reply = await commands.handle(req("unfollow", admin=True))
    assert not reply.ok and reply.text.startswith("Which story? Say `/story unfollow NAME`.")
    assert "chips" in reply.text and "pentagon" in reply.text
    assert len(store.bindings_for_channel("slack", "C1")) == 2  # nothing was unfollowed


async def test_a_key_in_a_feed_url_is_not_shown_to_the_channel(commands, store, clock):
    # Everyone may list the feeds; a paid feed's URL often holds its key or password.
    from bot.model import FeedStatus
    from bot.ports import PollOutcome

    secret, key = "s3cret-pass", "KEY1234567"
    for url in (f"https://bob:{secret}@feeds.example/a.xml", f"https://f.example/b?apikey={key}"):
        assert (await commands.handle(req(f"feeds add {url}", admin=True))).ok
    feed = store.get_feed(f"https://f.example/b?apikey={key}")
    store.record_poll(
        PollOutcome(
            feed.id, FeedStatus.ERROR, clock.now(), clock.now(), 1, "HTTP 500", None, None, None
        )
    )

    listed = (await commands.handle(req("feeds"))).text
    status = (await commands.handle(req("status"))).text

    for text in (listed, status):
        assert secret not in text and key not in text
    assert "https://bob:***@feeds.example/a.xml" in listed
    assert "failing: https://f.example/b?apikey=*** (failed 1× in a row)" in status
    # the URL as listed names its feed for an admin removing it
    removed = await commands.handle(req("feeds remove https://f.example/b?apikey=***", admin=True))
    assert removed.ok and key not in removed.text
    assert [f.url for f in store.list_feeds()] == [f"https://bob:{secret}@feeds.example/a.xml"]


async def test_removing_a_feed_as_listed_when_two_are_listed_so_says_so_and_removes_none(
    commands, store
):
    # Two private feeds of one service differ only in their keys, hidden alike: the URL
    # as listed stands for both. The reply said it was none of the polled feeds.
    urls = [
        f"https://f.example/feeds/{key}/rss"
        for key in ("9f2c4e0b7a1d5e3f8a6b", "0a1b2c3d4e5f6a7b8c9d")
    ]
    for url in urls:
        assert (await commands.handle(req(f"feeds add {url}", admin=True))).ok
    listed = (await commands.handle(req("feeds"))).text
    assert listed.count("<https://f.example/feeds/***/rss>") == 2

    reply = await commands.handle(req("feeds remove https://f.example/feeds/***/rss", admin=True))

    assert not reply.ok and "not one of the polled feeds" not in reply.text
    assert "stands for 2 of the polled feeds" in reply.text
    assert sorted(f.url for f in store.list_feeds()) == sorted(urls)
    for key in ("9f2c4e0b7a1d5e3f8a6b", "0a1b2c3d4e5f6a7b8c9d"):
        assert key not in reply.text
    assert "give the number `/story feeds` shows" in reply.text


async def test_a_feed_is_removed_by_its_number_as_listed(commands, store):
    # The number tells apart feeds listed alike (their keys hidden) and spares typing a
    # long URL; "#2" and "2" both name it.
    urls = [
        f"https://f.example/feeds/{key}/rss"
        for key in ("9f2c4e0b7a1d5e3f8a6b", "0a1b2c3d4e5f6a7b8c9d")
    ]
    for url in urls:
        assert (await commands.handle(req(f"feeds add {url}", admin=True))).ok
    second = store.get_feed(urls[1])
    assert (
        f"• #{second.id} <https://f.example/feeds/***/rss>"
        in (await commands.handle(req("feeds"))).text
    )

    removed = await commands.handle(req(f"feeds remove #{second.id}", admin=True))

    assert removed.ok and "0a1b2c3d4e5f6a7b8c9d" not in removed.text
    assert "Removed feed https://f.example/feeds/***/rss." in removed.text
    assert [f.url for f in store.list_feeds()] == [urls[0]]
    first = store.get_feed(urls[0])
    assert (await commands.handle(req(f"feeds remove {first.id}", admin=True))).ok
    assert store.list_feeds() == []
    missing = await commands.handle(req("feeds remove #99", admin=True))
    assert not missing.ok and "No polled feed is numbered #99. See `/story feeds`." in missing.text
    missing = await commands.handle(req("feeds remove https://f.example/gone.xml", admin=True))
    assert "https://f.example/gone.xml is not one of the polled feeds." in missing.text


async def test_a_key_in_a_feeds_last_error_is_not_shown_to_the_channel(
    commands, store, clock, feed_server
):
    # The fetcher's error for a redirect loop lists the chain's URLs, the stored one with
    # its password first; /story feeds and /story status show that error to everyone.
    from adapters.feeds import HttpFeedFetcher
    from bot.model import PollRequest
    from bot.polling import PollPolicy, plan_next_poll

    feed_server.add_redirect("/a", "/b?token=TOKEN99")
    feed_server.add_redirect("/b", "/a")
    url = feed_server.url("/a").replace("://", "://bob:s3cret-pass@")
    assert (await commands.handle(req(f"feeds add {url}", admin=True))).ok
    feed = store.get_feed(url)
    fetcher = HttpFeedFetcher(timeout_s=5.0, allowed_hosts={"127.0.0.1"})
    try:
        result = await fetcher.fetch(PollRequest(feed_id=feed.id, url=url))
    finally:
        await fetcher.aclose()
    assert "redirect loop" in result.error and "s3cret-pass" in result.error  # as stored
    store.record_poll(plan_next_poll(feed, result, clock.now(), PollPolicy(), random.Random(1)))

    listed = (await commands.handle(req("feeds"))).text
    status = (await commands.handle(req("status"))).text

    for text in (listed, status):
        assert "redirect loop: http://bob:***@127.0.0.1" in text
        assert "s3cret-pass" not in text and "TOKEN99" not in text


@pytest.mark.parametrize(
    "url",
    [
        "https://tracker.example/rss?passkey=SECRET1",
        "https://f.example/rss?user=7&authkey=SECRET1",
        "https://f.example/rss?apitoken=SECRET1",
        "https://f.example/rss?torrent_pass=SECRET1",
        "https://f.example/rss?api-key=SECRET1",
        "https://f.example/rss?X-Amz-Signature=SECRET1&X-Amz-Date=20260101",
        "https://bob:SECRET1@f.example/rss",
        "https://SECRET1@f.example/rss",
        "https://f.example/feeds/SECRET1a9f2c4e0b7a1d5e3f8/rss",
        "https://f.example/u/SECRET1-9f2c-4e0b-7a1d-5e3f8a6b.xml",
        "http://bob:SECRET1@[::1/rss",
        # a parameter of a path segment, and parameters separated by ";" (servlets, CGI.pm)
        "https://f.example/rss;jsessionid=SECRET1",
        "https://f.example/feeds/SECRET1a9f2c4e0b7a1d5e3f8;v=2/rss",
        "https://f.example/rss?a=1;apikey=SECRET1",
        # in an address urlsplit cannot read (a redirect's Location quoted in an error)
        "http://[::1/rss?apikey=SECRET1",
        "http://bob:pw@[::1/feeds/SECRET1a9f2c4e0b7a1d5e3f8/rss#top",
        # parameters in the fragment (a redirect's target keeps it), and as PHP arrays
        "https://f.example/login#access_token=SECRET1&state=x",
        "https://f.example/rss?token[]=SECRET1",
    ],
)
def test_a_key_named_as_private_feeds_name_it_is_hidden_too(url: str) -> None:
    from bot.render import shown_url

    shown = shown_url(url)
    assert "SECRET1" not in shown and "***" in shown


@pytest.mark.parametrize(
    "error",
    [
        "HTTP 404 for https://f.example/feeds/SECRET1a9f2c4e0b7a1d5e3f8: gone",
        "unreachable (https://f.example/feeds/SECRET1a9f2c4e0b7a1d5e3f8)",
        "moved to https://f.example/feeds/SECRET1a9f2c4e0b7a1d5e3f8; consider updating its URL",
        "tried https://f.example/feeds/SECRET1a9f2c4e0b7a1d5e3f8, then gave up",
        "gave up on https://f.example/u/SECRET1a9f2c4e0b7a1d5e3f8.",
    ],
)
def test_a_key_at_the_end_of_a_url_in_an_error_is_hidden_before_punctuation(error: str) -> None:
    # The punctuation after a URL in prose is no part of it: read as one, it made the
    # last path segment ("KEY:") look like no key.
    from bot.render import shown_text

    shown = shown_text(error)
    assert "SECRET1" not in shown and "***" in shown
    assert shown.replace("***", "") == error.replace("SECRET1a9f2c4e0b7a1d5e3f8", "")


def test_hiding_keys_in_a_long_error_takes_linear_time() -> None:
    # A run of letters before a "://" was rescanned from each of its positions: 20,000
    # letters took about a second, and an error can quote a redirect's 8 KB Location.
    import time

    from bot.render import shown_text

    for text in ("a" * 300_000 + " x://h", "https://h/" + "a" * 300_000, "a:" * 150_000 + "//"):
        started = time.process_time()
        shown_text(text)
        assert time.process_time() - started < 2.0, text[:10]


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://f.example/u/private-feed-9f2c4e0b7a1d5e3f8a6b/rss", "9f2c4e0b7a1d5e3f8a6b"),
        ("https://f.example/u/abcdefab-1234-4321-abcd-0123456789ab.xml", "0123456789ab"),
        # a UUID after words: every group may open with a digit or a letter
        (
            "https://f.example/u/private-feed-d3adb33f-1a2b-4c3d-8e9f-0a1b2c3d4e5f.xml",
            "0a1b2c3d4e5f",
        ),
        ("https://f.example/u/feed-abcdefab-1234-4321-abcd-0123456789ab/rss", "0123456789ab"),
    ],
)
def test_a_key_inside_a_slug_like_segment_is_hidden(url: str, key: str) -> None:
    # a lower-case key after words, or a UUID opening with letters, reads like a slug
    from bot.render import shown_url

    assert key not in shown_url(url) and "***" in shown_url(url)


def test_a_feed_url_without_a_key_is_shown_as_it_is() -> None:
    from bot.render import shown_url

    for url in (
        "https://f.example/rss?design=print&keyword=senate&q=a_b",
        "https://f.example/feed.xml",
        "https://f.example/rss?apikey=",
        "https://f.example/rss/2.0/topstories.xml",
        "https://f.example/news/avon-park-shooting-suspect-20160530/feed",
        "https://f.example/2024/05/12/rss",
        "https://f.example/rss;v=2?q=a;b&design=x",
        "http://[::1/rss?q=senate",
        "https://f.example/rss#top",
        "https://f.example/rss?tags[]=a&tags[]=b#section=2",
    ):
        assert shown_url(url) == url


TAGGED = "https://news.example/{n}?id={n}&utm_source=rss&utm_medium=feed&utm_campaign=nation"


@pytest.mark.parametrize("command", ["status", "developments"])
async def test_status_and_developments_show_links_without_the_parameters_that_track_readers(
    commands, store, clock, command
):
    # the demo's Northfield Courier links: a reader who copies one carries the feed's
    # tracking along, as alerts no longer do (bot.render.reader_url)
    from bot.model import Citation

    story = store.get_story("pentagon")
    _, cited = store.ingest_item(new_item(1, url=TAGGED.format(n=1)))
    _, plain = store.ingest_item(new_item(2, url=TAGGED.format(n=2), at=clock.advance(60)))
    quoted = Citation(LEAD, "Outlet 1", TAGGED.format(n=1))
    writes = [
        DevelopmentWrite(story.id, 1, "Senators demand the text", LEAD, (cited.id,), (quoted,)),
        DevelopmentWrite(
            story.id, 2, "A hearing is set", "A hearing is set for March 18.", (plain.id,)
        ),
    ]
    store.commit_decisions([], writes, {}, [], clock.now())

    text = (await commands.handle(req(command))).text

    assert "utm_" not in text, text
    assert f"{LEAD} — Outlet 1 <https://news.example/1?id=1>" in text  # the cited report
    assert "   1 report · Outlet 2 <https://news.example/2?id=2>" in text  # the first reporter


async def test_why_names_a_copied_report_by_its_link_without_the_parameters_that_track_readers(
    commands, store, clock
):
    _, orig = store.ingest_item(new_item(1, url=TAGGED.format(n=1)))
    _, copy = store.ingest_item(new_item(2))
    _commit_copy(store, clock, orig, copy)

    text = (await commands.handle(req(f"why {copy.url}"))).text

    assert "• a copy of 'Title 1' (Outlet 1) <https://news.example/1?id=1> in pentagon" in text, (
        text
    )
    assert "utm_" not in text


@pytest.mark.parametrize(
    ("text", "platform"),
    [
        # Slack sends an emoji typed in a slash command as its :shortcode:, a custom one
        # as its name; Discord sends a custom emoji as <:name:id>
        ("subscribe :rocket: launch", "slack"),
        ("subscribe launch :flag-us:", "slack"),
        ("subscribe :+1::skin-tone-2: launch", "slack"),
        ("subscribe launch :partyparrot: :100:", "slack"),
        ("subscribe <:rocket:123456789012345678> launch", "discord"),
        ("subscribe launch <a:party:123456789012345678>", "discord"),
        ("subscribe 🚀 launch", "console"),
    ],
)
async def test_an_emoji_in_a_query_is_not_searched_as_the_chat_app_sends_it(
    commands, store, text, platform
):
    # "letters and numbers are searched, not emoji or symbols": on Slack :rocket: was
    # the word "rocket", :flag-us: the phrase "flag us" (which no item writes) and :+1:
    # the digit 1, each of them required; Discord's <:rocket:id> a phrase of its name
    # and number, so the subscription never matched
    request = CommandRequest(text, platform, "U1", "C1")
    reply = await commands.handle(request)
    assert reply.ok and reply.text.startswith("Subscribed (#1): launch. "), reply.text
    reply = await commands.handle(replace(request, text="subscribe launch"))
    assert not reply.ok and "already subscribed to launch (#1)" in reply.text, reply.text


@pytest.mark.parametrize("text", ["subscribe :rocket:", "subscribe <:rocket:123456789012345678>"])
async def test_a_query_of_emoji_alone_has_no_words_to_search_for(commands, store, text):
    reply = await commands.handle(req(text))
    assert not reply.ok and reply.text.startswith(
        "The query has no words to search for (letters and numbers are searched, not emoji"
    ), reply.text
    assert store.list_subscriptions("slack", "U1") == []
