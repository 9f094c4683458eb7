"""Wiring: build the knowledge base, retriever and assistant from one Settings object.

Every entry point (CLI, web app, evaluation) builds through here, so they share one code path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from bot.accounts import AccountStore
from bot.answer import Answerer
from bot.assistant import Assistant, Conversation
from bot.db import Clock, Database, utc_now
from bot.desk import Desk
from bot.faq import FaqStore
from bot.generate import GroundedWriter
from bot.llm import LLM, OpenAICompatibleLLM
from bot.notify import Notifiers, Outbox
from bot.sessions import SessionStore
from bot.sla import SlaPolicy
from bot.tickets import TicketStore
from bot.workdays import Calendar, WorkingHours
from chunfeng.errors import ConfigError
from chunfeng.settings import Settings
from ingest.chunker import Chunker
from kb.embed import Embedder, make_embedder
from kb.glossary import Glossary
from kb.questions import BankEntry, builtin_bank, read_bank
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


def llm_for(settings: Settings) -> LLM | None:
    """The configured language model, or None when CHUNFENG_LLM_BASE_URL is unset (extractive answers only)."""
    if not settings.llm_base_url:
        return None
    if not settings.llm_model:
        raise ConfigError(
            "已设置 CHUNFENG_LLM_BASE_URL，但没有设置 CHUNFENG_LLM_MODEL。"
            "请把 CHUNFENG_LLM_MODEL 设为该接口提供的模型名（如 qwen2.5-14b-instruct），或去掉 CHUNFENG_LLM_BASE_URL 只用抽取式答复。"
        )
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return OpenAICompatibleLLM(settings.llm_base_url, settings.llm_model, api_key=key, timeout=settings.llm_timeout,
                               max_tokens=settings.llm_max_tokens)


def question_banks(settings: Settings) -> tuple[list[BankEntry], list[BankEntry]]:
    """The built-in question bank (empty when switched off) and the operator's own folder (empty when unset)."""
    builtin = read_bank([builtin_bank()]) if settings.builtin_questions else []
    own = read_bank([settings.question_bank]) if settings.question_bank else []
    return builtin, own


def question_bank(settings: Settings) -> list[BankEntry]:
    """Both banks as one list, as the retriever uses them."""
    builtin, own = question_banks(settings)
    return [*builtin, *own]


def build_answerer(settings: Settings, kb: KnowledgeBase, llm: LLM | None = None) -> Answerer:
    retriever = HybridRetriever(kb, Glossary.load(), make_reranker(settings.rerank_model), questions=question_bank(settings))
    llm = llm or llm_for(settings)
    writer = GroundedWriter(llm, timeout=settings.llm_timeout, history_turns=settings.llm_history_turns) if llm else None
    return Answerer(retriever, top_k=settings.top_k, writer=writer)


def build_assistant(settings: Settings, kb: KnowledgeBase | None = None) -> Assistant:
    """The stateless assistant of `chunfeng ask` and the evaluation."""
    kb = kb or open_kb(settings)
    return Assistant(build_answerer(settings, kb))


def open_database(settings: Settings, clock: Clock = utc_now) -> Database:
    return Database(Path(settings.data_dir) / "app.sqlite", clock)


def sla_for(settings: Settings) -> SlaPolicy:
    return SlaPolicy(WorkingHours.parse(settings.working_hours), Calendar.load(settings.holidays_file), settings.sla_working_days)


@dataclass
class Services:
    """Everything the web app (and the other adapters) need, built once from the settings."""

    settings: Settings
    kb: KnowledgeBase
    db: Database
    assistant: Assistant
    desk: Desk
    accounts: AccountStore
    notifiers: Notifiers
    outbox: Outbox
    on_close: list[Callable[[], None]] = field(default_factory=list)  # background workers to stop first

    def close(self) -> None:
        for stop in self.on_close:
            stop()
        self.db.close()
        self.kb.close()


def build_services(settings: Settings, *, clock: Clock = utc_now, kb: KnowledgeBase | None = None) -> Services:
    kb = kb or open_kb(settings, create=True)
    db = open_database(settings, clock)
    sessions, tickets = SessionStore(db), TicketStore(db)
    faq = FaqStore(db, settings.faq_threshold)
    notifiers = Notifiers()
    conversation = Conversation(sessions, tickets, faq, sla_for(settings))
    llm = llm_for(settings)
    assistant = Assistant(build_answerer(settings, kb, llm), conversation)
    services = Services(settings, kb, db, assistant, Desk(sessions, tickets, faq, notifiers), AccountStore(db), notifiers, Outbox(db))
    if llm is not None and hasattr(llm, "close"):
        services.on_close.append(llm.close)
    return services
