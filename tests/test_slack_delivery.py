"""The lead's outbox worker delivering through SlackSink to the fake Slack.

Real store, real ``DeliveryWorker``, real slack_sdk: only Slack itself is faked.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from fakes.slack_fixtures import fake, store  # noqa: F401  (fixtures)
from fakes.slack_server import FakeSlack

from adapters.slack_chat.sink import SlackSink
from bot.clock import ManualClock
from bot.delivery import DeliveryWorker
from bot.model import MessageKind, OutboundMessage, Target
from bot.ports import OutboxWrite
from storage import SqlStore

TARGET = Target("slack", channel_id="C0NEWS")
KEY = "alert:story-1:dev-1:slack:C0NEWS"


def alert(title: str) -> OutboundMessage:
    return OutboundMessage(MessageKind.ALERT, title, "Summary.", sources=("Reuters", "AP"))


@pytest.fixture
def worker(fake: FakeSlack, store: SqlStore, clock: ManualClock) -> DeliveryWorker:
    sink = SlackSink(SlackSink.make_client("xoxb-test", fake.base_url, timeout=5))
    return DeliveryWorker(store, {"slack": sink}, clock)


async def test_first_alert_is_posted_then_edited(
    fake: FakeSlack, store: SqlStore, clock: ManualClock, worker: DeliveryWorker
) -> None:
    store.enqueue([OutboxWrite(KEY, TARGET, alert("First report"))], clock.now())
    assert (await worker.deliver_due()).posted == 1
    [post] = fake.calls_to("chat.postMessage")
    assert post.args["metadata"]["event_payload"] == {"key": KEY}
    ts = store.get_outbox(KEY).message_id  # type: ignore[union-attr]
    assert ts == fake.messages["C0NEWS"][0]["ts"]

    store.enqueue([OutboxWrite(KEY, TARGET, alert("Second report"))], clock.now())
    assert (await worker.deliver_due()).edited == 1
    [update] = fake.calls_to("chat.update")
    assert update.args["ts"] == ts
    assert fake.messages["C0NEWS"][0]["blocks"][0]["text"]["text"] == "Second report"


async def test_429_defers_by_retry_after(
    fake: FakeSlack, store: SqlStore, clock: ManualClock, worker: DeliveryWorker
) -> None:
    store.enqueue([OutboxWrite(KEY, TARGET, alert("Report"))], clock.now())
    fake.fail_next(status=429, retry_after=42)
    assert (await worker.deliver_due()).rate_limited == 1
    entry = store.get_outbox(KEY)
    assert entry is not None and entry.message_id is None
    assert entry.next_attempt_at == clock.now() + timedelta(seconds=42)
    assert len(fake.calls_to("chat.postMessage")) == 1
    clock.advance(42)
    assert (await worker.deliver_due()).posted == 1


async def test_archived_channel_kills_the_row(
    fake: FakeSlack, store: SqlStore, clock: ManualClock, worker: DeliveryWorker
) -> None:
    store.enqueue([OutboxWrite(KEY, TARGET, alert("Report"))], clock.now())
    fake.fail_next(status=200, error="is_archived")
    assert (await worker.deliver_due()).dead == 1
    entry = store.get_outbox(KEY)
    assert entry is not None and entry.dead and "is_archived" in (entry.last_error or "")
