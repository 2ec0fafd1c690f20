"""The service path with an embedder: batched model calls, persisted seed vectors.

Real pipeline, store and feed fetcher; the model is :class:`fakes.embedder.ConceptEmbedder`.
"""

from __future__ import annotations

from fakes.embedder import ConceptEmbedder
from feedserver import feed_server  # noqa: F401  (fixture)
from storyworld import as_entry, feed_of, make_world, samples

CONCEPTS = (("anthropic", "claude", "amodei"), ("pentagon", "defense", "hegseth", "military"))


async def test_items_are_embedded_per_batch_and_seed_vectors_survive_a_restart(
    feed_server, sqlite_url, clock
):
    fake = ConceptEmbedder(CONCEPTS)
    world = make_world(sqlite_url, clock, embedder=fake)
    items = samples("copy", "seed")[:2] + samples("unrelated")[:3]
    feed_server.add_feed(
        "/a.xml", feed_of(*(as_entry(x, i) for i, x in enumerate(items))), etag=True
    )
    world.app.store.add_feed(feed_server.url("/a.xml"), clock.now())

    report = await world.app.pipeline.poll_due()

    assert report.new_items == 5
    seeds = len(world.story.seeds)
    assert [len(c) for c in fake.calls] == [seeds, 5]  # the seeds once, then one batch
    decisions = [d for i in range(1, 6) for d in world.app.store.decisions_for_item(i)]
    assert len(decisions) == 5
    assert all("embedding" in d.judgement.reason for d in decisions)  # /story why shows it
    state = world.app.store.load_engine_state(world.story.id)
    assert state["seed_embeddings"]["model"] == "fake-concepts"
    assert len(state["seed_embeddings"]["seeds"]) == seeds
    await world.app.aclose()

    # a restarted service restores the story with its seed vectors: no model call for them
    again = ConceptEmbedder(CONCEPTS)
    world = make_world(sqlite_url, clock, embedder=again)
    world.app.pipeline.refresh_stories()
    assert again.calls == []
    assert world.app.engine.snapshot(world.story.id)["seed_embeddings"] == state["seed_embeddings"]
    await world.app.aclose()
