"""Where the project's shared data lives: ``../shared`` beside the repository (as on CI).

``STORYBOT_SHARED`` overrides it. The evaluation data is read in place, never copied.
"""

from __future__ import annotations

import os
from pathlib import Path

SHARED = Path(os.environ.get("STORYBOT_SHARED", Path(__file__).resolve().parents[2] / "shared"))
EVALDATA = Path(os.environ.get("STORYBOT_EVALDATA", SHARED / "evaldata"))
SEEDS = SHARED / "seeds"
