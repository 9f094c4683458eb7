"""One exception tree for the whole project.

Every error carries a message a person can act on, in Simplified Chinese: what value was wrong,
which rule it broke, and how to fix it. Channels render these in one place each (an exit code
for the CLI, a JSON error for the API, a polite text for WeChat).

    ChunfengError
    ├── ConfigError            a setting has a bad value
    ├── ModelLoadError         a local model folder is missing or unreadable
    ├── IngestError
    │   ├── SkippedFile        a file we deliberately do not ingest (not a failure)
    │   └── FileLoadError      a file that should have ingested but could not be read
    ├── KnowledgeBaseError
    │   ├── KnowledgeBaseMissing
    │   └── EmbedderMismatch   the index was built with another embedder
    ├── InvalidInput           a request the user can correct (422)
    │   ├── BadRequest         a request that cannot be understood or used as sent (400)
    │   └── TooLarge           over a size limit (413)
    ├── NotFound               no such session, ticket, FAQ entry … (404)
    ├── Conflict               the thing changed state meanwhile (409)
    ├── AuthError              not signed in, or bad credentials (401)
    ├── Forbidden              signed in but not allowed (403)
    ├── RateLimited            too many requests; ``retry_after`` seconds (429)
    └── LLMError               the language model failed or answered unusably (the extractive answer is used)
        └── LLMTimeout         it did not finish within CHUNFENG_LLM_TIMEOUT
"""

from __future__ import annotations


class ChunfengError(Exception):
    """Base of every error Chunfeng raises on purpose."""

    #: machine-readable code, stable across releases (used in JSON output and logs)
    code: str = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class ConfigError(ChunfengError):
    code = "config"


class ModelLoadError(ChunfengError):
    code = "model_load"


class IngestError(ChunfengError):
    code = "ingest"


class SkippedFile(IngestError):
    """Raised by a loader for a file that is deliberately not ingested (reported, exit code 0)."""

    code = "skipped"


class FileLoadError(IngestError):
    """Raised by a loader for a file that could not be read (reported, exit code 1)."""

    code = "failed"


class KnowledgeBaseError(ChunfengError):
    code = "kb"


class KnowledgeBaseMissing(KnowledgeBaseError):
    code = "kb_missing"


class EmbedderMismatch(KnowledgeBaseError):
    code = "embedder_mismatch"


class InvalidInput(ChunfengError):
    code = "invalid_input"


class TooLarge(InvalidInput):
    code = "too_large"


class BadRequest(InvalidInput):
    code = "bad_request"


class NotFound(ChunfengError):
    code = "not_found"


class Conflict(ChunfengError):
    code = "conflict"


class AuthError(ChunfengError):
    code = "unauthorized"


class Forbidden(ChunfengError):
    code = "forbidden"


class RateLimited(ChunfengError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LLMError(ChunfengError):
    """The language model could not be reached or answered unusably; callers fall back to the
    extractive answer, so this never reaches a user."""

    code = "llm"


class LLMTimeout(LLMError):
    code = "llm_timeout"


class NotConfigured(ChunfengError):
    code = "not_configured"
