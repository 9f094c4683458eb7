"""Wiring: build the knowledge base, retriever and assistant from one Settings object.

Every entry point (CLI, web app, evaluation) builds through here, so they share one code path.
"""

from __future__ import annotations

from pathlib import Path

from bot.answer import Answerer
from bot.assistant import Assistant
from chunfeng.settings import Settings
from ingest.chunker import Chunker
from kb.embed import Embedder, make_embedder
from kb.glossary import Glossary
from kb.rerank import make_reranker
from kb.retrieve import HybridRetriever
from kb.store import KnowledgeBase


def embedder_for(settings: Settings) -> Embedder:
    return make_embedder(settings.embed_model, settings.embed_query_prefix)


def open_kb(settings: Settings, *, create: bool = False, embedder: Embedder | None = None) -> KnowledgeBase:
    return KnowledgeBase.open(
        Path(settings.data_dir),
        embedder or embedder_for(settings),
        chroma_url=settings.chroma_url,
        collection=settings.chroma_collection,
        create=create,
    )


def chunker_for(settings: Settings) -> Chunker:
    return Chunker(max_chars=settings.max_chunk_chars)


def build_answerer(settings: Settings, kb: KnowledgeBase) -> Answerer:
    retriever = HybridRetriever(kb, Glossary.load(), make_reranker(settings.rerank_model))
    return Answerer(retriever, top_k=settings.top_k)


def build_assistant(settings: Settings, kb: KnowledgeBase | None = None) -> Assistant:
    kb = kb or open_kb(settings)
    return Assistant(build_answerer(settings, kb))
