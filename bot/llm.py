"""The language-model port: the ``LLM`` protocol, an OpenAI-compatible client on httpx, and a
scripted in-process fake for unit tests.

Cities run Qwen, DeepSeek, GLM … behind an OpenAI-compatible ``POST {base}/chat/completions``,
often inside their own network. What the client promises:

* **one deadline per call** (``timeout`` seconds, CHUNFENG_LLM_TIMEOUT): the extractive answer is
  already there and the user is waiting, so a slow model is abandoned, not awaited. A streamed
  call ends at the deadline even if the server keeps dripping text;
* **one retry**, only for a failed connection or a 5xx, only while time is left and before any text
  has been passed on — never after a timeout (the user has waited already) nor a 4xx (the same request
  fails the same way; a 429 asks us to slow down);
* every failure becomes ``LLMError`` (``LLMTimeout`` for the deadline), naming the endpoint and
  status and the setting to check — never the API key;
* ``<think>…</think>`` blocks that reasoning models (DeepSeek-R1, Qwen3) write into the answer are
  dropped, streamed or not.
"""

from __future__ import annotations

import json
import logging
import queue
import re
import threading
import time
from typing import Any, Callable, Iterator, Protocol, Sequence

import httpx

from chunfeng.errors import LLMError, LLMTimeout
from chunfeng.masking import mask

log = logging.getLogger("chunfeng.llm")

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": "…"}

TEMPERATURE = 0.1  # near-deterministic: the answer restates provisions, it does not invent
CHECK = "请检查 CHUNFENG_LLM_BASE_URL、CHUNFENG_LLM_MODEL 和 CHUNFENG_LLM_API_KEY，或稍后再试。"


class LLM(Protocol):
    """A chat model. ``complete`` returns the whole answer; ``stream`` yields it in pieces as it is
    written. Both finish within ``timeout`` seconds or raise LLMTimeout; other failures raise LLMError."""

    model: str

    def complete(self, messages: Sequence[Message], timeout: float | None = None) -> str: ...

    def stream(self, messages: Sequence[Message], timeout: float | None = None) -> Iterator[str]: ...


# -- reasoning blocks ------------------------------------------------------------------------------
class ReasoningFilter:
    """Drops <think>…</think> from text that arrives in pieces; a tag may be split across pieces."""

    OPEN, CLOSE = "<think>", "</think>"

    def __init__(self) -> None:
        self.inside = False
        self.held = ""

    def feed(self, piece: str) -> str:
        text, self.held, out = self.held + piece, "", []
        while text:
            tag = self.CLOSE if self.inside else self.OPEN
            at = text.find(tag)
            if at >= 0:
                if not self.inside:
                    out.append(text[:at])
                text, self.inside = text[at + len(tag) :], not self.inside
                continue
            keep = next((k for k in range(min(len(tag) - 1, len(text)), 0, -1) if tag.startswith(text[-k:])), 0)
            if not self.inside:
                out.append(text[: len(text) - keep])
            self.held, text = text[len(text) - keep :], ""
        return "".join(out)

    def flush(self) -> str:
        held, self.held = self.held, ""
        return "" if self.inside else held


def strip_reasoning(text: str) -> str:
    f = ReasoningFilter()
    return f.feed(text) + f.flush()


# -- the OpenAI-compatible client ------------------------------------------------------------------
def _masked(text: str) -> str:
    """An error text from the server, short, with phone and ID numbers hidden (it may quote the prompt)."""
    return mask(" ".join(str(text).split()))[:160]


class OpenAICompatibleLLM:
    """``POST {base_url}/chat/completions`` with a Bearer key, streamed (server-sent events) or not."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout: float = 15.0,
        max_tokens: int = 600,
        temperature: float = TEMPERATURE,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.endpoint = base_url.rstrip("/") + "/chat/completions"
        self.url = re.sub(r"//[^/@]*@", "//", self.endpoint).split("?")[0]  # shown in errors: no credentials
        self.model = model
        self.timeout = timeout
        self.max_tokens = max_tokens
        self.temperature = temperature
        headers = {"Accept": "application/json, text/event-stream"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._client = httpx.Client(headers=headers, transport=transport, trust_env=False)

    def close(self) -> None:
        self._client.close()

    def __repr__(self) -> str:  # the key lives only in the client's headers, never here
        return f"OpenAICompatibleLLM({self.url!r}, model={self.model!r})"

    # -- the two calls ---------------------------------------------------------------------------
    def complete(self, messages: Sequence[Message], timeout: float | None = None) -> str:
        deadline = time.monotonic() + (timeout or self.timeout)
        response = self._send(messages, deadline, stream=False)
        try:
            response.read()
        except httpx.TimeoutException as exc:
            raise self._timed_out(timeout) from exc
        except httpx.TransportError as exc:
            raise LLMError(f"读取大模型接口 {self.url} 的答复时连接中断（{type(exc).__name__}）。{CHECK}") from exc
        finally:
            response.close()
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise LLMError(f"大模型接口 {self.url} 的答复不是 chat completions 格式（缺少 choices[0].message.content）。"
                           f"请确认 CHUNFENG_LLM_BASE_URL 指向兼容 OpenAI 的接口（通常以 /v1 结尾）。") from exc
        return strip_reasoning(content or "")

    def stream(self, messages: Sequence[Message], timeout: float | None = None) -> Iterator[str]:
        """Pieces of the answer as the model writes them. The network is read on a helper thread so
        the deadline holds even while a read blocks; the thread stops at its next piece."""
        limit = timeout or self.timeout
        deadline = time.monotonic() + limit
        pieces: queue.Queue[tuple[str, Any]] = queue.Queue()
        stop = threading.Event()

        def read() -> None:
            try:
                for piece in self._pieces(messages, deadline, stop):
                    pieces.put(("piece", piece))
                pieces.put(("end", None))
            except BaseException as exc:  # handed to the caller's thread, raised there
                pieces.put(("error", exc))

        threading.Thread(target=read, name="chunfeng-llm-stream", daemon=True).start()
        try:
            while True:
                try:
                    kind, value = pieces.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    raise self._timed_out(limit) from None
                if kind == "piece":
                    yield value
                elif kind == "end":
                    return
                else:
                    raise value
        finally:
            stop.set()

    # -- the wire --------------------------------------------------------------------------------
    def _pieces(self, messages: Sequence[Message], deadline: float, stop: threading.Event) -> Iterator[str]:
        response = self._send(messages, deadline, stream=True)
        thinking = ReasoningFilter()
        try:
            for line in response.iter_lines():
                if stop.is_set():
                    return
                if not line.startswith("data:"):
                    continue  # blank lines, ": keep-alive" comments, event names
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                piece = self._delta(data)
                visible = thinking.feed(piece) if piece else ""
                if visible:
                    yield visible
            rest = thinking.flush()
            if rest:
                yield rest
        except httpx.TimeoutException as exc:
            raise self._timed_out(None) from exc
        except httpx.TransportError as exc:
            raise LLMError(f"大模型接口 {self.url} 的流式答复中途断开（{type(exc).__name__}）。{CHECK}") from exc
        finally:
            response.close()

    def _delta(self, data: str) -> str:
        try:
            chunk = json.loads(data)
        except ValueError as exc:
            raise LLMError(f"大模型接口 {self.url} 的流式答复中有一段不是 JSON：{_masked(data)!r}。") from exc
        if isinstance(chunk, dict) and chunk.get("error"):
            raise LLMError(f"大模型接口 {self.url} 在流式答复中报错：{_masked(self._error_text(chunk))}。{CHECK}")
        try:
            choices = chunk.get("choices") or []
            return (choices[0].get("delta") or {}).get("content") or "" if choices else ""
        except (AttributeError, IndexError, TypeError) as exc:
            raise LLMError(f"大模型接口 {self.url} 的流式答复不是 chat completions 格式（缺少 choices[0].delta）。") from exc

    def _send(self, messages: Sequence[Message], deadline: float, *, stream: bool) -> httpx.Response:
        """POST the request; an open response with a 2xx status, after at most one retry."""
        body = {"model": self.model, "messages": list(messages), "max_tokens": self.max_tokens,
                "temperature": self.temperature, "stream": stream}
        for attempt in (1, 2):
            left = deadline - time.monotonic()
            if left <= 0:
                raise self._timed_out(None)
            request = self._client.build_request("POST", self.endpoint, json=body, timeout=httpx.Timeout(left))
            try:
                response = self._client.send(request, stream=True)
            except httpx.TimeoutException as exc:
                raise self._timed_out(None) from exc
            except httpx.TransportError as exc:
                if attempt == 1:
                    log.info("llm connection failed (%s); retrying once [url=%s]", type(exc).__name__, self.url)
                    continue
                raise LLMError(f"连接不上大模型接口 {self.url}（{type(exc).__name__}）。{CHECK}") from exc
            if response.status_code >= 500 and attempt == 1:
                response.close()
                log.info("llm answered HTTP %s; retrying once [url=%s]", response.status_code, self.url)
                continue
            if response.status_code >= 400:
                raise self._http_error(response)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _http_error(self, response: httpx.Response) -> LLMError:
        try:
            response.read()
            detail = self._error_text(response.json())
        except Exception:  # an HTML error page, a cut connection: the status says enough
            detail = ""
        finally:
            response.close()
        status = response.status_code
        hint = {401: "API 密钥无效：请检查 CHUNFENG_LLM_API_KEY。", 403: "没有权限：请检查 CHUNFENG_LLM_API_KEY。",
                404: "地址或模型不存在：请检查 CHUNFENG_LLM_BASE_URL（通常以 /v1 结尾）和 CHUNFENG_LLM_MODEL。",
                429: "请求太频繁或额度用完：请降低并发或联系模型服务的管理员。"}.get(status, CHECK)
        shown = f"：{_masked(detail)}" if detail else ""
        return LLMError(f"大模型接口 {self.url} 返回 HTTP {status}{shown}。{hint}")

    @staticmethod
    def _error_text(data: Any) -> str:
        err = data.get("error") if isinstance(data, dict) else None
        if isinstance(err, dict):
            return str(err.get("message") or err.get("code") or err.get("type") or "")
        return str(err or "")

    def _timed_out(self, limit: float | None) -> LLMTimeout:
        seconds = limit or self.timeout
        return LLMTimeout(f"大模型接口 {self.url} 在 {seconds:g} 秒内没有答完。"
                          f"可以调大 CHUNFENG_LLM_TIMEOUT，或调小 CHUNFENG_LLM_MAX_TOKENS。")


# -- the fake --------------------------------------------------------------------------------------
class ScriptedLLM:
    """An in-process LLM for unit tests: answers from a script (a text, or a function of the
    messages), records every call, and can fail with a given error."""

    def __init__(self, reply: str | Callable[[list[Message]], str] = "", *, model: str = "scripted",
                 error: Exception | None = None, piece_size: int = 4) -> None:
        self.reply = reply
        self.model = model
        self.error = error
        self.piece_size = piece_size
        self.calls: list[list[Message]] = []

    def _answer(self, messages: Sequence[Message]) -> str:
        self.calls.append([dict(m) for m in messages])
        if self.error is not None:
            raise self.error
        return self.reply(list(messages)) if callable(self.reply) else self.reply

    def complete(self, messages: Sequence[Message], timeout: float | None = None) -> str:
        return self._answer(messages)

    def stream(self, messages: Sequence[Message], timeout: float | None = None) -> Iterator[str]:
        text = self._answer(messages)
        for i in range(0, len(text), self.piece_size):
            yield text[i : i + self.piece_size]
