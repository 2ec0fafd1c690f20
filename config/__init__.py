"""Configuration files shipped with storybot: defaults and examples (data, not code)."""

from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent
DEFAULTS_FILE = CONFIG_DIR / "defaults.toml"
