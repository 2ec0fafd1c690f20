"""JSON forms of outbound messages and seeds round-trip exactly."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.model import Link, MessageKind, OutboundMessage, SeedDoc
from storage.serialize import (
    message_from_json,
    message_to_json,
    seed_from_json,
    seed_to_json,
)

WHEN = datetime(2026, 3, 5, 8, 0, 30, 123456, tzinfo=UTC)

MESSAGES = [
    OutboundMessage(MessageKind.ALERT, "Title", "Body"),
    OutboundMessage(
        kind=MessageKind.DIGEST,
        title="Digest <!channel>",
        body="line 1\nline 2 @everyone ✓",
        story_name="anthropic-pentagon",
        sources=("Reuters", "AP", "BBC"),
        links=(Link("Reuters", "https://r.example/a?x=1&y=2"), Link("AP", "https://ap.example/b")),
        when=WHEN,
        footer="3 developments",
        thread_note="New: the contract value was disclosed",
    ),
    OutboundMessage(MessageKind.NOTICE, "", "", sources=(), links=(), when=None),
    OutboundMessage(MessageKind.DIGEST, "Digest", "b", when=WHEN, when_from=WHEN - timedelta(1)),
]


@pytest.mark.parametrize("message", MESSAGES)
def test_message_round_trip_through_json_text(message):
    data = json.loads(json.dumps(message_to_json(message)))
    assert message_from_json(data) == message


def test_message_json_shape():
    data = message_to_json(MESSAGES[1])
    assert data["kind"] == "digest"
    assert data["when"] == "2026-03-05T08:00:30.123456+00:00"
    assert data["sources"] == ["Reuters", "AP", "BBC"]
    assert data["links"][0] == {"label": "Reuters", "url": "https://r.example/a?x=1&y=2"}
    # a digest's span starts where it has one; every other document is as before it was added
    assert "when_from" not in data
    assert message_to_json(MESSAGES[3])["when_from"] == "2026-03-04T08:00:30.123456+00:00"


def test_times_in_other_zones_come_back_as_utc():
    local = WHEN.astimezone(timezone(timedelta(hours=-5)))
    back = message_from_json(
        message_to_json(OutboundMessage(MessageKind.ALERT, "t", "b", when=local))
    )
    assert back.when == WHEN and back.when.utcoffset() == timedelta(0)


def test_unknown_kind_is_rejected():
    data = message_to_json(MESSAGES[0]) | {"kind": "shout"}
    with pytest.raises(ValueError):
        message_from_json(data)


@pytest.mark.parametrize(
    "seed",
    [
        SeedDoc("Title", "Text"),
        SeedDoc("Title", "Text ✓", url="https://x.example/1", published=WHEN),
    ],
)
def test_seed_round_trip(seed):
    assert seed_from_json(json.loads(json.dumps(seed_to_json(seed)))) == seed
