"""Vector indexes behind one protocol: Chroma (embedded or a server) and a small in-memory one.

Chroma is always given explicit embeddings (its default embedding function would try to download a
model). Scores returned are cosine similarities in -1..1.
"""

from __future__ import annotations

from typing import Any, Protocol, Sequence
from urllib.parse import urlparse

import numpy as np

from chunfeng.errors import ConfigError, KnowledgeBaseError


class VectorIndex(Protocol):
    def upsert(self, ids: Sequence[str], embeddings: np.ndarray, metadatas: Sequence[dict[str, Any]]) -> None: ...

    def delete(self, ids: Sequence[str]) -> None: ...

    def query(self, embedding: np.ndarray, k: int, where: dict[str, Any] | None = None) -> list[tuple[str, float]]: ...

    def ids(self) -> set[str]: ...

    def count(self) -> int: ...


class InMemoryVectorIndex:
    """Exact cosine search over a numpy matrix; for tests and tiny knowledge bases."""

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._rows: dict[str, int] = {}
        self._matrix = np.zeros((0, 0), dtype=np.float32)
        self._meta: list[dict[str, Any]] = []

    def upsert(self, ids: Sequence[str], embeddings: np.ndarray, metadatas: Sequence[dict[str, Any]]) -> None:
        for cid, vec, meta in zip(ids, embeddings, metadatas):
            if self._matrix.size == 0:
                self._matrix = np.zeros((0, len(vec)), dtype=np.float32)
            if cid in self._rows:
                self._matrix[self._rows[cid]] = vec
                self._meta[self._rows[cid]] = dict(meta)
            else:
                self._rows[cid] = len(self._ids)
                self._ids.append(cid)
                self._meta.append(dict(meta))
                self._matrix = np.vstack([self._matrix, np.asarray(vec, dtype=np.float32)[None, :]])

    def delete(self, ids: Sequence[str]) -> None:
        drop = set(ids) & set(self._rows)
        if not drop:
            return
        keep = [i for i, cid in enumerate(self._ids) if cid not in drop]
        self._ids = [self._ids[i] for i in keep]
        self._meta = [self._meta[i] for i in keep]
        self._matrix = self._matrix[keep] if keep else np.zeros((0, self._matrix.shape[1]), dtype=np.float32)
        self._rows = {cid: i for i, cid in enumerate(self._ids)}

    def query(self, embedding: np.ndarray, k: int, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        if not self._ids:
            return []
        scores = self._matrix @ np.asarray(embedding, dtype=np.float32)
        order = np.argsort(-scores)
        out = []
        for i in order:
            if where and not _matches(self._meta[i], where):
                continue
            out.append((self._ids[i], float(scores[i])))
            if len(out) >= k:
                break
        return out

    def ids(self) -> set[str]:
        return set(self._ids)

    def count(self) -> int:
        return len(self._ids)


def _matches(meta: dict[str, Any], where: dict[str, Any]) -> bool:
    """The subset of Chroma's `where` language we use: $and, $in, $eq, $gte, $lte."""
    for key, cond in where.items():
        if key == "$and":
            if not all(_matches(meta, c) for c in cond):
                return False
            continue
        value = meta.get(key)
        if isinstance(cond, dict):
            for op, arg in cond.items():
                ok = {
                    "$in": lambda: value in arg,
                    "$eq": lambda: value == arg,
                    "$ne": lambda: value != arg,
                    "$gte": lambda: value is not None and value >= arg,
                    "$lte": lambda: value is not None and value <= arg,
                }[op]()
                if not ok:
                    return False
        elif value != cond:
            return False
    return True


class ChromaVectorIndex:
    """A Chroma collection, embedded in the data folder or on a Chroma server."""

    def __init__(self, client: Any, collection: str, embedder_name: str) -> None:
        self._client = client
        self.collection_name = collection
        try:
            self._col = client.get_or_create_collection(
                collection, embedding_function=None, metadata={"hnsw:space": "cosine", "embedder": embedder_name}
            )
        except Exception as exc:
            raise KnowledgeBaseError(f"无法打开向量库集合“{collection}”：{exc}。请检查 CHUNFENG_CHROMA_URL 或数据目录权限。") from exc

    @classmethod
    def open(cls, path: str | None, url: str | None, collection: str, embedder_name: str) -> "ChromaVectorIndex":
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        settings = ChromaSettings(anonymized_telemetry=False)
        if url:
            parsed = urlparse(url)
            if parsed.scheme not in ("http", "https") or not parsed.hostname:
                raise ConfigError(
                    f"CHUNFENG_CHROMA_URL 的值 {url!r} 不是有效地址；应形如 http://127.0.0.1:8001。请改正或删除该设置以使用内置向量库。"
                )
            try:
                client = chromadb.HttpClient(
                    host=parsed.hostname,
                    port=parsed.port or (443 if parsed.scheme == "https" else 80),
                    ssl=parsed.scheme == "https",
                    settings=settings,
                )
            except Exception as exc:
                raise KnowledgeBaseError(
                    f"连接 Chroma 服务器 {url} 失败：{exc}。请确认服务器已启动（chroma run --path DIR --port N），或删除 CHUNFENG_CHROMA_URL 以使用内置向量库。"
                ) from exc
        else:
            client = chromadb.PersistentClient(path=str(path), settings=settings)
        return cls(client, collection, embedder_name)

    @property
    def embedder_name(self) -> str | None:
        return (self._col.metadata or {}).get("embedder")

    def upsert(self, ids: Sequence[str], embeddings: np.ndarray, metadatas: Sequence[dict[str, Any]]) -> None:
        step = 1000
        for i in range(0, len(ids), step):
            self._col.upsert(
                ids=list(ids[i : i + step]),
                embeddings=np.asarray(embeddings[i : i + step], dtype=np.float32).tolist(),
                metadatas=[dict(m) for m in metadatas[i : i + step]],
            )

    def delete(self, ids: Sequence[str]) -> None:
        ids = list(ids)
        for i in range(0, len(ids), 1000):
            self._col.delete(ids=ids[i : i + 1000])

    def query(self, embedding: np.ndarray, k: int, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        if k <= 0:
            return []
        res = self._col.query(
            query_embeddings=[np.asarray(embedding, dtype=np.float32).tolist()],
            n_results=k,
            where=where or None,
            include=["distances"],
        )
        ids = res["ids"][0] if res["ids"] else []
        dists = res["distances"][0] if res.get("distances") else [1.0] * len(ids)
        return [(cid, 1.0 - float(d)) for cid, d in zip(ids, dists)]

    def ids(self) -> set[str]:
        out: set[str] = set()
        offset = 0
        while True:
            batch = self._col.get(include=[], limit=5000, offset=offset)["ids"]
            out.update(batch)
            if len(batch) < 5000:
                return out
            offset += len(batch)

    def count(self) -> int:
        return int(self._col.count())

    def drop(self) -> None:
        """Delete the whole collection (used by --rebuild)."""
        self._client.delete_collection(self.collection_name)
