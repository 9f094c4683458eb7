"""The city 12345 platform: signed webhooks out, signed events in. There is no national API, so this
is a small, configurable protocol a platform integrator can implement (see README):

* **Outbound** ``POST <CHUNFENG_HOTLINE_WEBHOOK_URL>`` with JSON ``{"event", "delivery_id", "sent_at",
  "workorder": {...}}`` and headers ``X-Chunfeng-Event``, ``X-Chunfeng-Delivery``,
  ``X-Chunfeng-Timestamp`` and ``X-Chunfeng-Signature: sha256=<hex>`` =
  HMAC-SHA256(secret, ``"<timestamp>." + body``). Every webhook is a row of the persistent outbox,
  retried with exponential backoff until a 2xx; the delivery id lets the platform drop duplicates.
* **Inbound** ``POST /api/hotline/events`` signed the same way (``X-Hotline-Timestamp``,
  ``X-Hotline-Signature``); a bad or stale signature gets 401.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from bot.notify import Outbox
from bot.worker import Worker
from chunfeng.errors import AuthError

log = logging.getLogger("chunfeng.hotline")
MAX_SKEW = 300


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str | None, signature: str | None, body: bytes, now: datetime) -> None:
    """Raise AuthError unless the signature matches and the timestamp is fresh."""
    if not timestamp or not signature:
        raise AuthError("缺少签名：请求头应包含 X-Hotline-Timestamp 与 X-Hotline-Signature。")
    try:
        ts = int(timestamp)
    except ValueError as exc:
        raise AuthError("X-Hotline-Timestamp 应为 Unix 时间戳（秒）。") from exc
    if abs(now.timestamp() - ts) > MAX_SKEW:
        raise AuthError("签名已过期：时间戳与服务器时间相差超过 5 分钟，请检查平台时钟。")
    if not hmac.compare_digest(sign(secret, timestamp, body), signature):
        raise AuthError("签名不正确：请核对双方配置的共享密钥（CHUNFENG_HOTLINE_SECRET）。")


class WebhookSender:
    """Sends queued webhooks to the platform, one outbox row each, with backoff."""

    def __init__(self, outbox: Outbox, url: str, secret: str, *, retry_base: float = 5.0, max_attempts: int = 8,
                 timeout: float = 5.0) -> None:
        self.outbox = outbox
        self.url = url
        self._secret = secret
        self.retry_base = retry_base
        self.max_attempts = max_attempts
        self.timeout = timeout
        self._worker = Worker(self.run_once, "hotline-webhooks", interval=min(2.0, max(0.05, retry_base)))

    def queue(self, event: str, workorder: dict[str, Any]) -> int | None:
        key = f"{event}:{workorder['ticket_no']}:{workorder.get('updated_at', '')}"
        item = self.outbox.enqueue("hotline", self.url, event, {"event": event, "workorder": workorder}, dedup_key=key)
        self._worker.wake()
        return item

    def stop(self) -> None:
        self._worker.stop()

    def run_once(self) -> int:
        items = self.outbox.due("hotline")
        for item in items:
            self._send(item)
        return len(items)

    def _send(self, item: dict[str, Any]) -> None:
        now = self.outbox.db.now()
        body = json.dumps({**item["payload"], "delivery_id": str(item["id"]), "sent_at": now.isoformat(timespec="seconds")},
                          ensure_ascii=False).encode("utf-8")
        timestamp = str(int(now.timestamp()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Chunfeng-Event": item["kind"],
            "X-Chunfeng-Delivery": str(item["id"]),
            "X-Chunfeng-Timestamp": timestamp,
            "X-Chunfeng-Signature": sign(self._secret, timestamp, body),
        }
        try:
            response = httpx.post(item["target"], content=body, headers=headers, timeout=self.timeout)
            ok, why = 200 <= response.status_code < 300, f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            ok, why = False, type(exc).__name__
        if ok:
            self.outbox.mark_sent(item["id"])
            return
        attempts = item["attempts"] + 1
        retry = now + timedelta(seconds=self.retry_base * 2 ** (attempts - 1)) if attempts < self.max_attempts else None
        log.warning("webhook %s to the 12345 platform failed (%s); attempt %d", item["kind"], why, attempts)
        self.outbox.mark_failed(item["id"], why, retry)


def parse_time(value: Any, default: datetime) -> datetime:
    if not value:
        return default
    try:
        dt = datetime.fromisoformat(str(value))
    except ValueError:
        return default
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone(timedelta(hours=8)))
