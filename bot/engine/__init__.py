"""The story engine: relevance, near-duplicates, developments and update summaries.

Pure: plain data in, decisions with reasons out; no I/O, no clock, deterministic.
See :mod:`bot.engine.engine` for the entry point and the sibling modules for each
algorithm and why it was chosen.
"""

from bot.engine.config import EngineConfig
from bot.engine.engine import Engine
from bot.engine.types import Amendment, EngineDoc, Verdict

__all__ = ["Amendment", "Engine", "EngineConfig", "EngineDoc", "Verdict"]
