"""The console adapter: what it prints and what it remembers."""

from __future__ import annotations

import io

from adapters.console import ConsoleAdapter
from bot.model import MessageKind, OutboundMessage, Target

CHANNEL = Target("console", channel_id="console")


def alert(title: str) -> OutboundMessage:
    return OutboundMessage(kind=MessageKind.ALERT, title=title, body="Officials met.")


async def test_the_console_prints_every_message_but_remembers_only_the_latest():
    # a service printing alerts for months must not keep every one of them
    out = io.StringIO()
    console = ConsoleAdapter(out, history=2)
    ids = [
        await console.post(CHANNEL, alert(f"Report {n}"), idempotency_key=f"k{n}") for n in range(3)
    ]
    for n in range(3):
        await console.edit(CHANNEL, ids[n], alert(f"Report {n}, updated"))

    printed = out.getvalue()
    assert all(f"Report {n}" in printed for n in range(3))
    assert [m.title for _, m in console.posted] == ["Report 1", "Report 2"]
    assert [i for i, _ in console.edited] == ids[1:]


def test_an_edited_alert_prints_its_new_fact_its_time_and_counts_the_links_it_leaves_out():
    from datetime import UTC, datetime

    from adapters.console import render_console
    from bot.model import Link

    message = OutboundMessage(
        kind=MessageKind.ALERT,
        title="Senators set a hearing",
        body="Senators demanded the text. [1] Michael will testify on March 18. [2]",
        links=tuple(Link(f"[{n}] Outlet {n}", f"https://o{n}.example/a") for n in range(1, 8)),
        when=datetime(2026, 3, 5, 17, 45, tzinfo=UTC),
        thread_note="Daily: Michael will testify on March 18. [2]",
    )

    lines = render_console(message, edited=True).splitlines()

    # the fact's sentence is in the summary just above: named, not printed twice
    assert "   new: Daily [2], quoted in the summary above" in lines
    assert sum("Michael will testify" in line for line in lines) == 1
    assert "   first reported 2026-03-05 17:45 UTC" in lines
    assert "   … and 2 more links" in lines


def test_the_console_lists_links_in_number_order_and_never_leaves_out_a_cited_one():
    from adapters.console import CONSOLE_LINKS, render_console
    from bot.model import Link

    n = CONSOLE_LINKS + 2
    message = OutboundMessage(
        kind=MessageKind.ALERT,
        title="Senators set a hearing",
        body=f"Senators demanded the text. [{n}]",
        links=tuple(Link(f"[{i}] Outlet {i}", f"https://o{i}.example/a") for i in range(1, n + 1)),
        thread_note="Daily: Michael will testify on March 18. [2]",
    )

    lines = render_console(message, edited=True).splitlines()

    listed = [int(line.split("]")[0].strip(" [")) for line in lines if line.startswith("   [")]
    assert listed == [*range(1, CONSOLE_LINKS), n], lines
    assert "   … and 2 more links" in lines


def test_the_sources_line_counts_outlets_only_when_there_are_several():
    from dataclasses import replace

    from adapters.console import render_console

    one = replace(alert("Talks resume"), sources=("Sample Wire",))
    two = replace(one, sources=("Sample Wire", "The Ledger"))

    assert "   sources: Sample Wire" in render_console(one).splitlines()
    assert "   sources: Sample Wire and The Ledger (2 outlets)" in render_console(two).splitlines()


def test_a_new_fact_the_summary_does_not_quote_is_printed_whole():
    from adapters.console import render_console

    message = OutboundMessage(
        kind=MessageKind.ALERT,
        title="Senators set a hearing",
        body="Senators demanded the text. [1]",
        thread_note="Daily (updated): Michael will testify on March 18. [2]",
    )

    lines = render_console(message, edited=True).splitlines()

    assert "   new: Daily (updated): Michael will testify on March 18. [2]" in lines


def test_a_new_fact_cut_short_is_named_when_the_summary_quotes_its_sentences():
    # the demo's 13:00 edit: the whole summary is the new report's, and its thread note
    # quotes the same sentences cut with " …": printed under the summary, it said it twice
    from adapters.console import render_console

    first = "Amodei told employees on Thursday that the agreement keeps the two limits."
    second = "Amodei described the deal as a framework rather than a final contract."
    message = OutboundMessage(
        kind=MessageKind.ALERT,
        title="Anthropic and Pentagon reach tentative deal",
        body=f"{first} {second} He also disclosed a 90-day pilot. [4]",
        thread_note=f"Bay Tech Daily (sample): {first} {second} … [4]",
    )

    lines = render_console(message, edited=True).splitlines()

    assert "   new: Bay Tech Daily (sample) [4], quoted in the summary above" in lines
    assert sum(first in line for line in lines) == 1


def test_links_are_printed_without_the_parameters_that_only_track_the_reader():
    # the demo's Northfield Courier links: "?utm_source=rss&utm_medium=feed&utm_campaign=nation"
    from adapters.console import render_console
    from bot.model import Link

    url = "https://northfieldcourier.example/news/nation/senators?utm_source=rss&utm_medium=feed"
    message = OutboundMessage(
        kind=MessageKind.ALERT,
        title="Senators",
        body="Text. [1]",
        links=(Link("[1] Courier", url),),
    )

    lines = render_console(message).splitlines()

    assert "   [1] Courier: https://northfieldcourier.example/news/nation/senators" in lines


async def test_the_console_user_is_told_of_a_removal_as_its_other_dms_are_printed(
    sqlite_url, clock
):
    from bot.delivery import DeliveryWorker
    from bot.subscriptions_gone import story_removed
    from storage import open_store

    store = open_store(sqlite_url)
    story = store.add_story("pentagon", "Pentagon", [], clock.now())
    sub = store.add_subscription("console", "operator", "deal", story.id, clock.now())
    assert store.remove_story("pentagon", story_removed("pentagon", clock.now()))
    out = io.StringIO()
    console = ConsoleAdapter(out)
    assert (await DeliveryWorker(store, {"console": console}, clock).deliver_due()).posted == 1
    store.close()
    assert out.getvalue() == (
        "(DM to operator)\n"
        "== STORYBOT: 1 keyword subscription of yours removed\n"
        f"   The story pentagon was removed by an admin, and with it your subscription #{sub.id} "
        "deal. /story subscribe <keywords> without --story makes one that follows every story.\n"
    )
    assert "KEYWORD MATCH" not in out.getvalue()


# --------------------------------------------------------------- a print not recorded


async def test_a_print_the_database_failed_to_record_is_not_printed_again(
    migrated_sqlite_url, clock, monkeypatch
):
    # Drill: PostgreSQL connections ended under a running `storybot run` (a restart, a
    # failover) failed the outbox's "delivered" write after the console had printed the
    # notice; the next tick printed it again. A terminal keeps no record to look in, but
    # the process that printed it remembers.
    import sqlite3

    import pytest

    import storage.engine
    from bot.delivery import DeliveryWorker
    from bot.ports import OutboxWrite, StoreBusy
    from storage import open_store

    monkeypatch.setattr(storage.engine, "BUSY_TIMEOUT_MS", 0)  # no wait on the real clock
    store = open_store(migrated_sqlite_url)
    other = sqlite3.connect(migrated_sqlite_url.removeprefix("sqlite:///"), isolation_level=None)

    class Terminal(io.StringIO):
        """Printing the first message, another process takes the database's write lock."""

        def write(self, text: str) -> int:
            if not self.getvalue():
                other.execute("BEGIN IMMEDIATE")
            return super().write(text)

    out = Terminal()
    console = ConsoleAdapter(out)
    store.enqueue([OutboxWrite("k1", CHANNEL, alert("Talks resume"))], clock.now())
    worker = DeliveryWorker(store, {"console": console}, clock)
    try:
        with pytest.raises(StoreBusy, match="database is locked"):
            await worker.deliver_due()
    finally:
        other.execute("ROLLBACK")
        other.close()
    report = await worker.deliver_due()  # the next tick
    assert out.getvalue().count("Talks resume") == 1, out.getvalue()
    assert report.recovered == 1
    assert store.outbox_counts().get("delivered") == 1
    store.close()


async def test_after_a_restart_a_print_that_may_have_happened_is_printed_again_with_a_warning(
    migrated_sqlite_url, clock, caplog
):
    # SIGKILL between printing and recording it: the new process cannot tell, and a
    # possible duplicate beats a lost alert, but the log says so, as for Slack
    from bot.delivery import DeliveryWorker
    from bot.ports import OutboxWrite
    from storage import open_store

    store = open_store(migrated_sqlite_url)
    store.enqueue([OutboxWrite("k1", CHANNEL, alert("Talks resume"))], clock.now())
    store.mark_post_started(store.get_outbox("k1").id, clock.now())  # then the kill
    out = io.StringIO()
    report = await DeliveryWorker(store, {"console": ConsoleAdapter(out)}, clock).deliver_due()
    assert out.getvalue().count("Talks resume") == 1
    assert report.unverified == 1
    assert "k1 again without knowing whether an interrupted attempt" in caplog.text
    assert "a duplicate is possible" in caplog.text
    store.close()
