"""Measuring the story engine on labelled news streams.

* :mod:`bot.evaluation.data`: reading streams, building TDT tracking targets.
* :mod:`bot.evaluation.tracking`: the tracking protocol with the real engine.
* :mod:`bot.evaluation.baseline`: the TF-IDF seed-centroid reference tracker.
* :mod:`bot.evaluation.clustering`: event clustering with the development tracker.
* :mod:`bot.evaluation.dedup`: the copy detector on a syndication test set.
* :mod:`bot.evaluation.summaries`: update summaries against the reports' abstracts.
* :mod:`bot.evaluation.metrics`: detection cost, B-cubed, adjusted Rand index.
* :mod:`bot.evaluation.cli`: ``storybot eval track|cluster|dedup|summary``.
"""
