"""Curated FAQ: answers a person has written and an admin has published, answered first.

An agent promotes a good reply to a draft; an admin reviews, edits and publishes it; from then on
a question of the same meaning gets that answer, with its citations, before any retrieval.
Matching compares questions by character bigrams (content characters only) and by the built-in
n-gram vectors, so a rephrased question still matches and an unrelated one does not.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bot.db import Database, iso
from bot.sessions import new_id
from chunfeng.errors import NotFound
from kb.embed import HashNgramEmbedder
from kb.tokenize import Tokenizer

DRAFT, PUBLISHED, ARCHIVED = "draft", "published", "archived"
STATUS_NAMES = {DRAFT: "待审核", PUBLISHED: "已发布", ARCHIVED: "已下线"}


@dataclass
class FaqEntry:
    id: str
    question: str
    answer: str
    citations: list[dict[str, Any]] = field(default_factory=list)
    status: str = DRAFT
    source_ticket: str | None = None
    created_by: str = ""
    reviewed_by: str | None = None
    created_at: str = ""
    updated_at: str = ""
    published_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "status_name": STATUS_NAMES[self.status]}


def similarity(a: str, b: str, embedder: HashNgramEmbedder) -> float:
    """0..1: how alike two questions are (the larger of bigram Dice and n-gram cosine)."""
    ba, bb = set(Tokenizer.query_bigrams(a)), set(Tokenizer.query_bigrams(b))
    dice = 2 * len(ba & bb) / (len(ba) + len(bb)) if ba and bb else 0.0
    cos = float(np.dot(embedder.embed_query(a), embedder.embed_query(b)))
    return max(dice, cos)


class FaqStore:
    def __init__(self, db: Database, threshold: float = 0.72) -> None:
        self.db = db
        self.threshold = threshold
        self._embedder = HashNgramEmbedder()
        self._cache: list[FaqEntry] | None = None
        self._lock = threading.Lock()

    @staticmethod
    def _entry(r) -> FaqEntry:
        data = dict(r)
        data["citations"] = json.loads(data["citations"])
        return FaqEntry(**data)

    def get(self, faq_id: str) -> FaqEntry:
        r = self.db.one("SELECT * FROM faq WHERE id=?", (faq_id,))
        if r is None:
            raise NotFound(f"常见问题 {faq_id} 不存在。请刷新列表。")
        return self._entry(r)

    def list(self, status: str | None = None) -> list[FaqEntry]:
        if status:
            rows = self.db.query("SELECT * FROM faq WHERE status=? ORDER BY updated_at DESC", (status,))
        else:
            rows = self.db.query("SELECT * FROM faq ORDER BY updated_at DESC")
        return [self._entry(r) for r in rows]

    def draft(self, question: str, answer: str, citations: list[dict[str, Any]] | None = None,
              source_ticket: str | None = None, created_by: str = "") -> FaqEntry:
        now = iso(self.db.now())
        fid = new_id("faq_")[:16]
        with self.db.tx() as c:
            c.execute(
                "INSERT INTO faq(id, question, answer, citations, status, source_ticket, created_by, created_at, updated_at)"
                " VALUES(?,?,?,?,?,?,?,?,?)",
                (fid, question.strip(), answer.strip(), json.dumps(citations or [], ensure_ascii=False), DRAFT,
                 source_ticket, created_by, now, now),
            )
        return self.get(fid)

    def update(self, faq_id: str, *, question: str | None = None, answer: str | None = None, status: str | None = None,
               reviewer: str | None = None) -> FaqEntry:
        entry = self.get(faq_id)
        now = iso(self.db.now())
        fields: dict[str, Any] = {"updated_at": now}
        if question is not None:
            fields["question"] = question.strip()
        if answer is not None:
            fields["answer"] = answer.strip()
        if status is not None:
            if status not in STATUS_NAMES:
                raise ValueError(status)
            fields["status"] = status
            if status == PUBLISHED and entry.status != PUBLISHED:
                fields["published_at"] = now
                fields["reviewed_by"] = reviewer
        with self.db.tx() as c:
            c.execute(f"UPDATE faq SET {', '.join(f'{k}=?' for k in fields)} WHERE id=?", (*fields.values(), faq_id))
        with self._lock:
            self._cache = None
        return self.get(faq_id)

    def publish(self, faq_id: str, reviewer: str) -> FaqEntry:
        return self.update(faq_id, status=PUBLISHED, reviewer=reviewer)

    def match(self, question: str) -> tuple[FaqEntry, float] | None:
        """The published entry most like the question, when it is alike enough."""
        with self._lock:
            if self._cache is None:
                self._cache = self.list(PUBLISHED)
            published = list(self._cache)
        best: tuple[FaqEntry, float] | None = None
        for entry in published:
            score = similarity(question, entry.question, self._embedder)
            if score >= self.threshold and (best is None or score > best[1]):
                best = (entry, score)
        return best
