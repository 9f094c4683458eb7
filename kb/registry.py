"""The document registry: SQLite, the source of truth of the knowledge base.

Every document and every chunk is stored here; the vector and keyword indexes are derived from it
and are checked against it. A document's chunks are replaced in one transaction, and a generation
counter moves with every change, so a reader can tell when a derived index is stale. A crash in the
middle of an ingest therefore leaves each document either wholly old or wholly new.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Iterable, Iterator

from chunfeng.sqlite import Sqlite

from kb.models import Chunk, DocumentRecord

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    size INTEGER NOT NULL,
    title TEXT NOT NULL,
    doc_number TEXT NOT NULL DEFAULT '',
    issuer TEXT NOT NULL DEFAULT '',
    date TEXT NOT NULL DEFAULT '',
    jurisdiction TEXT NOT NULL DEFAULT '',
    format TEXT NOT NULL DEFAULT '',
    chunk_count INTEGER NOT NULL DEFAULT 0,
    ingested_at TEXT NOT NULL,
    extra TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks(doc_id, ordinal);
"""

_DOC_COLUMNS = (
    "doc_id", "path", "source", "sha256", "fingerprint", "size", "title", "doc_number", "issuer",
    "date", "jurisdiction", "format", "chunk_count", "ingested_at", "extra",
)


class Registry(Sqlite):
    def __init__(self, path: Path) -> None:
        super().__init__(path, SCHEMA)

    # -- generation ---------------------------------------------------------------------------
    def generation(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0

    @staticmethod
    def _bump(db: sqlite3.Connection) -> None:
        db.execute(
            "INSERT INTO meta(key, value) VALUES('generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value", (key, value)
            )

    # -- documents ----------------------------------------------------------------------------
    @staticmethod
    def _doc(row: sqlite3.Row) -> tuple[DocumentRecord, str]:
        data = dict(row)
        fingerprint = data.pop("fingerprint")
        data["extra"] = json.loads(data.get("extra") or "{}")
        return DocumentRecord(**data), fingerprint

    def document_by_path(self, path: str) -> tuple[DocumentRecord, str] | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM documents WHERE path=?", (path,)).fetchone()
        return self._doc(row) if row else None

    def document(self, doc_id: str) -> DocumentRecord | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        return self._doc(row)[0] if row else None

    def documents(self) -> list[DocumentRecord]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM documents ORDER BY source, path").fetchall()
        return [self._doc(r)[0] for r in rows]

    def replace_document(self, doc: DocumentRecord, fingerprint: str, chunks: list[Chunk]) -> tuple[set[str], set[str]]:
        """Store `doc` with exactly `chunks`, atomically. Returns (ids before, ids after)."""
        doc.chunk_count = len(chunks)
        values = {**doc.__dict__, "fingerprint": fingerprint, "extra": json.dumps(doc.extra, ensure_ascii=False)}
        with self.tx() as db:
            before = {r[0] for r in db.execute("SELECT id FROM chunks WHERE doc_id=?", (doc.doc_id,))}
            db.execute("DELETE FROM chunks WHERE doc_id=?", (doc.doc_id,))
            db.execute(
                f"INSERT OR REPLACE INTO documents({', '.join(_DOC_COLUMNS)}) VALUES({', '.join('?' * len(_DOC_COLUMNS))})",
                [values[c] for c in _DOC_COLUMNS],
            )
            db.executemany(
                "INSERT INTO chunks(id, doc_id, ordinal, data) VALUES(?, ?, ?, ?)",
                [(c.id, c.doc_id, c.ordinal, json.dumps(c.to_dict(), ensure_ascii=False)) for c in chunks],
            )
            self._bump(db)
        return before, {c.id for c in chunks}

    def delete_document(self, doc_id: str) -> set[str]:
        with self.tx() as db:
            ids = {r[0] for r in db.execute("SELECT id FROM chunks WHERE doc_id=?", (doc_id,))}
            db.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))
            db.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))
            self._bump(db)
        return ids

    def clear(self) -> None:
        with self.tx() as db:
            db.execute("DELETE FROM chunks")
            db.execute("DELETE FROM documents")
            self._bump(db)

    # -- chunks -------------------------------------------------------------------------------
    def count_chunks(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    def chunk_ids(self) -> set[str]:
        with self._lock:
            return {r[0] for r in self._db.execute("SELECT id FROM chunks")}

    def iter_chunks(self, batch: int = 2000) -> Iterator[Chunk]:
        """Every chunk in document order (a snapshot read)."""
        with self._lock:
            rows = self._db.execute("SELECT data FROM chunks ORDER BY doc_id, ordinal").fetchall()
        for row in rows:
            yield Chunk.from_dict(json.loads(row[0]))

    def get_chunks(self, ids: Iterable[str]) -> dict[str, Chunk]:
        ids = list(dict.fromkeys(ids))
        out: dict[str, Chunk] = {}
        with self._lock:
            for i in range(0, len(ids), 500):
                part = ids[i : i + 500]
                q = f"SELECT id, data FROM chunks WHERE id IN ({', '.join('?' * len(part))})"
                for row in self._db.execute(q, part):
                    out[row[0]] = Chunk.from_dict(json.loads(row[1]))
        return out

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        with self._lock:
            rows = self._db.execute("SELECT data FROM chunks WHERE doc_id=? ORDER BY ordinal", (doc_id,)).fetchall()
        return [Chunk.from_dict(json.loads(r[0])) for r in rows]
