"""The Slack app manifest declares what the adapter uses."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot.command_specs import COMMANDS, SPECS

yaml = pytest.importorskip("yaml")

MANIFEST = Path(__file__).parent.parent / "config" / "slack-manifest.yaml"


def slash_command() -> dict[str, str]:
    """The manifest's one slash command, /story."""
    [command] = yaml.safe_load(MANIFEST.read_text())["features"]["slash_commands"]
    return command


# Slack's manifest schema allows 2,000 characters of description and 1,000 of usage hint
# (slackapi/manifest-schema); they are shown beside /story as it is typed: keep them short
SHOWN = 100


def test_the_slash_commands_description_sends_to_help_instead_of_listing_commands() -> None:
    # it listed six commands "(status, developments, subscribe, follow, why, help)" and
    # missed the others as they came (wrong, stories, feeds, unfollow...): /story help
    # lists them from the command table, so it cannot fall behind
    description = slash_command()["description"]
    assert len(description) <= SHOWN, description
    assert "/story help" in description
    names = "|".join(SPECS)
    listed = re.search(rf"\b(?:{names})\b\s*,\s*\b(?:{names})\b", description, re.IGNORECASE)
    assert listed is None, f"the description lists commands ({listed[0]!r}): /story help does"
    for name in re.findall(r"/story (\w+)", description):
        assert name in SPECS, f"the description names /story {name}: no such command"


def test_the_slash_commands_usage_hint_shows_real_commands_as_typed() -> None:
    # each alternative is a command's usage as /story help shows it ("why <url>" was
    # "why <item url>", "follow <story>" lacked its mode): `...` stands for the others
    hint = slash_command()["usage_hint"]
    assert len(hint) <= SHOWN, hint
    assert hint.startswith("[") and hint.endswith("]"), "/story alone is the help: optional"
    shown = hint[1:-1].split(" | ")
    assert shown[-1] == "...", "more commands than the hint shows: say so"
    usages = {spec.usage for spec in COMMANDS}
    for form in shown[:-1]:
        assert form in usages, f"{form!r} is no command's usage in bot/command_specs.py"
    assert shown[0] == SPECS["help"].usage


def test_manifest_has_the_scopes_command_and_socket_mode() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"chat:write", "chat:write.public", "commands", "im:write", "users:read"} <= scopes
    # Recovering an interrupted post reads history; uninvited, it must join first.
    assert {"channels:history", "channels:join"} <= scopes
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/story"
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["features"]["bot_user"]["display_name"] == "storybot"


ADAPTER = Path(__file__).parent.parent / "adapters" / "slack_chat"
# The bot token scopes each Web API method the adapter calls needs (Slack's method
# reference), for every kind of conversation storybot calls it in: alerts go to public
# and private channels (chat:write.public: a public one it was not invited to), keyword
# notices to DMs, and history and threads are read in all three.
SCOPES_NEEDED: dict[str, set[str]] = {
    "auth.test": set(),
    "apps.connections.open": set(),  # the app-level token's connections:write
    "chat.postMessage": {"chat:write", "chat:write.public"},
    "chat.update": {"chat:write"},
    "conversations.history": {"channels:history", "groups:history", "im:history"},
    "conversations.replies": {"channels:history", "groups:history", "im:history"},
    "conversations.join": {"channels:join"},
    "conversations.open": {"im:write"},
    "users.info": {"users:read"},
}
# slack_sdk names a client method after its Web API method: chat_postMessage
_WEB_API_FAMILIES = "api|apps|auth|bookmarks|bots|chat|conversations|dnd|emoji|files|pins|"
_WEB_API_FAMILIES += "reactions|reminders|search|team|usergroups|users|views"
_WEB_API_METHOD = re.compile(rf"(?:{_WEB_API_FAMILIES})_[A-Za-z_]+")


def web_api_methods_called() -> set[str]:
    """Every Web API method the Slack adapter's code calls through a slack_sdk client."""
    methods = set()
    for path in ADAPTER.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                name = node.func.attr
                assert name != "api_call", f"{path.name}: name the method, not api_call"
                if _WEB_API_METHOD.fullmatch(name):
                    methods.add(name.replace("_", "."))
    return methods


def test_the_manifest_grants_every_scope_the_adapters_web_api_calls_need() -> None:
    called = web_api_methods_called()
    assert {"chat.postMessage", "users.info", "conversations.open"} <= called  # the scan works
    unknown = sorted(called - set(SCOPES_NEEDED))
    assert not unknown, f"add these methods' scopes to SCOPES_NEEDED and the manifest: {unknown}"
    granted = set(yaml.safe_load(MANIFEST.read_text())["oauth_config"]["scopes"]["bot"])
    missing = {m: sorted(SCOPES_NEEDED[m] - granted) for m in called if SCOPES_NEEDED[m] - granted}
    assert not missing, f"scopes the manifest lacks, by the method that needs them: {missing}"
    # and no scope beyond what the code uses: "commands" is the slash command's
    unused = granted - set().union(*(SCOPES_NEEDED[m] for m in called)) - {"commands"}
    assert not unused, f"scopes the manifest asks for that no call needs: {sorted(unused)}"


# The bot scopes each Events API event the adapter listens for needs (Slack's event
# reference): without the subscription in the manifest Slack never sends it.
EVENT_SCOPES: dict[str, set[str]] = {"user_change": {"users:read"}}


def events_listened_for() -> set[str]:
    """Every event the Slack adapter registers a bolt listener for (``app.event(NAME)``,
    NAME a string or a module constant)."""
    events = set()
    for path in ADAPTER.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {
            t.id: node.value.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            for t in node.targets
            if isinstance(t, ast.Name)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "event"
                and node.args
            ):
                arg = node.args[0]
                if isinstance(arg, ast.Constant):
                    events.add(str(arg.value))
                elif isinstance(arg, ast.Name):
                    events.add(str(constants.get(arg.id)))
    return events


def test_the_manifest_subscribes_to_every_event_the_adapter_listens_for() -> None:
    # user_change tells storybot that an account was deactivated (Slack still takes DMs
    # to it); an app made from a manifest without the subscription never hears of one
    listened = events_listened_for()
    assert "user_change" in listened  # the scan works
    manifest = yaml.safe_load(MANIFEST.read_text())
    subscribed = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert listened == subscribed
    granted = set(manifest["oauth_config"]["scopes"]["bot"])
    for event in listened:
        assert EVENT_SCOPES[event] <= granted, event
    # HTTP mode gets events at the same URL as the slash command
    [command] = manifest["features"]["slash_commands"]
    assert manifest["settings"]["event_subscriptions"]["request_url"] == command["url"]
