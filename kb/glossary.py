"""The glossary: how people ask → how policies are written.

Data lives in ``kb/data/glossary.tsv`` (or a file the operator names); this module only loads it and
applies it. Expansion adds the policy terms to a question rather than replacing the user's words, so
a passage that happens to use the colloquial word still matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from chunfeng.errors import ConfigError
from kb.textnorm import normalize


@dataclass(frozen=True)
class Expansion:
    term: str  # what was found in the question
    adds: tuple[str, ...]  # the policy terms it stands for


class Glossary:
    def __init__(self, entries: dict[str, tuple[str, ...]]) -> None:
        # longest first, so "退押金" is applied before "押金"
        self._entries = dict(sorted(((normalize(k), v) for k, v in entries.items()), key=lambda kv: -len(kv[0])))

    @classmethod
    def load(cls, path: Path | None = None) -> "Glossary":
        path = path or Path(str(resources.files("kb") / "data" / "glossary.tsv"))
        entries: dict[str, tuple[str, ...]] = {}
        first_line: dict[str, int] = {}
        for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if "\t" not in line:
                raise ConfigError(
                    f"术语表 {path} 第 {n} 行“{line}”格式不对：应为“口语说法<Tab>政策用语1|政策用语2”。请改正该行后重试。"
                )
            term, targets = line.split("\t", 1)
            adds = tuple(t.strip() for t in targets.split("|") if t.strip())
            term = term.strip()
            if term in first_line:
                raise ConfigError(
                    f"术语表 {path} 第 {n} 行的口语说法“{term}”与第 {first_line[term]} 行重复，后一行会悄悄覆盖前一行。"
                    "请把两行的政策用语合并到一行后重试。"
                )
            first_line[term] = n
            if term and adds:
                entries[term] = adds
        return cls(entries)

    def __len__(self) -> int:
        return len(self._entries)

    def expand(self, question: str) -> list[Expansion]:
        """The entries whose colloquial term occurs in the question, longest first, non-overlapping."""
        text = normalize(question)
        found: list[Expansion] = []
        taken = [False] * len(text)
        for term, adds in self._entries.items():
            start = text.find(term)
            while start != -1:
                span = range(start, start + len(term))
                if not any(taken[i] for i in span):
                    for i in span:
                        taken[i] = True
                    found.append(Expansion(term, adds))
                    break
                start = text.find(term, start + 1)
        return found

    def expanded_terms(self, question: str) -> list[str]:
        """Policy terms to add to the question, without repeats and without terms already in it."""
        text = normalize(question)
        out: list[str] = []
        for exp in self.expand(question):
            for t in exp.adds:
                if normalize(t) not in text and t not in out:
                    out.append(t)
        return out
