"""One typed settings object, read once and passed into whatever needs it.

Every field is read from an environment variable named ``CHUNFENG_<FIELD>`` (or a ``.env``
file in the working directory). Every field is documented in the README; a test checks that.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from chunfeng.errors import ConfigError


class Settings(BaseSettings):
    """Chunfeng's configuration. Secrets never have defaults and are never logged."""

    model_config = SettingsConfigDict(
        env_prefix="CHUNFENG_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    # -- knowledge base -------------------------------------------------------------------
    data_dir: Path = Field(
        default=Path("data"),
        description="Folder holding the knowledge base (registry, Chroma, BM25) and app data.",
    )
    chroma_url: str | None = Field(
        default=None,
        description="URL of a Chroma server (e.g. http://127.0.0.1:8001); unset = embedded Chroma in data_dir.",
    )
    chroma_collection: str = Field(
        default="chunfeng",
        description="Name of the Chroma collection (3-512 characters of a-z A-Z 0-9 . _ -).",
        pattern=r"^[a-zA-Z0-9._-]{3,512}$",
    )
    embed_model: Path | None = Field(
        default=None,
        description="Local sentence-transformers model folder (e.g. bge-small-zh-v1.5); unset = built-in hashed n-gram embedder.",
    )
    embed_query_prefix: str | None = Field(
        default=None,
        description="Instruction prepended to queries for the sentence-transformers embedder; unset = the bge-zh instruction when the folder name contains 'bge' and 'zh'.",
    )
    rerank_model: Path | None = Field(
        default=None,
        description="Local cross-encoder folder (e.g. bge-reranker-base) used to rerank the top candidates; unset = no cross-encoder.",
    )
    question_bank: Path | None = Field(
        default=None,
        description="Folder of question-bank files (*.jsonl: document, evidence, question) for your own documents, used beside the built-in bank.",
    )
    builtin_questions: bool = Field(
        default=True, description="Use the built-in question bank of the national texts (kb/data/questions)."
    )
    top_k: int = Field(default=5, ge=1, le=50, description="Citations returned per answer.")
    max_chunk_chars: int = Field(
        default=600, ge=150, le=4000, description="Longest chunk before a long article is split into labelled parts."
    )

    # -- conversations and handoff -----------------------------------------------------------
    max_message_chars: int = Field(default=2000, ge=50, le=20000, description="Longest chat message accepted.")
    rate_limit_per_minute: int = Field(
        default=30, ge=0, le=10000, description="Chat requests per minute per user or IP on public endpoints (0 = no limit)."
    )
    trust_proxy: bool = Field(
        default=False, description="Behind a reverse proxy: take the client address from X-Forwarded-For (set by the proxy)."
    )
    working_hours: str = Field(default="09:00-12:00,13:30-17:30", description="Agents' working hours on working days.")
    sla_working_days: int = Field(default=1, ge=0, le=30, description="Working days within which a person answers a handoff.")
    holidays_file: Path | None = Field(
        default=None, description="Extra holidays / make-up working days, one date per line (for years chinesecalendar lacks)."
    )
    faq_threshold: float = Field(default=0.72, ge=0.3, le=1.0, description="How alike a question must be to an FAQ entry.")
    max_upload_mb: int = Field(default=20, ge=1, le=500, description="Largest policy file an admin may upload.")

    # -- WeChat (official account and mini-program) ------------------------------------------
    wechat_token: SecretStr | None = Field(default=None, description="Token configured for message push; enables /wechat/callback.")
    wechat_appid: str | None = Field(default=None, description="AppID of the official account or mini-program.")
    wechat_secret: SecretStr | None = Field(default=None, description="AppSecret (for access tokens and code2session).")
    wechat_aes_key: SecretStr | None = Field(default=None, description="EncodingAESKey (43 characters); enables safe/compatible mode.")
    wechat_api_base: str = Field(default="https://api.weixin.qq.com", description="WeChat API base URL (tests point it at a fake).")
    wechat_seccheck: bool = Field(default=False, description="Check mini-program chat text with msgSecCheck v2.")
    wechat_template_id: str | None = Field(default=None, description="Subscribe-message template for 'your question was answered'.")
    wechat_mp_state: str = Field(default="formal", description="miniprogram_state for subscribe messages: developer, trial or formal.")
    wechat_cs_quota: int = Field(default=5, ge=1, le=100, description="Customer-service messages allowed per user message (48-hour window).")
    wechat_passive_seconds: float = Field(
        default=4.0, ge=0.0, le=4.5, description="How long a push may wait for the answer before replying 'success' and sending it later."
    )
    wechat_timeout: float = Field(default=5.0, gt=0, le=60, description="Timeout of calls to the WeChat API, seconds.")
    public_url: str | None = Field(default=None, description="Public base URL of this server, for links to full answers.")

    # -- 12345 hotline platform ---------------------------------------------------------------
    hotline_webhook_url: str | None = Field(default=None, description="The 12345 platform's webhook for work orders created/answered.")
    hotline_secret: SecretStr | None = Field(default=None, description="Shared HMAC secret for webhooks out and events in.")
    hotline_retry_seconds: float = Field(default=5.0, gt=0, le=3600, description="First retry delay of a failed webhook (doubles).")
    hotline_max_attempts: int = Field(default=8, ge=1, le=50, description="Attempts before a webhook is given up as failed.")

    # -- language model (optional) -------------------------------------------------------------
    llm_base_url: str | None = Field(
        default=None,
        pattern=r"^https?://\S+$",
        description="Base URL of an OpenAI-compatible chat API (e.g. http://10.0.0.8:8000/v1); unset = extractive answers only.",
    )
    llm_model: str | None = Field(default=None, description="Model name the endpoint serves (e.g. qwen2.5-14b-instruct); required with llm_base_url.")
    llm_api_key: SecretStr | None = Field(default=None, description="API key, sent as a Bearer token; never logged.")
    llm_timeout: float = Field(
        default=15.0, gt=0, le=120, description="Seconds a generation may take, retry included, before the extractive answer is used."
    )
    llm_max_tokens: int = Field(default=600, ge=50, le=8000, description="Longest answer the model may write, in tokens.")
    llm_history_turns: int = Field(default=3, ge=0, le=20, description="Earlier question-and-answer turns of the session given to the model for follow-ups.")

    # -- logging ----------------------------------------------------------------------------
    log_level: str = Field(default="WARNING", description="Log level: DEBUG, INFO, WARNING, ERROR.")

    @classmethod
    def load(cls, **overrides: Any) -> "Settings":
        """Read the environment (and `.env`), apply explicit overrides, and turn validation
        failures into a ConfigError that names the variable, the value and the fix."""
        clean = {k: v for k, v in overrides.items() if v is not None}
        try:
            return cls(**clean)
        except ValidationError as exc:
            problems = []
            for err in exc.errors():
                field = ".".join(str(p) for p in err.get("loc", ())) or "?"
                value = err.get("input")
                problems.append(
                    f"设置 CHUNFENG_{field.upper()} 的值 {value!r} 不符合要求（{err.get('msg')}）。"
                    f"请修改该环境变量或 .env 文件中的对应项，说明见 README 的“配置”一节。"
                )
            raise ConfigError("\n".join(problems)) from exc
