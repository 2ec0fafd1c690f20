"""Event clustering evaluation: the development tracker run over a whole stream.

Every item of the stream is treated as on-topic and placed by the engine's own
:class:`bot.engine.developments.DevelopmentTracker` (the code and configuration the
service uses to group a story's items into developments), with the stream IDF learned
online. The resulting groups are scored against the gold ``event`` labels with
B-cubed precision/recall/F1 and the adjusted Rand index.
"""

from __future__ import annotations

from bot.engine import Engine, EngineConfig
from bot.engine.analysis import item_time
from bot.engine.developments import DevelopmentTracker
from bot.engine.termstats import DocFreq
from bot.engine.text import strip_outlet_suffix
from bot.evaluation.data import StreamItem
from bot.evaluation.metrics import adjusted_rand, bcubed
from bot.evaluation.tracking import engine_doc


def cluster_stream(items: list[StreamItem], config: EngineConfig | None = None) -> list[int]:
    """Assign every item of a sorted stream to a development.

    Args:
        items: The stream in protocol order.
        config: Engine configuration; the service defaults when None.

    Returns:
        The development number of each item, in stream order.
    """
    engine = Engine(config)
    cfg = engine.config
    df = DocFreq(cfg.max_vocab, cfg.idf_prior_docs)
    tracker = DevelopmentTracker(cfg)
    labels = []
    for item in items:
        doc = engine_doc(item)
        a = engine.analyse(doc)
        when = item_time(doc.published, doc.seen_at)
        c, _, _ = tracker.assign(a.unit, a.tf, when, strip_outlet_suffix(doc.title), df)
        labels.append(c.number)
        df.add(a.tf.keys())
    return labels


def evaluate_clustering(items: list[StreamItem], config: EngineConfig | None = None) -> dict[str, float]:
    """Cluster a stream and score it against the gold events.

    Args:
        items: The stream in protocol order.
        config: Engine configuration.

    Returns:
        ``{"items", "events", "clusters", "precision", "recall", "f1", "ari"}``.
    """
    pred = cluster_stream(items, config)
    gold = [it.event for it in items]
    b3 = bcubed(gold, pred)
    return {
        "items": len(items),
        "events": len(set(gold)),
        "clusters": len(set(pred)),
        **b3,
        "ari": adjusted_rand(gold, pred),
    }
