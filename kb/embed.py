"""Embedders behind one protocol.

* :class:`HashNgramEmbedder` — the built-in default. Character 1-3-grams of the normalised text,
  hashed into a fixed number of signed buckets with sub-linear term frequency, L2-normalised. It
  needs no model download, works for Chinese out of the box, and is deterministic (tests rank with it).
* :class:`SentenceTransformerEmbedder` — a real model (bge-small-zh-v1.5, bge-base-zh-v1.5 …) loaded
  from a local folder the operator names. Nothing is ever downloaded.

Every embedder has a ``name`` that identifies it exactly; the index records it and refuses another.
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
from pathlib import Path
from typing import Protocol, Sequence, runtime_checkable

import numpy as np

from chunfeng.errors import ModelLoadError
from kb.textnorm import normalize

_SKIP_CHARS = set("的了是在和与及或等其之而也都就还又吗呢啊吧，。、；：？！“”‘’（）《》〔〕【】…—-,.;:?!()[]\"' \n\t")


@runtime_checkable
class Embedder(Protocol):
    name: str
    dim: int

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


@functools.lru_cache(maxsize=1 << 18)
def _bucket(gram: str, dim: int) -> tuple[int, float]:
    """Bucket and sign of an n-gram (memoised: the same n-grams recur across a corpus)."""
    h = int.from_bytes(hashlib.blake2b(gram.encode("utf-8"), digest_size=8).digest(), "little")
    return h % dim, (1.0 if (h >> 63) & 1 else -1.0)


class HashNgramEmbedder:
    """Hashed character n-grams: a bag-of-ngrams vector, no model needed."""

    def __init__(self, dim: int = 512, ngrams: tuple[int, ...] = (1, 2, 3), weights: tuple[float, ...] = (0.3, 1.0, 0.7)) -> None:
        self.dim = dim
        self.ngrams = ngrams
        self.weights = weights
        self.name = f"hash-ngram-v1-d{dim}-n{''.join(map(str, ngrams))}"

    def _bucket(self, gram: str) -> tuple[int, float]:
        return _bucket(gram, self.dim)

    def _vector(self, text: str) -> np.ndarray:
        norm = normalize(text)
        chars = [c for c in norm if c not in _SKIP_CHARS]
        counts: dict[tuple[int, str], float] = {}
        for n, w in zip(self.ngrams, self.weights):
            for i in range(len(chars) - n + 1):
                gram = "".join(chars[i : i + n])
                counts[(n, gram)] = counts.get((n, gram), 0.0) + w
        vec = np.zeros(self.dim, dtype=np.float32)
        for (n, gram), tf in counts.items():
            idx, sign = self._bucket(gram)
            weight = tf if tf <= 1 else 1.0 + math.log(tf)
            vec[idx] += sign * weight
        length = float(np.linalg.norm(vec))
        return vec / length if length > 0 else vec

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)


def quiet_model_loading() -> None:
    """Never reach for a hub, and keep the libraries' download/progress chatter off the console."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    except ImportError:  # pragma: no cover - transformers is a dependency
        pass


BGE_ZH_QUERY_PREFIX = "为这个句子生成表示以用于检索相关文章："


class SentenceTransformerEmbedder:
    """A sentence-transformers model from a local folder (never downloaded)."""

    def __init__(self, folder: Path, query_prefix: str | None = None, batch_size: int = 32) -> None:
        folder = Path(folder).expanduser()
        if not folder.is_dir() or not any(folder.iterdir()):
            raise ModelLoadError(
                f"找不到向量模型文件夹 {folder}（设置 CHUNFENG_EMBED_MODEL）。"
                f"请把模型（例如 bge-small-zh-v1.5）完整复制到该文件夹，或删除该设置以使用内置的 hash-ngram 向量。"
            )
        quiet_model_loading()
        try:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        except Exception as exc:  # the library raises many kinds for a bad folder
            raise ModelLoadError(
                f"无法从 {folder} 加载向量模型：{type(exc).__name__}: {exc}。"
                f"请确认该文件夹是完整的 sentence-transformers 模型（含 config.json、modules.json 与权重文件）。"
            ) from exc
        dim_of = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dim_of() or 0)
        lowered = folder.name.lower()
        if query_prefix is None and "bge" in lowered and "zh" in lowered:
            query_prefix = BGE_ZH_QUERY_PREFIX
        self.query_prefix = query_prefix or ""
        self.batch_size = batch_size
        fingerprint = _folder_fingerprint(folder)
        self.name = f"st:{folder.name}:{fingerprint}"

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self._model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True
        )
        return np.asarray(out, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([self.query_prefix + text])[0]


def _folder_fingerprint(folder: Path) -> str:
    """Short hash of the model's config files, so a different model in the same folder is noticed."""
    h = hashlib.sha256()
    for name in ("config.json", "modules.json", "config_sentence_transformers.json", "tokenizer_config.json"):
        p = folder / name
        if p.is_file():
            h.update(name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:10]


def make_embedder(model_folder: Path | None, query_prefix: str | None = None) -> Embedder:
    """The embedder the settings ask for."""
    if model_folder is None:
        return HashNgramEmbedder()
    return SentenceTransformerEmbedder(model_folder, query_prefix=query_prefix)
