"""Outbound calls to the WeChat API, on wechatpy's client.

* The access token comes from ``/cgi-bin/stable_token`` (normal mode returns the same token while
  it is valid, so workers refreshing at once do no harm) and is shared between workers through the
  application database; it is refreshed when less than five minutes remain.
* A token error (40001/40014/42001) forces one refresh and one retry — never more (wechatpy's own
  retry is switched off: it can retry indefinitely).
* Timeouts and transport failures become :class:`WeChatTimeout` / :class:`WeChatError`; WeChat's
  error codes become the exceptions of :mod:`wechat.errors`.
* ``api_base`` (``CHUNFENG_WECHAT_API_BASE``) lets tests point every call at a loopback fake.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any

import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from bot.db import utc_now
from wechat.errors import TOKEN_ERRORS, WeChatError, WeChatTimeout, from_errcode
from wechat.store import WeChatStore

log = logging.getLogger("chunfeng.wechat")
REFRESH_MARGIN = timedelta(minutes=5)


class _Client(WeChatClient):
    """wechatpy's client with its own token fetching disabled: it hard-codes /cgi-bin/token,
    which would invalidate the tokens of every other worker."""

    def fetch_access_token(self):  # pragma: no cover - a guard, never reached
        raise WeChatError("内部错误：不应通过 /cgi-bin/token 获取 access_token", None)


class WeChatApi:
    def __init__(self, appid: str, secret: str, store: WeChatStore, *, api_base: str = "https://api.weixin.qq.com",
                 timeout: float = 5.0, clock=utc_now) -> None:
        self.appid = appid
        self._secret = secret
        self.store = store
        self.base = api_base.rstrip("/")
        self.timeout = timeout
        self.clock = clock
        # wechatpy's client gives us its HTTP session, JSON handling and error decoding
        self._client = _Client(appid, secret, timeout=timeout, auto_retry=False)
        self._lock = threading.Lock()

    # -- tokens ---------------------------------------------------------------------------------
    def access_token(self, force: bool = False) -> str:
        with self._lock:
            cached = self.store.token(self.appid)
            if cached and not force and cached[1] - self.clock() > REFRESH_MARGIN:
                return cached[0]
            result = self._raw("post", "/cgi-bin/stable_token", json={
                "grant_type": "client_credential", "appid": self.appid, "secret": self._secret, "force_refresh": force,
            }, auth=False)
            token = result["access_token"]
            self.store.save_token(self.appid, token, self.clock() + timedelta(seconds=int(result.get("expires_in", 7200))))
            return token

    # -- calls ----------------------------------------------------------------------------------
    def call(self, method: str, path: str, *, params: dict | None = None, json: dict | None = None, auth: bool = True) -> dict[str, Any]:
        """One API call; a token error refreshes the token and retries exactly once."""
        try:
            return self._raw(method, path, params=params, json=json, auth=auth)
        except WeChatError as exc:
            if not auth or exc.errcode not in TOKEN_ERRORS:
                raise
            log.info("wechat token rejected (%s); refreshing once", exc.errcode)
            self.access_token(force=True)
            return self._raw(method, path, params=params, json=json, auth=auth)

    def _raw(self, method: str, path: str, *, params: dict | None = None, json: dict | None = None, auth: bool = True) -> dict[str, Any]:
        query = dict(params or {})
        if auth:
            query["access_token"] = self.access_token()
        # a list of pairs, not a dict: wechatpy would otherwise add (and fetch) a token of its own
        kwargs: dict[str, Any] = {"params": list(query.items()), "timeout": self.timeout}
        if json is not None:
            kwargs["data"] = json  # wechatpy encodes dicts as UTF-8 JSON without escaping Chinese
        try:
            result = self._client._request(method, f"{self.base}{path}", **kwargs)
        except WeChatClientException as exc:
            if exc.errcode is None:
                status = getattr(exc.response, "status_code", "?")
                raise WeChatError(f"微信接口 {path} 返回 HTTP {status}", None) from exc
            raise from_errcode(int(exc.errcode), str(exc.errmsg or "")) from exc
        except requests.Timeout as exc:
            raise WeChatTimeout(f"调用微信接口 {path} 超时（{self.timeout} 秒），结果未知") from exc
        except requests.RequestException as exc:
            raise WeChatError(f"无法连接微信接口 {path}：{type(exc).__name__}") from exc
        if not isinstance(result, dict):
            raise WeChatError(f"微信接口 {path} 返回的不是 JSON", None)
        return result

    # -- the endpoints we use --------------------------------------------------------------------
    def send_text(self, openid: str, content: str) -> None:
        self.call("post", "/cgi-bin/message/custom/send", json={"touser": openid, "msgtype": "text", "text": {"content": content}})

    def send_subscribe(self, openid: str, template_id: str, data: dict[str, str], page: str | None = None,
                       state: str = "formal") -> None:
        body: dict[str, Any] = {
            "touser": openid, "template_id": template_id, "miniprogram_state": state, "lang": "zh_CN",
            "data": {k: {"value": v} for k, v in data.items()},
        }
        if page:
            body["page"] = page
        self.call("post", "/cgi-bin/message/subscribe/send", json=body)

    def code2session(self, code: str) -> dict[str, Any]:
        return self.call("get", "/sns/jscode2session", params={
            "appid": self.appid, "secret": self._secret, "js_code": code, "grant_type": "authorization_code",
        }, auth=False)

    def msg_sec_check(self, openid: str, content: str, scene: int = 2) -> str:
        """'pass', 'review' or 'risky' (msgSecCheck v2)."""
        result = self.call("post", "/wxa/msg_sec_check", json={"version": 2, "openid": openid, "scene": scene, "content": content[:2500]})
        return str((result.get("result") or {}).get("suggest", "pass"))

    def now(self) -> datetime:
        return self.clock()
