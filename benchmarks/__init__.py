"""Benchmarks for storybot; each prints human-readable lines, then one JSON object last."""
