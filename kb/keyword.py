"""The keyword index: BM25 (bm25s) over jieba tokens, saved as an inspectable folder.

Index folders are versioned: ``bm25/g<generation>/`` holds bm25s's arrays plus ``ids.json`` and
``info.json``; ``bm25/CURRENT`` names the live one and is replaced atomically, so a reader never
sees a half-written index and a crash while saving leaves the previous one in place.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path
from typing import Sequence

import bm25s
import numpy as np


class Bm25Index:
    def __init__(
        self, ids: list[str], model: bm25s.BM25 | None, df: dict[str, int], generation: int = 0, tokenizer: str = ""
    ) -> None:
        self.ids = ids
        self._model = model
        self.df = df  # document frequency of every token
        self.generation = generation
        self.tokenizer = tokenizer
        self._vocab = model.vocab_dict if model is not None else {}

    @classmethod
    def build(cls, ids: Sequence[str], tokens: Sequence[list[str]], generation: int = 0, tokenizer: str = "") -> "Bm25Index":
        ids = list(ids)
        if not ids:
            return cls([], None, {}, generation, tokenizer)
        model = bm25s.BM25(k1=1.2, b=0.75)
        # an empty token list would break bm25s; such chunks simply never match
        model.index([t if t else ["\u0000"] for t in tokens], show_progress=False)
        df: Counter[str] = Counter()
        for t in tokens:
            df.update(set(t))
        return cls(ids, model, dict(df), generation, tokenizer)

    def __len__(self) -> int:
        return len(self.ids)

    def known(self, tokens: Sequence[str]) -> list[str]:
        return [t for t in tokens if t in self._vocab]

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every chunk (aligned with ``self.ids``) for the query tokens."""
        if self._model is None:
            return np.zeros(0, dtype=np.float32)
        known = self.known(tokens)
        if not known:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self._model.get_scores(known), dtype=np.float32)

    def idf(self, token: str) -> float:
        """Inverse document frequency; a token no chunk contains gets the highest value, because
        a question word the knowledge base has never seen is the most telling one."""
        n = len(self.ids)
        df = self.df.get(token, 0)
        return float(np.log(1 + (n - df + 0.5) / (df + 0.5))) if n else 0.0

    # -- persistence ------------------------------------------------------------------------
    def save(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        name = f"g{self.generation}"
        tmp = root / f".tmp-{name}-{os.getpid()}"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
        if self._model is not None:
            self._model.save(str(tmp), show_progress=False)
        (tmp / "ids.json").write_text(json.dumps(self.ids), encoding="utf-8")
        (tmp / "df.json").write_text(json.dumps(self.df, ensure_ascii=False), encoding="utf-8")
        (tmp / "info.json").write_text(
            json.dumps({"generation": self.generation, "tokenizer": self.tokenizer, "count": len(self.ids)}), encoding="utf-8"
        )
        final = root / name
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
        pointer = root / ".CURRENT.tmp"
        pointer.write_text(name, encoding="utf-8")
        os.replace(pointer, root / "CURRENT")
        for old in root.iterdir():
            if old.is_dir() and old.name != name:
                shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, root: Path) -> "Bm25Index | None":
        pointer = root / "CURRENT"
        if not pointer.is_file():
            return None
        folder = root / pointer.read_text(encoding="utf-8").strip()
        try:
            info = json.loads((folder / "info.json").read_text(encoding="utf-8"))
            ids = json.loads((folder / "ids.json").read_text(encoding="utf-8"))
            df = json.loads((folder / "df.json").read_text(encoding="utf-8"))
            model = bm25s.BM25.load(str(folder), show_progress=False) if ids else None
        except (OSError, ValueError):
            return None  # unreadable: the caller rebuilds from the registry
        return cls(ids, model, df, int(info.get("generation", -1)), info.get("tokenizer", ""))
