"""Sending queued WeChat messages, and the notifier that queues an agent's reply.

Every outbound message is a row of the persistent outbox (bot.notify.Outbox), so it survives a
restart and is sent at most once. For each row, in order of preference:

1. a customer-service message, while the user's 48-hour window is open and quota is left;
2. a subscribe message (mini-program users who accepted the template) — for an agent's reply;
3. otherwise the row waits and is sent when the user next writes (the window reopens).

A timeout leaves the outcome unknown: one delayed retry at most, so a slow WeChat never turns into a
storm of duplicates.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from datetime import timedelta
from typing import Any

from bot.notify import Delivery, Outbox
from bot.tickets import Ticket
from bot.worker import Worker
from wechat.client import WeChatApi
from wechat.errors import QuotaExceeded, SubscriptionRefused, WeChatError, WeChatTimeout, WindowClosed
from wechat.render import fit
from wechat.store import WeChatStore

log = logging.getLogger("chunfeng.wechat")
CHANNELS = ("wechat", "miniprogram")
RETRY_AFTER = timedelta(seconds=30)
MAX_ATTEMPTS = 3


class WeChatSender:
    def __init__(self, api: WeChatApi, store: WeChatStore, outbox: Outbox, *, quota: int = 5,
                 template_id: str | None = None, mp_state: str = "formal", public_url: str | None = None) -> None:
        self.api = api
        self.store = store
        self.outbox = outbox
        self.quota = quota
        self.template_id = template_id
        self.mp_state = mp_state
        self.public_url = (public_url or "").rstrip("/") or None
        self._worker = Worker(self.run_once, "wechat-sender")
        self._run_lock = threading.Lock()

    # -- queueing ----------------------------------------------------------------------------------
    def queue(self, openid: str, text: str, kind: str, *, dedup_key: str, **extra: Any) -> int | None:
        item = self.outbox.enqueue("wechat", openid, kind, {"openid": openid, "text": text, **extra}, dedup_key=dedup_key)
        self.wake()
        return item

    def user_wrote(self, openid: str) -> None:
        """The window reopened: messages that were waiting for it go out now."""
        for item in self.outbox.waiting_for("wechat", openid):
            self.outbox.release(item["id"])
        self.wake()

    # -- the worker -----------------------------------------------------------------------------------
    def wake(self) -> None:
        self._worker.wake()

    def stop(self, timeout: float = 10.0) -> None:
        self._worker.stop(timeout)

    def run_once(self) -> int:
        """Send every due row once; returns how many were handled."""
        with self._run_lock:
            items = self.outbox.due("wechat")
            for item in items:
                self._send(item)
            return len(items)

    def _send(self, item: dict[str, Any]) -> None:
        p = item["payload"]
        openid = p["openid"]
        open_, left = self.store.window(openid, self.quota)
        if not open_ or left <= 0:
            self._fallback(item, "客服消息窗口已关闭" if not open_ else "客服消息条数已用完")
            return
        link = f"{self.public_url}/a/{p['message_id']}" if self.public_url and p.get("message_id") else None
        try:
            self.api.send_text(openid, fit(p["text"], link))
        except WindowClosed as exc:
            self._fallback(item, exc.message)
        except QuotaExceeded as exc:
            self.store.exhausted(openid, self.quota)
            self._fallback(item, exc.message)
        except WeChatTimeout as exc:
            # the message may have arrived: one delayed retry at most
            retry = self.outbox.db.now() + RETRY_AFTER if item["attempts"] == 0 else None
            self.outbox.mark_failed(item["id"], f"unknown: {exc.message}", retry)
        except WeChatError as exc:
            retry = self.outbox.db.now() + RETRY_AFTER * (item["attempts"] + 1) if item["attempts"] + 1 < MAX_ATTEMPTS else None
            self.outbox.mark_failed(item["id"], exc.message, retry)
        else:
            self.store.spent(openid)
            self.outbox.mark_sent(item["id"])

    def _fallback(self, item: dict[str, Any], why: str) -> None:
        p = item["payload"]
        openid = p["openid"]
        if item["kind"] == "agent_reply" and self.template_id and self.store.subscription_left(openid, self.template_id) > 0:
            try:
                self.api.send_subscribe(openid, self.template_id, {
                    "thing1": "您咨询的问题已有人工答复"[:20],
                    "character_string2": str(p.get("ticket_id", ""))[:32],
                }, page=f"pages/ticket/ticket?id={p.get('ticket_id', '')}", state=self.mp_state)
            except SubscriptionRefused:
                self.store.use_subscription(openid, self.template_id, refused=True)
            except WeChatError as exc:
                log.warning("subscribe message failed for outbox %s: %s", item["id"], exc.message)
            else:
                self.store.use_subscription(openid, self.template_id)
                self.outbox.mark_sent(item["id"])
                return
        self.outbox.mark_waiting(item["id"], f"{why}；等用户下次发消息时再发送")


class WeChatNotifier:
    """The agent's reply to a WeChat user's ticket goes into the outbox for the sender."""

    def __init__(self, sender: WeChatSender, store: WeChatStore, channel: str) -> None:
        self.sender = sender
        self.store = store
        self.channel = channel

    def deliver(self, ticket: Ticket, text: str) -> Delivery:
        openid = self.store.openid_for_session(ticket.session_id) or ticket.user_id
        if not openid:
            return Delivery(self.channel, False, "找不到该会话对应的微信用户")
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        self.sender.queue(openid, f"【人工客服回复】{text}", "agent_reply", dedup_key=f"agent:{ticket.id}:{digest}",
                          ticket_id=ticket.id)
        return Delivery(self.channel, True, "queued for WeChat")
