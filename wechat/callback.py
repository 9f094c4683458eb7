"""``GET/POST /wechat/callback``: WeChat's message push for official accounts and mini-programs.

The platform's rules, and how this module keeps them:

* **Signatures.** URL verification and plaintext pushes carry ``signature = sha1(sorted(token,
  timestamp, nonce))``; safe and compatible modes add ``encrypt_type=aes`` and ``msg_signature``
  over the ciphertext. Both are compared in constant time; a bad one gets 403 and nothing is done.
* **Freshness.** A timestamp more than five minutes from now is refused (a replay guard).
* **Formats.** Official accounts push XML; mini-programs push XML or JSON. Replies use the format
  and the encryption of the push they answer.
* **Retries.** WeChat retries a push it has no answer to (up to three times). Every push is
  deduplicated by ``MsgId`` (events: ``FromUserName`` + ``CreateTime``) in the database, so neither a
  retry nor a restart answers twice.
* **The 5-second rule.** The answer is awaited for ``CHUNFENG_WECHAT_PASSIVE_SECONDS`` (4 s); if it
  is ready it goes back as a passive reply, otherwise ``success`` is returned at once and the answer
  follows as a customer-service message from the outbox.
* WeChat never receives JSON errors or stack traces: bad input gets ``success``, a polite text or a
  plain 4xx.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

import xmltodict
from xml.parsers.expat import ExpatError
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import TextReply

from bot.assistant import Assistant
from bot.types import Reply, Turn
from wechat.render import fit
from wechat.sender import WeChatSender
from wechat.store import WeChatStore

log = logging.getLogger("chunfeng.wechat")
MAX_SKEW = 300  # seconds
WELCOME = (
    "您好，欢迎关注春风政采助手！我可以解答政府采购政策问题，并给出法规依据。例如：\n"
    "· 中标通知书发出后多久要签合同？\n· 投标保证金最多交多少？\n· 中小企业有哪些价格扣除优惠？\n"
    "直接发文字提问即可；需要人工服务请回复“转人工”。"
)
GREETING = "您好，我是春风政采助手，请直接输入您的政府采购问题；需要人工服务请回复“转人工”。"
NOT_TEXT = "目前只能处理文字消息。请用文字描述您的问题，我会尽快为您解答。"


class Forbidden(Exception):
    """A push that fails verification: answered with a plain 403."""


@dataclass
class Push:
    """A verified, decrypted push."""

    message: dict[str, Any]
    fmt: str  # "xml" | "json"
    encrypted: bool
    nonce: str
    timestamp: str


@dataclass
class Answer:
    body: str
    media_type: str = "text/plain"
    status: int = 200


def _sha1(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


class WeChatCallback:
    def __init__(self, assistant: Assistant, store: WeChatStore, sender: WeChatSender | None, *, token: str,
                 appid: str | None, aes_key: str | None, passive_seconds: float = 4.0, channel: str = "wechat",
                 executor: ThreadPoolExecutor | None = None, clock=time.time) -> None:
        self.assistant = assistant
        self.store = store
        self.sender = sender
        self._token = token
        self.appid = appid or ""
        self._crypto = WeChatCrypto(token, aes_key, appid) if aes_key and appid else None
        self.passive_seconds = passive_seconds
        self.channel = channel
        self.executor = executor or ThreadPoolExecutor(max_workers=8, thread_name_prefix="wechat-answer")
        self.clock = clock

    # -- verification ---------------------------------------------------------------------------
    def _check_time(self, timestamp: str) -> None:
        try:
            ts = int(timestamp)
        except (TypeError, ValueError) as exc:
            raise Forbidden("timestamp") from exc
        if abs(self.clock() - ts) > MAX_SKEW:
            raise Forbidden("stale timestamp")

    def _check_signature(self, signature: str, timestamp: str, nonce: str) -> None:
        if not signature or not hmac.compare_digest(signature.lower(), _sha1(self._token, timestamp, nonce)):
            raise Forbidden("signature")

    def verify_url(self, query: dict[str, str]) -> Answer:
        """GET: WeChat checks the server by asking it to echo ``echostr`` back."""
        try:
            self._check_signature(query.get("signature", ""), query.get("timestamp", ""), query.get("nonce", ""))
        except Forbidden:
            return Answer("forbidden", status=403)
        return Answer(query.get("echostr", ""))

    def _open(self, query: dict[str, str], body: bytes) -> Push:
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        self._check_time(timestamp)
        text = body.decode("utf-8", errors="strict")
        fmt = "json" if text.lstrip().startswith("{") else "xml"
        if query.get("encrypt_type") == "aes":
            if self._crypto is None:
                raise Forbidden("encrypted push but no EncodingAESKey configured")
            if query.get("signature"):  # compatible mode also signs the query
                self._check_signature(query["signature"], timestamp, nonce)
            envelope: Any = json.loads(text) if fmt == "json" else text
            try:
                plain = self._crypto.decrypt_message(envelope, query.get("msg_signature", ""), timestamp, nonce)
            except (InvalidSignatureException, InvalidAppIdException) as exc:
                raise Forbidden("msg_signature") from exc
            except Exception as exc:  # tampered ciphertext fails to decrypt or unpad
                raise Forbidden("ciphertext") from exc
            return Push(self._parse(plain), fmt, True, nonce, timestamp)
        self._check_signature(query.get("signature", ""), timestamp, nonce)
        return Push(self._parse(text), fmt, False, nonce, timestamp)

    @staticmethod
    def _parse(text: str) -> dict[str, Any]:
        if text.lstrip().startswith("{"):
            data = json.loads(text)
        else:
            data = (xmltodict.parse(text) or {}).get("xml") or {}
        if not isinstance(data, dict):
            raise ValueError("push is not an object")
        return data

    # -- handling ---------------------------------------------------------------------------------
    def handle(self, query: dict[str, str], body: bytes) -> Answer:
        """POST: one push. Returns what to answer WeChat with."""
        try:
            push = self._open(query, body)
        except Forbidden as exc:
            log.warning("wechat push refused: %s", exc)
            return Answer("forbidden", status=403)
        except (ValueError, UnicodeDecodeError, ExpatError) as exc:
            # signed but unreadable (or unreadable before any check): nothing to answer
            log.warning("wechat push unreadable: %s", type(exc).__name__)
            return Answer("success")
        msg = push.message
        openid = str(msg.get("FromUserName") or "")
        kind = str(msg.get("MsgType") or "").lower()
        key = str(msg.get("MsgId") or f"{openid}:{msg.get('CreateTime')}:{msg.get('Event', '')}")
        if not openid or not self.store.first_time(key):
            return Answer("success")
        if kind == "event":
            return self._event(push, str(msg.get("Event") or "").lower())
        if kind == "voice" and msg.get("Recognition"):
            return self._question(push, str(msg["Recognition"]), key)
        if kind == "text":
            return self._question(push, str(msg.get("Content") or ""), key)
        if kind in ("image", "file", "video", "shortvideo", "location", "link", "voice", "miniprogrampage"):
            self.store.user_wrote(openid)
            return self._passive(push, NOT_TEXT)
        return Answer("success")  # a message type we do not know: acknowledge, do nothing

    def _event(self, push: Push, event: str) -> Answer:
        if event == "subscribe":
            return self._passive(push, WELCOME)
        if event == "user_enter_tempsession":
            # entering the mini-program's customer-service chat opens a short window of its own
            return self._passive(push, GREETING)
        return Answer("success")

    def _question(self, push: Push, text: str, key: str) -> Answer:
        openid = str(push.message["FromUserName"])
        self.store.user_wrote(openid)
        if self.sender is not None:
            self.sender.user_wrote(openid)  # messages waiting for the window go out now
        future = self.executor.submit(self._reply, openid, text, key)
        try:
            reply = future.result(timeout=self.passive_seconds)
        except FutureTimeout:
            future.add_done_callback(lambda f: self._send_later(openid, key, f))
            return Answer("success")
        except Exception:
            log.exception("answering a wechat push failed")
            return self._passive(push, "抱歉，系统繁忙，请稍后再试。")
        return self._passive(push, fit(reply.answer, self._link(reply)))

    def _reply(self, openid: str, text: str, key: str) -> Reply:
        user = self.store.user(openid)
        session_id = (user or {}).get("session_id") or ""
        if session_id and self.assistant.conv and self.assistant.conv.sessions.get(session_id) is None:
            session_id = ""
        reply = self.assistant.reply(Turn(text=text, channel=self.channel, user_id=openid, session_id=session_id, id=key))
        if reply.session_id and reply.session_id != session_id:
            self.store.link(openid, self.channel, reply.session_id)
        return reply

    def _send_later(self, openid: str, key: str, future: Future) -> None:
        if self.sender is None:
            return
        try:
            reply = future.result()
        except Exception:
            log.exception("answering a wechat push failed (async)")
            return
        self.sender.queue(openid, reply.answer, "answer", dedup_key=f"answer:{key}", message_id=reply.message_id)

    def _link(self, reply: Reply) -> str | None:
        base = getattr(self.sender, "public_url", None)
        return f"{base}/a/{reply.message_id}" if base and reply.message_id else None

    # -- passive replies, in the push's own format and encryption --------------------------------------
    def _passive(self, push: Push, content: str) -> Answer:
        msg = push.message
        to, me = str(msg.get("FromUserName")), str(msg.get("ToUserName") or "")
        created = int(self.clock())
        if push.fmt == "json":
            plain: str = json.dumps({"ToUserName": to, "FromUserName": me, "CreateTime": created, "MsgType": "text",
                                     "Content": content}, ensure_ascii=False)
        else:
            plain = TextReply(source=me, target=to, content=content, time=created).render()
        if not push.encrypted or self._crypto is None:
            return Answer(plain, "application/json" if push.fmt == "json" else "application/xml")
        envelope = self._crypto.encrypt_message(plain, push.nonce, push.timestamp)
        if push.fmt == "xml":
            return Answer(envelope, "application/xml")
        fields = xmltodict.parse(envelope)["xml"]
        body = {"Encrypt": fields["Encrypt"], "MsgSignature": fields["MsgSignature"],
                "TimeStamp": int(fields["TimeStamp"]), "Nonce": fields["Nonce"]}
        return Answer(json.dumps(body, ensure_ascii=False), "application/json")
