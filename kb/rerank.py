"""Optional cross-encoder reranking from a local model folder (e.g. bge-reranker-base).

The reranker scores (question, passage) pairs; scores are squashed to 0..1 with a sigmoid so they
can be mixed with the other ranking signals.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from chunfeng.errors import ModelLoadError
from kb.embed import quiet_model_loading


class Reranker(Protocol):
    name: str

    def score(self, query: str, passages: Sequence[str]) -> np.ndarray: ...


class CrossEncoderReranker:
    def __init__(self, folder: Path, max_length: int = 512) -> None:
        folder = Path(folder).expanduser()
        if not folder.is_dir() or not any(folder.iterdir()):
            raise ModelLoadError(
                f"找不到重排序模型文件夹 {folder}（设置 CHUNFENG_RERANK_MODEL）。"
                f"请把模型（例如 bge-reranker-base）完整复制到该文件夹，或删除该设置以关闭重排序。"
            )
        quiet_model_loading()
        try:
            from sentence_transformers import CrossEncoder

            self._model = CrossEncoder(str(folder), device="cpu", max_length=max_length, local_files_only=True)
        except Exception as exc:
            raise ModelLoadError(
                f"无法从 {folder} 加载重排序模型：{type(exc).__name__}: {exc}。请确认该文件夹是完整的 CrossEncoder 模型。"
            ) from exc
        self.name = f"ce:{folder.name}"

    def score(self, query: str, passages: Sequence[str]) -> np.ndarray:
        if not passages:
            return np.zeros(0, dtype=np.float32)
        raw = np.asarray(self._model.predict([(query, p) for p in passages], show_progress_bar=False), dtype=np.float32)
        if raw.ndim > 1:  # a model with several labels: use the last as "relevant"
            raw = raw[:, -1]
        if raw.min() >= 0.0 and raw.max() <= 1.0:
            return raw
        return 1.0 / (1.0 + np.exp(-raw))


def make_reranker(folder: Path | None) -> Reranker | None:
    return CrossEncoderReranker(folder) if folder else None
