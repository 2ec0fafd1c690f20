"""SlackSink against the fake Slack: posts, DMs, edits and error mapping.

The real slack_sdk client talks HTTP to ``tests.fakes.slack_server`` via ``base_url``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from fakes.slack_fixtures import fake  # noqa: F401  (fixture)
from fakes.slack_server import FakeSlack
from slack_sdk.errors import SlackApiError

from adapters.slack_chat.sink import METADATA_EVENT_TYPE, NOTE_EVENT_TYPE, SlackSink
from bot.clock import ManualClock
from bot.errors import (
    MAX_RETRY_AFTER_S,
    MessageFrozen,
    MessageGone,
    PermanentDeliveryError,
    PostUnverifiable,
    RateLimited,
    RateLimitScope,
    TransientDeliveryError,
)
from bot.model import Link, MessageKind, OutboundMessage, Target
from bot.thread_notes import fact_digest

CHANNEL = Target("slack", channel_id="C0NEWS")
DM = Target("slack", user_id="U0READER")
MESSAGE = OutboundMessage(
    kind=MessageKind.ALERT,
    title="<!channel> Pentagon signs deal",
    body="The deal was signed on Friday.",
    story_name="anthropic-pentagon",
    sources=("Reuters", "AP", "BBC"),
    links=(Link("Reuters", "https://reuters.example/a"),),
    when=datetime(2026, 11, 22, 9, 0, tzinfo=UTC),
)


@pytest.fixture
def sink(fake: FakeSlack) -> SlackSink:
    return SlackSink(SlackSink.make_client("xoxb-test", fake.base_url, timeout=5))


async def test_post_to_channel_carries_blocks_and_idempotency_metadata(
    fake: FakeSlack, sink: SlackSink
) -> None:
    ts = await sink.post(CHANNEL, MESSAGE, idempotency_key="alert:1:2:C0NEWS")
    [call] = fake.calls_to("chat.postMessage")
    assert ts and call.args["channel"] == "C0NEWS"
    assert call.token == "xoxb-test"
    assert call.args["metadata"] == {
        "event_type": METADATA_EVENT_TYPE,
        "event_payload": {"key": "alert:1:2:C0NEWS"},
    }
    assert call.args["blocks"][0]["text"]["text"] == "&lt;!channel&gt; Pentagon signs deal"
    assert "<!channel>" not in call.args["text"]
    assert call.args["unfurl_links"] is False


async def test_dm_opens_conversation_once(fake: FakeSlack, sink: SlackSink) -> None:
    await sink.post(DM, MESSAGE, idempotency_key="notice:1")
    await sink.post(DM, MESSAGE, idempotency_key="notice:2")
    assert [c.args["users"] for c in fake.calls_to("conversations.open")] == ["U0READER"]
    assert [c.args["channel"] for c in fake.calls_to("chat.postMessage")] == ["DU0READER"] * 2


async def test_edit_updates_and_threads_the_new_fact(fake: FakeSlack, sink: SlackSink) -> None:
    ts = await sink.post(CHANNEL, MESSAGE, idempotency_key="k")
    updated = OutboundMessage(
        **{**MESSAGE.__dict__, "title": "Deal signed", "thread_note": "*AP* confirms"}
    )
    await sink.edit(CHANNEL, ts, updated)
    [update] = fake.calls_to("chat.update")
    assert (update.args["channel"], update.args["ts"]) == ("C0NEWS", ts)
    assert update.args["blocks"][0]["text"]["text"] == "Deal signed"
    reply = fake.calls_to("chat.postMessage")[-1]
    assert reply.args["thread_ts"] == ts
    assert "*AP*" not in reply.args["text"] and "AP" in reply.args["text"]


async def test_edit_dm(fake: FakeSlack, sink: SlackSink) -> None:
    ts = await sink.post(DM, MESSAGE, idempotency_key="k")
    await sink.edit(DM, ts, MESSAGE)
    [update] = fake.calls_to("chat.update")
    assert update.args["channel"] == "DU0READER"


def replies(fake: FakeSlack, ts: str) -> list[str]:
    """The texts of the thread replies under ``ts`` in C0NEWS, oldest first."""
    return [m["text"] for m in fake.thread_replies("C0NEWS", ts)]


def noted(*facts: str) -> OutboundMessage:
    return replace(MESSAGE, thread_note="\n".join(facts))


async def test_a_thread_note_names_its_facts_in_metadata(fake: FakeSlack, sink: SlackSink) -> None:
    ts = await sink.post(CHANNEL, MESSAGE, idempotency_key="k")
    await sink.edit(CHANNEL, ts, noted("AP: one. [2]", "BBC: two. [3]"))
    [reply] = fake.thread_replies("C0NEWS", ts)
    assert "AP: one. [2]" in reply["text"] and "BBC: two. [3]" in reply["text"]
    assert reply["metadata"] == {
        "event_type": NOTE_EVENT_TYPE,
        "event_payload": {"facts": f"{fact_digest('AP: one. [2]')} {fact_digest('BBC: two. [3]')}"},
    }


async def test_facts_already_in_the_thread_are_not_posted_again(
    fake: FakeSlack, sink: SlackSink
) -> None:
    ts = await sink.post(CHANNEL, MESSAGE, idempotency_key="k")
    await sink.edit(CHANNEL, ts, noted("AP: one. [2]"))
    # the next edit carries the first fact along (it was in flight when it was queued)
    await sink.edit(CHANNEL, ts, noted("AP: one. [2]", "BBC: two. [3]"))
    await sink.edit(CHANNEL, ts, noted("AP: one. [2]", "BBC: two. [3]"))  # delivered again
    assert replies(fake, ts) == ["AP: one. [2]", "BBC: two. [3]"]  # each fact once
    assert len(fake.calls_to("chat.update")) == 3  # the alert itself is edited each time


async def test_notes_are_found_on_a_later_page_of_the_thread(
    fake: FakeSlack, sink: SlackSink
) -> None:
    ts = await sink.post(CHANNEL, MESSAGE, idempotency_key="k")
    facts = [f"Outlet {n}: fact {n}. [{n}]" for n in range(5)]
    for n in range(5):
        await sink.edit(CHANNEL, ts, noted(*facts[: n + 1]))
    await sink.edit(CHANNEL, ts, noted(*facts))
    assert replies(fake, ts) == facts  # the fake pages two messages at a time
    assert len(fake.calls_to("conversations.replies")) > 6


async def test_a_thread_is_read_only_since_the_time_given(
    fake: FakeSlack, sink: SlackSink, clock: ManualClock
) -> None:
    fake.ts_clock = lambda: clock.now().timestamp()
    ts = await sink.post(CHANNEL, MESSAGE, idempotency_key="k")
    for n in range(10):  # more replies than the 5 pages of 2 the fake gives
        fake.user_reply("C0NEWS", ts, f"reader {n}")
    clock.advance(hours=1)
    since = clock.now() - timedelta(minutes=5)
    await sink.edit(CHANNEL, ts, noted("AP: one. [2]"), since=since)
    await sink.edit(CHANNEL, ts, noted("AP: one. [2]"), since=since)  # delivered again
    notes = [m for m in fake.thread_replies("C0NEWS", ts) if m.get("metadata")]
    assert [m["text"] for m in notes] == ["AP: one. [2]"]
    calls = fake.calls_to("conversations.replies")
    assert len(calls) == 2  # one page each: the parent and the note
    assert {c.args["oldest"] for c in calls} == {f"{since.timestamp():.6f}"}


async def test_a_thread_longer_than_the_pages_it_reads_is_posted_unchecked_once(
    fake: FakeSlack, sink: SlackSink, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    fake.ts_clock = lambda: clock.now().timestamp()
    ts = await sink.post(CHANNEL, MESSAGE, idempotency_key="k")
    since = clock.now()
    clock.advance(minutes=1)
    for n in range(10):  # the parent and 10 replies: past 5 pages of 2, a cursor is left
        fake.user_reply("C0NEWS", ts, f"reader {n}")
    await sink.edit(CHANNEL, ts, noted("AP: one. [2]"), since=since)
    assert replies(fake, ts)[-1] == "AP: one. [2]"
    assert len(fake.calls_to("conversations.replies")) == 5
    assert "more than 5 pages of replies" in caplog.text
    assert "posting the note unchecked" in caplog.text
    # unchecked, a failed post is not retried: the retry could post it twice
    fake.fail_next(status=500, method="chat.postMessage")
    await sink.edit(CHANNEL, ts, noted("BBC: two. [3]"), since=since)
    assert replies(fake, ts)[-1] == "AP: one. [2]"


async def test_a_note_that_fails_fails_the_edit_and_its_retry_posts_it_once(
    fake: FakeSlack, sink: SlackSink
) -> None:
    ts = await sink.post(CHANNEL, MESSAGE, idempotency_key="k")
    fake.fail_next(status=500, method="chat.postMessage")
    with pytest.raises(TransientDeliveryError):
        await sink.edit(CHANNEL, ts, noted("new fact"))
    assert replies(fake, ts) == []
    await sink.edit(CHANNEL, ts, noted("new fact"))  # the worker's retry
    await sink.edit(CHANNEL, ts, noted("new fact"))
    assert replies(fake, ts) == ["new fact"]


async def test_a_note_refused_for_good_does_not_fail_the_edit(
    fake: FakeSlack, sink: SlackSink
) -> None:
    ts = await sink.post(CHANNEL, MESSAGE, idempotency_key="k")
    fake.fail_next(error="restricted_action", status=200, method="chat.postMessage")
    await sink.edit(CHANNEL, ts, noted("new fact"))
    assert len(fake.calls_to("chat.update")) == 1 and replies(fake, ts) == []


async def test_a_note_in_a_thread_it_cannot_read_is_posted_unchecked_at_most_once(
    fake: FakeSlack, sink: SlackSink, caplog: pytest.LogCaptureFixture
) -> None:
    ts = await sink.post(CHANNEL, MESSAGE, idempotency_key="k")
    fake.fail_next(error="missing_scope", status=200, method="conversations.replies")
    await sink.edit(CHANNEL, ts, noted("new fact"))
    assert replies(fake, ts) == ["new fact"]
    assert "posting the note unchecked" in caplog.text
    # and a post that fails then is not retried: without looking it could be posted twice
    fake.fail_next(error="missing_scope", status=200, method="conversations.replies")
    fake.fail_next(status=500, method="chat.postMessage")
    await sink.edit(CHANNEL, ts, noted("another fact"))
    assert replies(fake, ts) == ["new fact"]


async def test_notes_are_looked_for_in_a_public_channel_it_is_not_in(
    fake: FakeSlack, sink: SlackSink
) -> None:
    ts = await sink.post(CHANNEL, MESSAGE, idempotency_key="k")
    await sink.edit(CHANNEL, ts, noted("AP: one. [2]"))
    fake.not_member.add("C0NEWS")  # posted with chat:write.public, never invited
    await sink.edit(CHANNEL, ts, noted("AP: one. [2]", "BBC: two. [3]"))
    assert [c.args["channel"] for c in fake.calls_to("conversations.join")] == ["C0NEWS"]
    assert replies(fake, ts) == ["AP: one. [2]", "BBC: two. [3]"]


async def test_a_rate_limited_look_for_notes_is_retried_later(
    fake: FakeSlack, sink: SlackSink
) -> None:
    ts = await sink.post(CHANNEL, MESSAGE, idempotency_key="k")
    fake.fail_next(status=429, retry_after=3, method="conversations.replies")
    with pytest.raises(RateLimited):
        await sink.edit(CHANNEL, ts, noted("new fact"))
    assert replies(fake, ts) == []


async def test_429_is_rate_limited_with_retry_after_and_not_retried(
    fake: FakeSlack, sink: SlackSink
) -> None:
    fake.fail_next(status=429, retry_after=7)
    with pytest.raises(RateLimited) as caught:
        await sink.post(CHANNEL, MESSAGE, idempotency_key="k")
    assert caught.value.retry_after_s == 7
    assert len(fake.calls_to("chat.postMessage")) == 1  # the outbox worker owns retries


@pytest.mark.parametrize("retry_after", [float("nan"), float("inf"), 7200.0])
async def test_a_retry_after_that_is_no_number_or_too_long_waits_an_hour(
    fake: FakeSlack, sink: SlackSink, retry_after: float
) -> None:
    # README: a longer Retry-After, or one that is not a number, counts as an hour. A
    # "nan" (a broken proxy) was read as 0 s: the row was tried again at the next tick,
    # every 2 s, for as long as the 429s came
    fake.fail_next(status=429, retry_after=retry_after)
    with pytest.raises(RateLimited) as caught:
        await sink.post(CHANNEL, MESSAGE, idempotency_key="k")
    assert caught.value.retry_after_s == MAX_RETRY_AFTER_S


@pytest.mark.parametrize(
    ("method", "target"), [("chat.update", CHANNEL), ("conversations.open", DM)]
)
async def test_a_429_on_any_call_of_a_delivery_is_rate_limited_with_retry_after(
    fake: FakeSlack, sink: SlackSink, method: str, target: Target
) -> None:
    posted = await sink.post(CHANNEL, MESSAGE, idempotency_key="k")
    fake.fail_next(status=429, retry_after=9, method=method)
    with pytest.raises(RateLimited) as caught:
        if method == "chat.update":
            await sink.edit(target, posted, MESSAGE)
        else:
            await sink.post(target, MESSAGE, idempotency_key="k2")
    assert caught.value.retry_after_s == 9
    assert len(fake.calls_to(method)) == 1  # not retried in-process


@pytest.mark.parametrize(
    ("call", "method", "status", "scope", "may_be_wider"),
    [
        # Slack's chat.postMessage: about one message a second in a channel, and a limit
        # on the whole workspace the same 429 answers for
        ("post", "chat.postMessage", 429, RateLimitScope.TARGET, True),
        ("dm", "chat.postMessage", 429, RateLimitScope.TARGET, True),
        ("note", "chat.postMessage", 429, RateLimitScope.TARGET, True),
        # "Application has posted too many messages": the app's, not a channel's
        ("post", "chat.postMessage", 200, RateLimitScope.PLATFORM, False),
        # tiered methods: a limit on the method in the workspace, holding back the
        # deliveries that call it
        ("dm", "conversations.open", 429, RateLimitScope.DIRECT_MESSAGES, False),
        ("edit", "chat.update", 429, RateLimitScope.EDITS, False),
        ("note", "conversations.replies", 429, RateLimitScope.EDITS, False),
        ("find", "conversations.history", 429, RateLimitScope.LOOKUPS, False),
        ("join", "conversations.join", 429, RateLimitScope.EDITS, False),
        # "ratelimited" with HTTP 200: not said to be the method's; all of Slack waits
        ("edit", "chat.update", 200, RateLimitScope.PLATFORM, False),
    ],
)
async def test_what_a_slack_rate_limit_holds_back(
    fake: FakeSlack,
    sink: SlackSink,
    call: str,
    method: str,
    status: int,
    scope: RateLimitScope,
    may_be_wider: bool,
) -> None:
    posted = await sink.post(CHANNEL, MESSAGE, idempotency_key="k")
    if status == 429:
        fake.fail_next(status=429, retry_after=9, method=method)
    else:
        fake.fail_next(status=status, error="rate_limited", method=method)
    with pytest.raises(RateLimited) as caught:
        if call == "post":
            await sink.post(CHANNEL, MESSAGE, idempotency_key="k2")
        elif call == "dm":
            await sink.post(DM, MESSAGE, idempotency_key="k2")
        elif call == "edit":
            await sink.edit(CHANNEL, posted, MESSAGE)
        elif call == "note":
            await sink.edit(CHANNEL, posted, noted("AP: one. [2]"))
        elif call == "join":
            fake.not_member.add("C0NEWS")  # posted there with chat:write.public
            await sink.find_posted(CHANNEL, "k2")
        else:
            await sink.find_posted(CHANNEL, "k2")
    assert (caught.value.scope, caught.value.may_be_wider) == (scope, may_be_wider)
    assert method in str(caught.value)


async def test_editing_a_deleted_message_says_the_message_is_gone(
    fake: FakeSlack, sink: SlackSink
) -> None:
    with pytest.raises(MessageGone, match="message_not_found"):
        await sink.edit(CHANNEL, "1700000000.000001", MESSAGE)


async def test_an_edit_after_the_workspaces_edit_window_still_posts_its_note_in_the_thread(
    fake: FakeSlack, sink: SlackSink
) -> None:
    ts = await sink.post(CHANNEL, MESSAGE, idempotency_key="k")
    fake.fail_next(status=200, error="edit_window_closed", method="chat.update")
    with pytest.raises(MessageFrozen, match="edit_window_closed"):
        await sink.edit(CHANNEL, ts, noted("AP: one. [2]"))
    assert replies(fake, ts) == ["AP: one. [2]"]  # the alert stands; its thread has the news


async def test_an_alert_another_apps_token_posted_cannot_be_edited_and_is_posted_anew(
    fake: FakeSlack, sink: SlackSink
) -> None:
    ts = await sink.post(CHANNEL, MESSAGE, idempotency_key="k")
    fake.fail_next(status=200, error="cant_update_message", method="chat.update")
    with pytest.raises(MessageGone, match="cant_update_message"):
        await sink.edit(CHANNEL, ts, MESSAGE)


async def test_ratelimited_error_code_without_header(fake: FakeSlack, sink: SlackSink) -> None:
    fake.fail_next(status=200, error="ratelimited")
    with pytest.raises(RateLimited) as caught:
        await sink.edit(CHANNEL, "1.2", MESSAGE)
    assert caught.value.retry_after_s > 0


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 500},
        {"status": 503},
        {"status": 502, "error": "bad_gateway"},
        {"status": 200, "error": "internal_error"},
        {"disconnect": True},
    ],
)
async def test_transient_failures(fake: FakeSlack, sink: SlackSink, failure: dict) -> None:
    fake.fail_next(**failure)
    with pytest.raises(TransientDeliveryError):
        await sink.post(CHANNEL, MESSAGE, idempotency_key="k")
    assert len(fake.calls_to("chat.postMessage")) == 1


async def test_unreachable_slack_is_transient(fake: FakeSlack) -> None:
    await fake.stop()
    sink = SlackSink(SlackSink.make_client("xoxb-test", fake.base_url, timeout=5))
    with pytest.raises(TransientDeliveryError):
        await sink.post(CHANNEL, MESSAGE, idempotency_key="k")


@pytest.mark.parametrize(
    "code", ["channel_not_found", "not_in_channel", "is_archived", "msg_too_long"]
)
async def test_permanent_failures(fake: FakeSlack, sink: SlackSink, code: str) -> None:
    fake.fail_next(status=200, error=code)
    with pytest.raises(PermanentDeliveryError, match=code):
        await sink.post(CHANNEL, MESSAGE, idempotency_key="k")


@pytest.mark.parametrize(
    ("code", "hint"),
    [
        # an announcement channel: "Cannot post any message into a read-only channel"
        ("restricted_action_read_only_channel", "only some members may post in this channel"),
        # "Cannot post top-level messages into a thread-only channel"
        ("restricted_action_thread_only_channel", "takes only replies in threads"),
    ],
)
async def test_a_channel_that_refuses_storybots_posts_says_what_to_do(
    fake: FakeSlack, sink: SlackSink, code: str, hint: str
) -> None:
    # the refusal is what /story status and storybot outbox show: the code alone said
    # nothing about what to change
    fake.fail_next(status=200, error=code, method="chat.postMessage")
    with pytest.raises(PermanentDeliveryError, match=f"{code} \\(.*{hint}") as refused:
        await sink.post(CHANNEL, MESSAGE, idempotency_key="k")
    assert "follow the story in another channel" in str(refused.value)


@pytest.mark.parametrize(
    "code",
    [
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "account_inactive",
        # an org-wide app not (or no longer) granted this workspace: the operator's to
        # fix, like a token, for every message alike (it gave each one up)
        "team_access_not_granted",
    ],
)
async def test_a_refused_bot_token_is_transient_not_the_end_of_the_message(
    fake: FakeSlack, sink: SlackSink, code: str
) -> None:
    fake.fail_next(status=200, error=code)
    with pytest.raises(TransientDeliveryError, match=f"{code}.*SLACK_BOT_TOKEN"):
        await sink.post(CHANNEL, MESSAGE, idempotency_key="k")


async def test_dm_to_unknown_user_is_permanent(fake: FakeSlack, sink: SlackSink) -> None:
    fake.fail_next(status=200, error="user_not_found", method="conversations.open")
    with pytest.raises(PermanentDeliveryError):
        await sink.post(DM, MESSAGE, idempotency_key="k")
    assert fake.calls_to("chat.postMessage") == []


async def test_find_posted_recovers_a_message_by_its_idempotency_key(
    fake: FakeSlack, sink: SlackSink
) -> None:
    posted = {key: await sink.post(CHANNEL, MESSAGE, idempotency_key=key) for key in "abcde"}
    assert await sink.find_posted(CHANNEL, "a") == posted["a"]  # third page, newest first
    assert await sink.find_posted(CHANNEL, "e") == posted["e"]
    assert await sink.find_posted(CHANNEL, "zzz") is None
    assert await sink.find_posted(CHANNEL, "a", oldest=posted["b"]) is None
    assert await sink.find_posted(CHANNEL, "a", pages=2) is None
    assert await sink.find_posted(DM, "a") is None


async def test_find_posted_joins_a_public_channel_it_is_not_in(
    fake: FakeSlack, sink: SlackSink
) -> None:
    ts = await sink.post(CHANNEL, MESSAGE, idempotency_key="k")  # chat:write.public
    fake.not_member.add("C0NEWS")
    assert await sink.find_posted(CHANNEL, "k") == ts
    assert [c.args["channel"] for c in fake.calls_to("conversations.join")] == ["C0NEWS"]
    assert await sink.find_posted(CHANNEL, "k") == ts  # a member now: no second join
    assert len(fake.calls_to("conversations.join")) == 1


async def test_find_posted_does_not_join_where_it_can_read(
    fake: FakeSlack, sink: SlackSink
) -> None:
    assert await sink.find_posted(CHANNEL, "k") is None
    assert fake.calls_to("conversations.join") == []


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ({"join_error": "missing_scope"}, "missing_scope"),
        ({"private": {"C0NEWS"}}, "method_not_supported_for_channel_type"),
        ({"archived": {"C0NEWS"}}, "is_archived"),
        ({"join_error": "channel_not_found"}, "channel_not_found"),
    ],
)
async def test_find_posted_that_may_not_join_cannot_verify(
    fake: FakeSlack, sink: SlackSink, setup: dict, code: str
) -> None:
    fake.not_member.add("C0NEWS")
    for name, value in setup.items():
        setattr(fake, name, value)
    with pytest.raises(PostUnverifiable, match=f"conversations.join: {code}"):
        await sink.find_posted(CHANNEL, "k")
    assert len(fake.calls_to("conversations.history")) == 1


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        ({"status": 429, "retry_after": 3}, RateLimited),
        ({"status": 503}, TransientDeliveryError),
        ({"disconnect": True}, TransientDeliveryError),
    ],
)
async def test_find_posted_retries_a_join_that_failed_for_now(
    fake: FakeSlack, sink: SlackSink, failure: dict, error: type
) -> None:
    fake.not_member.add("C0NEWS")
    fake.fail_next(**failure, method="conversations.join")
    with pytest.raises(error):
        await sink.find_posted(CHANNEL, "k")


async def test_find_posted_without_the_history_scope_cannot_tell(
    fake: FakeSlack, sink: SlackSink
) -> None:
    # an app installed without channels:history may still post: the post is unverifiable,
    # not refused
    fake.fail_next(1, status=200, error="missing_scope", method="conversations.history")
    with pytest.raises(PostUnverifiable, match="conversations.history: missing_scope"):
        await sink.find_posted(CHANNEL, "k")
    assert fake.calls_to("conversations.join") == []


async def test_a_note_of_several_facts_shows_one_fact_a_line(
    fake: FakeSlack, sink: SlackSink
) -> None:
    ts = await sink.post(CHANNEL, MESSAGE, idempotency_key="k")
    await sink.edit(CHANNEL, ts, noted("AP: *one*. [2]", "BBC: two. [3]"))
    [reply] = replies(fake, ts)
    first, second = reply.split("\n")
    assert "one" in first and "*one*" not in first and first.endswith("[2]")
    assert second == "BBC: two. [3]"


# Slack's chat.update reference (api.slack.com/methods/chat.update) lists errors that say
# "not now" rather than "never": a failed internal update, a Slack Connect channel being
# migrated, a workspace in an Enterprise migration. Given up, the alert stopped being
# updated for the rest of the story.
@pytest.mark.parametrize(
    "code", ["update_failed", "external_channel_migrating", "org_login_required"]
)
async def test_an_edit_slack_cannot_apply_for_now_is_retried_not_given_up(
    fake: FakeSlack, sink: SlackSink, code: str
) -> None:
    ts = await sink.post(CHANNEL, MESSAGE, idempotency_key="k")
    fake.fail_next(status=200, error=code, method="chat.update")
    with pytest.raises(TransientDeliveryError, match=code):
        await sink.edit(CHANNEL, ts, MESSAGE)


async def test_a_post_in_a_workspace_being_migrated_is_retried(
    fake: FakeSlack, sink: SlackSink
) -> None:
    fake.fail_next(status=200, error="org_login_required", method="chat.postMessage")
    with pytest.raises(TransientDeliveryError, match="org_login_required"):
        await sink.post(CHANNEL, MESSAGE, idempotency_key="k")


async def test_a_deleted_or_archived_channel_says_what_can_be_done_from_elsewhere(
    fake: FakeSlack, sink: SlackSink
) -> None:
    """No one can type /story in a deleted channel, nor in an archived one (read-only
    until it is unarchived): the reason says what can be done, the operator's
    ``storybot follows remove`` among it, as Discord's for a deleted channel does."""
    fake.fail_next(status=200, error="channel_not_found", method="chat.postMessage")
    with pytest.raises(PermanentDeliveryError) as deleted:
        await sink.post(CHANNEL, MESSAGE, idempotency_key="k")
    assert "invite storybot first" in str(deleted.value)
    assert "otherwise the channel was deleted: follow the story in another channel" in str(
        deleted.value
    )
    assert "the operator runs `storybot follows remove slack:CHANNEL_ID`" in str(deleted.value)
    fake.archived.add("C0NEWS")
    with pytest.raises(PermanentDeliveryError) as archived:
        await sink.post(CHANNEL, MESSAGE, idempotency_key="k")
    assert "the channel is archived: unarchive it (then /story unfollow there stops" in str(
        archived.value
    )
    assert "or follow the story in another channel" in str(archived.value)
    assert "the operator run `storybot follows remove slack:CHANNEL_ID`" in str(archived.value)


async def test_an_edit_in_an_archived_channel_says_what_to_do(
    fake: FakeSlack, sink: SlackSink
) -> None:
    # Slack answers chat.update in an archived channel with is_inactive, not is_archived
    ts = await sink.post(CHANNEL, MESSAGE, idempotency_key="k")
    fake.archived.add("C0NEWS")
    with pytest.raises(PermanentDeliveryError, match="is_inactive.*unarchive"):
        await sink.edit(CHANNEL, ts, MESSAGE)


async def test_a_message_at_every_block_kit_limit_is_taken_by_slack(
    fake: FakeSlack, sink: SlackSink
) -> None:
    # The fake refuses what Slack refuses (invalid_blocks): a header over 150 characters, a
    # section over 3,000, more than 50 blocks... Feed text made of "&", "<" and ">" grows
    # five-fold once escaped; every part of the alert and of a digest is far too long.
    hostile = "&<>" * 400
    links = tuple(Link("&" * 200, f"https://x.example/{'a' * 2900}{n}") for n in range(60))
    alert = replace(
        MESSAGE,
        title=hostile,
        body="&<> " * 3000,
        story_name=hostile,
        sources=tuple(f"S&{n}" * 20 for n in range(100)),
        links=links,
        footer=hostile,
    )
    digest = replace(alert, kind=MessageKind.DIGEST, body="\n".join(["&" * 50] * 2000))
    for n, message in enumerate([alert, digest]):
        ts = await sink.post(CHANNEL, message, idempotency_key=f"k{n}")
        await sink.edit(CHANNEL, ts, message)
    assert len(fake.calls_to("chat.update")) == 2


async def test_the_fake_refuses_blocks_slack_refuses(fake: FakeSlack, sink: SlackSink) -> None:
    header = {"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}
    with pytest.raises(SlackApiError, match="invalid_blocks"):
        await sink.client.chat_postMessage(channel="C0NEWS", text="t", blocks=[header])
    context = {"type": "context", "elements": [{"type": "plain_text", "text": "x"}] * 11}
    with pytest.raises(SlackApiError, match="invalid_blocks"):
        await sink.client.chat_postMessage(channel="C0NEWS", text="t", blocks=[context])
    # each section within its 3,000, but more text in all than Slack takes in one message
    sections = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3000}}] * 4
    with pytest.raises(SlackApiError, match="msg_blocks_too_long"):
        await sink.client.chat_postMessage(channel="C0NEWS", text="t", blocks=sections)
    with pytest.raises(SlackApiError, match="msg_too_long"):
        await sink.client.chat_postMessage(channel="C0NEWS", text="x" * 40_001)
    assert fake.messages == {}


async def test_an_edit_asks_slack_not_to_parse_its_text_as_a_post_does(
    fake: FakeSlack, sink: SlackSink
) -> None:
    """chat.update parses the fallback text as ``client`` unless told ``none`` (unlike
    chat.postMessage, whose default is ``none``), and a missing ``parse`` resets the
    message's own setting to that default: the edit must say ``none`` itself."""
    ts = await sink.post(CHANNEL, MESSAGE, idempotency_key="k")
    await sink.edit(CHANNEL, ts, noted("AP confirms"))
    [update] = fake.calls_to("chat.update")
    assert update.args["parse"] == "none"
    assert all(c.args.get("parse") in (None, "none") for c in fake.calls_to("chat.postMessage"))


@pytest.mark.parametrize("title", ["", "   \n "])
async def test_an_alert_without_a_headline_sends_the_headers_words_as_its_text(
    fake: FakeSlack, sink: SlackSink, title: str
) -> None:
    """Slack shows ``text`` in notifications and to screen readers; an empty one (an item
    with no title, no story, no sources) made slack_sdk warn and said nothing."""
    bare = OutboundMessage(kind=MessageKind.ALERT, title=title, body="A summary.")
    ts = await sink.post(CHANNEL, bare, idempotency_key="k")
    await sink.edit(CHANNEL, ts, bare)
    for call in (*fake.calls_to("chat.postMessage"), *fake.calls_to("chat.update")):
        header = call.args["blocks"][0]["text"]["text"]
        assert header == "(no headline)"
        assert call.args["text"] == header
