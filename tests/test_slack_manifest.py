"""The Slack app manifest declares what the adapter uses."""

from __future__ import annotations

from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

MANIFEST = Path(__file__).parent.parent / "config" / "slack-manifest.yaml"


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
