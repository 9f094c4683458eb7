"""Policy categories for hotline filters and statistics, from ``hotline/data/categories.tsv``."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from kb.textnorm import normalize

OTHER = "其他"


class Categories:
    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = {name: [normalize(w) for w in words if w] for name, words in table.items()}

    @classmethod
    def load(cls, path: Path | None = None) -> "Categories":
        path = path or Path(str(resources.files("hotline") / "data" / "categories.tsv"))
        table: dict[str, list[str]] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#") and "\t" in line:
                name, words = line.split("\t", 1)
                table[name.strip()] = [w.strip() for w in words.split("|")]
        return cls(table)

    @property
    def names(self) -> list[str]:
        return list(self.table) + [OTHER]

    def classify(self, text: str) -> str:
        """The category whose keywords occur most often; ties go to the earlier category."""
        norm = normalize(text)
        best, best_hits = OTHER, 0
        for name, words in self.table.items():
            hits = sum(norm.count(w) for w in words)
            if hits > best_hits:
                best, best_hits = name, hits
        return best
