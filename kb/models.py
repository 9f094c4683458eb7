"""The records the knowledge base stores: documents and their chunks."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

JURISDICTIONS = ("national", "provincial", "city")
JURISDICTION_NAMES = {"national": "国家", "provincial": "省级", "city": "市县"}


@dataclass
class Chunk:
    """One retrievable passage: an article, an outline item, a table row or a run of paragraphs."""

    id: str
    doc_id: str
    source: str  # the file name as ingested
    ordinal: int  # position in the document
    kind: str  # "article" | "item" | "row" | "text"
    text: str  # display text, exactly as in the source (after line repair)
    section: str  # full path, e.g. "中华人民共和国政府采购法 > 第六章 质疑与投诉 > 第五十二条"
    label: str  # the leaf of the path, e.g. "第五十二条", "18. 提升合同履行效率"
    title: str  # title of the (sub-)document the chunk belongs to, for citations
    doc_number: str = ""  # 文号 of that (sub-)document or the nearest enclosing one
    headings: str = ""  # the headings between title and label, e.g. "第六章 质疑与投诉"
    parents: str = ""  # enclosing documents, e.g. "关于印发…的通知（许财购〔2023〕1号）"
    article: int | None = None  # article number for 第X条 chunks
    group: str = ""  # key shared by the parts of a split article or item
    part: int = 0  # 1-based part number when a long article is split, else 0
    parts: int = 0
    issuer: str = ""
    date: str = ""  # YYYY-MM-DD of the document
    jurisdiction: str = ""  # national | provincial | city

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Chunk":
        names = cls.__dataclass_fields__.keys()
        return cls(**{k: v for k, v in data.items() if k in names})

    def index_text(self) -> str:
        """What the keyword and vector indexes see: title and section words plus the passage."""
        head = " ".join(x for x in (self.title, self.headings, self.label) if x)
        return f"{head}\n{self.text}"

    def citation_name(self) -> str:
        """《title》section（文号）, the way a citation is written for a reader."""
        where = self.label if self.kind != "text" else self.headings
        number = f"（{self.doc_number}）" if self.doc_number else ""
        return f"《{self.title}》{where or ''}{number}"


@dataclass
class DocumentRecord:
    """A document in the registry."""

    doc_id: str
    path: str  # absolute path when ingested
    source: str  # file name
    sha256: str
    size: int
    title: str
    doc_number: str = ""
    issuer: str = ""
    date: str = ""
    jurisdiction: str = ""
    format: str = ""
    chunk_count: int = 0
    ingested_at: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def chunk_id(doc_id: str, section: str, text: str, salt: int = 0) -> str:
    """Deterministic id from content: re-ingesting an unchanged passage gives the same id."""
    h = hashlib.sha256(f"{doc_id}\x1f{section}\x1f{text}\x1f{salt}".encode("utf-8"))
    return h.hexdigest()[:24]
