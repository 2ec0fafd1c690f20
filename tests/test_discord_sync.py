"""`storybot discord sync`: the /story tree as registered on a fake Discord."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import discord
import pytest
from fakes.discord_fixtures import discord as fake  # noqa: F401  (fixture)
from fakes.discord_server import APP_ID, GUILD_ID, SUBCOMMAND, FakeDiscord, invalid_commands

from adapters.discord_chat import sync_commands
from adapters.discord_chat.endpoints import use_endpoints
from adapters.discord_chat.slash import story_group
from bot.command_specs import SPECS

LEAVES = [
    "story status",
    "story developments",
    "story stories",
    "story subscribe",
    "story unsubscribe",
    "story subscriptions",
    "story why",
    "story wrong",
    "story follow",
    "story unfollow",
    "story help",
    "story feeds add",
    "story feeds remove",
    "story feeds list",
]
# subcommand -> [(option, type, required)]; 3 = string, 4 = integer, 5 = boolean, 10 = number
OPTIONS = {
    "status": [("story", 3, False)],
    "developments": [("story", 3, False), ("page", 4, False)],
    "stories": [
        ("action", 3, False),
        ("name", 3, False),
        ("urls", 3, False),
        ("title", 3, False),
        ("yes", 5, False),
    ],
    "subscribe": [("query", 3, True), ("story", 3, False)],
    "unsubscribe": [("target", 3, True), ("story", 3, False)],
    "subscriptions": [],
    "why": [("url", 3, True)],
    "wrong": [("url", 3, True), ("story", 3, False)],
    "follow": [("story", 3, True), ("mode", 3, False), ("hours", 10, False), ("at", 3, False)],
    "unfollow": [("story", 3, False)],
    "help": [("command", 3, False)],
}


def by_name(options: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {o["name"]: o for o in options}


async def test_guild_sync_registers_the_story_tree_there(fake: FakeDiscord) -> None:
    names = await sync_commands(fake.token, GUILD_ID, fake.api_url, fake.gateway_url)
    assert names == LEAVES
    [put] = fake.calls_to("PUT", rf"/applications/{APP_ID}/guilds/{GUILD_ID}/commands")
    assert fake.calls_to("PUT", rf"/applications/{APP_ID}/commands") == []
    assert fake.gateway_queries == []  # REST only: the sync never opens the gateway

    [story] = put.json
    assert (story["name"], story["type"]) == ("story", 1)
    subs = by_name(story["options"])
    assert list(subs) == [*OPTIONS, "feeds"]
    for name, expected in OPTIONS.items():
        assert subs[name]["type"] == 1  # SUB_COMMAND
        got = [(o["name"], o["type"], o["required"]) for o in subs[name]["options"]]
        assert got == expected, name

    follow = by_name(subs["follow"]["options"])
    assert [c["value"] for c in follow["mode"]["choices"]] == ["realtime", "digest"]
    assert (follow["hours"]["min_value"], follow["hours"]["max_value"]) == (0.25, 168)
    # HH:MM, at most 5 characters; its form is the command's to check and explain
    assert (follow["at"]["min_length"], follow["at"]["max_length"]) == (1, 5)
    assert "HH:MM" in follow["at"]["description"]
    for name in (
        "status",
        "developments",
        "subscribe",
        "unsubscribe",
        "wrong",
        "follow",
        "unfollow",
    ):
        assert by_name(subs[name]["options"])["story"]["autocomplete"] is True
    # Discord itself refuses page 0 or less; the command explains one typed elsewhere
    assert by_name(subs["developments"]["options"])["page"]["min_value"] == 1
    stories = by_name(subs["stories"]["options"])
    assert [c["value"] for c in stories["action"]["choices"]] == ["list", "add", "remove"]
    assert stories["name"]["autocomplete"] is True
    help_choices = by_name(subs["help"]["options"])["command"]["choices"]
    assert {"name": "subscribe", "value": "subscribe"} in help_choices

    feeds = subs["feeds"]
    assert feeds["type"] == 2  # SUB_COMMAND_GROUP
    assert [(o["name"], [a["name"] for a in o["options"]]) for o in feeds["options"]] == [
        ("add", ["url"]),
        ("remove", ["url"]),
        ("list", []),
    ]
    assert [c["name"] for c in fake.commands[GUILD_ID]] == ["story"]


async def test_global_sync_for_production(fake: FakeDiscord) -> None:
    names = await sync_commands(fake.token, None, api_url=fake.api_url)
    assert names == LEAVES
    [put] = fake.calls_to("PUT", rf"/applications/{APP_ID}/commands")
    assert [c["name"] for c in put.json] == ["story"]
    assert fake.calls_to("PUT", r"/applications/\d+/guilds/\d+/commands") == []


async def test_sync_with_a_rejected_token_fails(fake: FakeDiscord) -> None:
    with pytest.raises(discord.LoginFailure):
        await sync_commands("wrong", None, api_url=fake.api_url)
    assert fake.calls_to("PUT", r".*") == []


async def _storybot(*argv: str) -> int:
    """``storybot ARGV``: in a thread, as its asyncio.run needs a loop of its own (the
    fake Discord serves on this one)."""
    from adapters.cli import main

    return await asyncio.to_thread(main, list(argv))


def _ours(err: str) -> str:
    """``err`` without the fake server's access log (it serves in this process)."""
    return "".join(line for line in err.splitlines(True) if "aiohttp.access" not in line)


async def test_storybot_discord_sync_global_without_admin_servers_says_what_they_are_for(
    fake: FakeDiscord, monkeypatch, capsys, tmp_path
) -> None:
    # a global sync puts /story in every server that adds the bot: the operator is told
    # then that the install-wide commands need [discord] admin_servers in several
    monkeypatch.setenv("DISCORD_BOT_TOKEN", fake.token)
    monkeypatch.setenv("STORYBOT_DISCORD_API_URL", fake.api_url)
    assert await _storybot("discord", "sync", "--global") == 0
    out = capsys.readouterr().out
    assert "synced" in out and "[discord] admin_servers lists the servers" in out
    config = tmp_path / "listed.toml"
    config.write_text(f"[discord]\nadmin_servers = [{GUILD_ID}]\n", encoding="utf-8")
    assert await _storybot("--config", str(config), "discord", "sync", "--global") == 0
    assert "admin_servers" not in capsys.readouterr().out
    assert await _storybot("discord", "sync", "--guild", str(GUILD_ID)) == 0
    assert "admin_servers" not in capsys.readouterr().out


async def test_storybot_discord_sync_with_a_rejected_token_says_so_in_one_line(
    fake: FakeDiscord, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("DISCORD_BOT_TOKEN", "wrong")
    monkeypatch.setenv("STORYBOT_DISCORD_API_URL", fake.api_url)
    assert await _storybot("discord", "sync", "--global") == 2
    err = _ours(capsys.readouterr().err)
    assert err.startswith("storybot: error: Discord rejected DISCORD_BOT_TOKEN"), err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert fake.calls_to("PUT", r".*") == []


async def test_storybot_discord_sync_to_a_server_storybot_is_not_in_says_how_to_add_it(
    fake: FakeDiscord, monkeypatch, capsys
) -> None:
    """Discord answers a guild sync 403 Missing Access (50001) where the app is not
    installed, or for an ID that is no server's (a channel's or a user's pasted): the
    operator is told which, and given the link that adds storybot to that server."""
    stranger = GUILD_ID + 7
    monkeypatch.setenv("DISCORD_BOT_TOKEN", fake.token)
    monkeypatch.setenv("STORYBOT_DISCORD_API_URL", fake.api_url)
    assert await _storybot("discord", "sync", "--guild", str(stranger)) == 1
    err = _ours(capsys.readouterr().err)
    assert err.startswith(
        f"storybot: error: Discord refused the commands in server {stranger} (403 Missing "
        "Access): storybot is not in that server, or it is not a server's ID"
    ), err
    invite = (
        f"https://discord.com/oauth2/authorize?client_id={APP_ID}"
        f"&scope=bot+applications.commands&permissions=19456&guild_id={stranger}"
    )
    assert f"add it with {invite} and sync again" in err, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert fake.commands == {}


async def test_storybot_discord_sync_when_discord_cannot_be_reached_says_so_in_one_line(
    fake: FakeDiscord, monkeypatch, capsys
) -> None:
    with socket.socket() as sock:  # a port nothing listens on: connection refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("DISCORD_BOT_TOKEN", fake.token)
    monkeypatch.setenv("STORYBOT_DISCORD_API_URL", f"http://127.0.0.1:{port}/api/v10")
    assert await _storybot("discord", "sync", "--guild", str(GUILD_ID)) == 1
    err = _ours(capsys.readouterr().err)
    assert err.startswith(
        f"storybot: error: could not reach Discord at http://127.0.0.1:{port}/api/v10"
    ), err
    assert err.count("\n") == 1 and "Traceback" not in err, err


async def test_storybot_discord_sync_rate_limited_for_long_says_when_to_try_again(
    fake: FakeDiscord, monkeypatch, capsys
) -> None:
    """Discord limits how often commands are registered (application command creates are
    counted per day); a 429 longer than discord.py waits out is ``discord.RateLimited``,
    which is no ``HTTPException``: the operator is told in one line when to try again."""
    monkeypatch.setenv("DISCORD_BOT_TOKEN", fake.token)
    monkeypatch.setenv("STORYBOT_DISCORD_API_URL", fake.api_url)
    fake.rate_limit_next(1, retry_after=5400.0, path=r"/applications/\d+/guilds/\d+/commands")
    assert await _storybot("discord", "sync", "--guild", str(GUILD_ID)) == 1
    err = _ours(capsys.readouterr().err)
    assert "Traceback" not in err, err
    # discord.py's own WARNING names the route and the wait; storybot's line ends it
    last = err.splitlines()[-1]
    assert last.startswith("storybot: error: Discord rate-limited the commands"), err
    assert last.endswith("nothing was registered: try again in 90 min"), err
    assert fake.commands == {}


async def test_storybot_discord_sync_to_a_url_that_is_not_discords_rest_base_says_so(
    fake: FakeDiscord, monkeypatch, capsys
) -> None:
    """A STORYBOT_DISCORD_API_URL without its /api/v10: the login is answered 404, which
    was reported as "Discord refused the commands: 404 Not Found", though no command was
    sent. It is the URL, said as the configuration error it is (exit 2)."""
    wrong = fake.api_url.removesuffix("/api/v10")
    monkeypatch.setenv("DISCORD_BOT_TOKEN", fake.token)
    monkeypatch.setenv("STORYBOT_DISCORD_API_URL", wrong)
    assert await _storybot("discord", "sync", "--guild", str(GUILD_ID)) == 2
    err = _ours(capsys.readouterr().err)
    assert err.startswith(
        "storybot: error: Discord answered 404 Not Found to the login: "
        f"STORYBOT_DISCORD_API_URL ({wrong}) is not Discord's REST base URL"
    ), err
    assert err.count("\n") == 1 and "Traceback" not in err, err


def test_the_discord_help_names_every_option_of_each_command() -> None:
    """`/story help` on Discord is where people learn the options (``title:``, ``yes:``)."""
    for name, options in OPTIONS.items():
        form = SPECS[name].usage_for("discord")
        for option, _, _ in options:
            assert f"{option}:" in form, f"/story help does not name {name}'s {option}:"


def _exit_code(argv: list[str]) -> int | str | None:
    """``storybot ARGV``'s exit code, also when argparse exits (a usage error: 2)."""
    from adapters.cli import main

    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


@pytest.mark.parametrize("guild", ["0", "000", "-5", "1_2", "12345678901234567890123"])
async def test_storybot_discord_sync_refuses_a_guild_that_is_not_a_server_id(
    fake: FakeDiscord, monkeypatch, capsys, guild: str
) -> None:
    """``--guild`` is checked as ``[discord] dev_guild_id`` is: a usage error, nothing sent.

    Taken as any int, ``--guild 0`` registered the commands in "server 0" and said they
    went to "all servers (global...)"; ``-5`` got Discord's bare 404.
    """
    monkeypatch.setenv("DISCORD_BOT_TOKEN", fake.token)
    monkeypatch.setenv("STORYBOT_DISCORD_API_URL", fake.api_url)
    assert await asyncio.to_thread(_exit_code, ["discord", "sync", "--guild", guild]) == 2
    out, err = capsys.readouterr()
    assert "argument --guild: not a server ID" in _ours(err), err
    assert "synced" not in out
    assert fake.calls == []  # not even a login


def _leaf(**over: Any) -> dict[str, Any]:
    return {"name": "status", "description": "Status", "type": SUBCOMMAND, **over}


def _story(*leaves: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": "story", "description": "Follow a story", "type": 1, "options": list(leaves)}]


def _opt(name: str, required: bool = False, **over: Any) -> dict[str, Any]:
    return {"name": name, "description": "An option", "type": 3, "required": required, **over}


@pytest.mark.parametrize(
    ("commands", "where"),
    [
        (_story(_leaf(description="x" * 101)), ["0", "options", "0", "description"]),
        (_story(_leaf(description="")), ["0", "options", "0", "description"]),
        (_story(_leaf(name="Status")), ["0", "options", "0", "name"]),
        (_story(_leaf(name="a" * 33)), ["0", "options", "0", "name"]),
        (_story(_leaf(name="two words")), ["0", "options", "0", "name"]),
        (
            _story(_leaf(options=[_opt("story"), _opt("query", required=True)])),
            ["0", "options", "0", "options", "1", "required"],
        ),
        (
            _story(_leaf(options=[_opt(f"o{n}") for n in range(26)])),
            ["0", "options", "0", "options", "_errors"],
        ),
        (
            _story(
                _leaf(
                    options=[
                        _opt("c", choices=[{"name": str(n), "value": str(n)} for n in range(26)])
                    ]
                )
            ),
            ["0", "options", "0", "options", "0", "choices"],
        ),
        (
            _story(_leaf(options=[_opt("c", choices=[{"name": "n", "value": "v" * 101}])])),
            ["0", "options", "0", "options", "0", "choices", "0", "value"],
        ),
        (
            _story(
                *[
                    _leaf(
                        name=f"s{n}",
                        description="d" * 100,
                        options=[_opt(f"o{m}", description="d" * 100) for m in range(8)],
                    )
                    for n in range(10)
                ]
            ),
            ["0", "_errors"],
        ),
    ],
)
def test_the_fake_refuses_commands_discord_refuses(commands, where) -> None:
    """Discord refuses a whole bulk overwrite for one invalid command (Application
    Commands: names, descriptions, 25 options and choices, required options first, 8000
    characters in all): the fake does too, so a /story tree it accepts Discord accepts."""
    errors = invalid_commands(commands)
    for key in where:
        errors = errors[key]
    assert errors


def test_the_story_tree_is_within_discords_command_limits() -> None:
    client = discord.Client(intents=discord.Intents.none())
    tree = discord.app_commands.CommandTree(client)
    tree.add_command(story_group(_NoInvoker()))
    payload = [c.to_dict(tree) for c in tree.get_commands()]
    assert invalid_commands(payload) == {}


def test_the_story_tree_has_a_subcommand_for_each_command_of_the_table_and_no_other() -> None:
    # Slack's /story takes any text; Discord offers only what is registered: a command
    # added to bot/command_specs.py (which /story help lists) must be registered too.
    # (The group's description names no commands, so it cannot fall behind as Slack's
    # manifest did.)
    story = story_group(_NoInvoker())
    assert sorted(c.name for c in story.commands) == sorted(SPECS)


def test_the_developments_subcommand_says_its_entries_tell_their_latest_update() -> None:
    # Discord shows the subcommand's description as it is typed: entries tell when a
    # development was last updated and its newest fact, and it said nothing of it
    story = story_group(_NoInvoker())
    developments = next(c for c in story.commands if c.name == "developments")
    assert developments.description == (
        "Every development of the story, newest first, with its latest update and newest fact"
    )


async def test_a_sync_discord_refuses_registers_nothing_and_says_where(fake: FakeDiscord) -> None:
    use_endpoints(fake.api_url, fake.gateway_url)  # restored by the fixture
    client = discord.Client(intents=discord.Intents.none())
    await client.login(fake.token)
    try:
        with pytest.raises(discord.HTTPException) as caught:
            await client.http.bulk_upsert_global_commands(APP_ID, _story(_leaf(name="Status")))
    finally:
        await client.close()
    assert caught.value.code == 50035 and "0.options.0.name" in str(caught.value)
    assert fake.commands == {}


class _NoInvoker:
    async def invoke(self, interaction: discord.Interaction, text: str) -> None:
        raise AssertionError("not invoked")

    async def story_names(self) -> list[str]:
        return []

    async def refuse(self, interaction: discord.Interaction, text: str) -> None:
        raise AssertionError("not invoked")


@pytest.mark.parametrize("given", [" 12", "12 ", "\t12\n", "1 2", "0", "-5", "1_2", "12a", ""])
def test_discord_sync_guild_and_dev_guild_id_take_the_same_server_ids(tmp_path, given):
    """``--guild`` and ``[discord] dev_guild_id`` agree on every spelling: blanks around
    the digits are dropped by both (an ID pasted with its line's newline is still that
    server; ``bot.settings`` keeps ``' 42 '`` as 42 on purpose), anything else in it is
    refused by both."""
    import json

    from adapters.cli_parser import build_parser
    from bot.errors import ConfigError
    from bot.settings import load_settings

    config = tmp_path / "storybot.toml"
    config.write_text(f"[discord]\ndev_guild_id = {json.dumps(given)}\n")
    try:
        from_file: int | None = int(load_settings(config, env={}).discord.dev_guild_id)
    except (ConfigError, ValueError):  # ValueError: "" (no server), which --guild refuses
        from_file = None
    try:
        from_flag: int | None = (
            build_parser().parse_args(["discord", "sync", "--guild", given]).guild
        )
    except SystemExit:
        from_flag = None
    assert from_flag == from_file
