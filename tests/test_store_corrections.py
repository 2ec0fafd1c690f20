"""The store's corrections (``/story wrong``), on SQLite and PostgreSQL.

One row per story and item: set replaces, remove withdraws, and the rows go with their
story or item. ``all_corrections`` is what each poll cycle reads, in one query.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, event
from store_builders import T0, new_item, seed

from bot.model import Correction
from bot.ports import NotFound
from storage.models import ItemRow

pytest_plugins = ["store_fixtures"]  # fixtures: store (SQLite and PostgreSQL)


def _said(story_id: int, item_id: int, on_topic: bool, user: str = "U1", **kw) -> Correction:
    fields = {"platform": "slack", "user_id": user, "created_at": T0}
    fields.update(kw)
    return Correction(story_id, item_id, on_topic, **fields)


def _world(store):
    a = store.add_story("a", "A", [seed(1)], T0)
    b = store.add_story("b", "B", [seed(2)], T0)
    items = [store.ingest_item(new_item(n))[1] for n in (1, 2, 3)]
    return a, b, items


def test_a_correction_is_stored_with_who_gave_it_and_when(store):
    a, b, (one, two, _) = _world(store)
    store.set_correction(_said(a.id, one.id, False, user="UADMIN"))
    store.set_correction(_said(b.id, one.id, True, platform="discord", created_at=T0))
    store.set_correction(_said(a.id, two.id, True))

    assert store.item_corrections(one.id) == [
        Correction(a.id, one.id, False, "slack", "UADMIN", T0),
        Correction(b.id, one.id, True, "discord", "U1", T0),
    ]
    [got] = store.item_corrections(two.id)
    assert got.created_at.utcoffset() == timedelta(0)  # aware UTC on both databases
    assert store.all_corrections().get(a.id, {}) == {one.id: False, two.id: True}
    assert store.all_corrections().get(b.id, {}) == {one.id: True}
    assert store.all_corrections() == {a.id: {one.id: False, two.id: True}, b.id: {one.id: True}}


def test_a_new_word_on_the_same_item_replaces_the_old_one(store):
    a, _, (one, _, _) = _world(store)
    store.set_correction(_said(a.id, one.id, False, user="U1"))
    later = T0 + timedelta(hours=2)
    store.set_correction(_said(a.id, one.id, True, user="U2", created_at=later))
    store.set_correction(_said(a.id, one.id, True, user="U2", created_at=later))  # again

    assert store.item_corrections(one.id) == [Correction(a.id, one.id, True, "slack", "U2", later)]
    assert store.all_corrections() == {a.id: {one.id: True}}


def test_removing_a_correction_withdraws_it_and_says_whether_there_was_one(store):
    a, b, (one, _, _) = _world(store)
    store.set_correction(_said(a.id, one.id, False))
    store.set_correction(_said(b.id, one.id, False))

    assert store.remove_correction(a.id, one.id) is True
    assert store.remove_correction(a.id, one.id) is False
    assert store.all_corrections() == {b.id: {one.id: False}}
    assert store.all_corrections().get(a.id, {}) == {}


def test_corrections_go_with_their_story_or_their_item(store):
    a, b, (one, two, _) = _world(store)
    store.set_correction(_said(a.id, one.id, False))
    store.set_correction(_said(b.id, one.id, False))
    store.set_correction(_said(b.id, two.id, True))

    assert store.remove_story("a")
    assert store.all_corrections() == {b.id: {one.id: False, two.id: True}}
    with store._write() as session:  # storybot deletes no item; the database would
        session.execute(delete(ItemRow).where(ItemRow.id == two.id))
    assert store.all_corrections() == {b.id: {one.id: False}}


def test_a_correction_of_a_story_or_item_not_stored_is_refused(store):
    a, _, (one, _, _) = _world(store)
    with pytest.raises(NotFound):
        store.set_correction(_said(a.id + 100, one.id, False))
    with pytest.raises(NotFound):
        store.set_correction(_said(a.id, one.id + 100, False))
    assert store.all_corrections() == {}


def test_every_storys_corrections_are_read_in_one_query(store):
    a, b, items = _world(store)
    for story in (a, b):
        for item in items:
            store.set_correction(_said(story.id, item.id, item.id % 2 == 0))
    queries = []

    def count(conn, cursor, statement, *args):  # noqa: ANN001
        if statement.lstrip().upper().startswith("SELECT"):
            queries.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        found = store.all_corrections()
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    assert len(queries) == 1
    assert set(found) == {a.id, b.id} and all(len(v) == 3 for v in found.values())
