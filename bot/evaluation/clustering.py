"""Event clustering evaluation: the development tracker run over a whole stream.

Every item of the stream is treated as on-topic and placed as the engine places a
story's items: a near-duplicate of an earlier item (:class:`bot.engine.dedup.CopyIndex`)
joins that item's development, any other item goes through the engine's own
:class:`bot.engine.developments.DevelopmentTracker` (same code, same configuration),
with the stream IDF learned online. An item's vector is built for telling *events*
apart (:class:`bot.engine.outlets.OutletMemory`): its outlet's template lines and
habitual words are discounted and its headline counts more, and its full names and
place names that the outlet does not print habitually are its *marks*, which let it
revive a retired development of its event. The resulting groups are
scored against the gold ``event`` labels with B-cubed precision/recall/F1 and the
adjusted Rand index.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.engine import Engine, EngineConfig
from bot.engine.analysis import item_time
from bot.engine.dedup import CopyIndex
from bot.engine.developments import DevelopmentTracker
from bot.engine.outlet_labels import strip_outlet_suffix
from bot.engine.outlets import OutletMemory
from bot.engine.termstats import DocFreq
from bot.evaluation.data import StreamItem
from bot.evaluation.metrics import adjusted_rand, bcubed
from bot.evaluation.tracking import engine_doc


def cluster_stream(
    items: list[StreamItem],
    config: EngineConfig | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[int]:
    """Assign every item of a sorted stream to a development.

    Args:
        items: The stream in protocol order.
        config: Engine configuration; the service defaults when None.
        progress: Called with (items placed, items) every 100 items and at the end.

    Returns:
        The development number of each item, in stream order.
    """
    engine = Engine(config)
    cfg = engine.config
    df = DocFreq(cfg.max_vocab, cfg.idf_prior_docs)
    tracker = DevelopmentTracker(cfg)
    copies = CopyIndex.from_config(cfg)
    outlets = OutletMemory(cfg)
    labels: list[int] = []
    for item in items:
        doc = engine_doc(item)
        a = engine.analyse(doc)
        unit = outlets.vector(doc.source, doc.title, doc.text, a.title_tf.keys())
        marks = outlets.marks(doc.source, a.entities)
        when = item_time(doc.published, doc.seen_at)
        copy = copies.find(a.fp)
        if copy is not None and labels[copy[0]] in tracker.clusters:
            # as in the service, a copy joins the development of the item it copies
            number = labels[copy[0]]
            tracker.join(tracker.clusters[number], unit, when, df, marks)
        else:
            title = strip_outlet_suffix(doc.title)
            c, _, _ = tracker.assign(unit, a.tf, when, title, df, marks)
            number = c.number
        labels.append(number)
        copies.add(item.index, a.fp)
        outlets.add(doc.source, doc.text, a.tf.keys())
        df.add(a.tf.keys())
        if progress is not None and (len(labels) % 100 == 0 or len(labels) == len(items)):
            progress(len(labels), len(items))
    return labels


def evaluate_clustering(
    items: list[StreamItem],
    config: EngineConfig | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, float | None]:
    """Cluster a stream and score it against the gold events.

    Args:
        items: The stream in protocol order.
        config: Engine configuration.
        progress: Told how many items are placed (see :func:`cluster_stream`).

    Returns:
        ``{"items", "events", "clusters", "precision", "recall", "f1", "ari"}``; the
        figures are None for an empty stream.
    """
    if not items:  # nothing to score: no figure, rather than a perfect-looking one
        return {
            "items": 0,
            "events": 0,
            "clusters": 0,
            "precision": None,
            "recall": None,
            "f1": None,
            "ari": None,
        }
    pred = cluster_stream(items, config, progress)
    gold = [it.event for it in items]
    b3 = bcubed(gold, pred)
    return {
        "items": len(items),
        "events": len(set(gold)),
        "clusters": len(set(pred)),
        **b3,
        "ari": adjusted_rand(gold, pred),
    }
