"""Plugging the WeChat adapter into an app built by the web app factory."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI

from chunfeng.errors import ConfigError
from chunfeng.factory import Services
from chunfeng.settings import Settings
from wechat.callback import WeChatCallback
from wechat.client import WeChatApi
from wechat.routes import callback_router, mp_router
from wechat.sender import WeChatNotifier, WeChatSender
from wechat.store import WeChatStore


@dataclass
class WeChat:
    store: WeChatStore
    api: WeChatApi | None
    sender: WeChatSender | None
    callback: WeChatCallback
    seccheck: bool


def enabled(settings: Settings) -> bool:
    return settings.wechat_token is not None


def build(settings: Settings, services: Services) -> WeChat:
    token = settings.wechat_token.get_secret_value() if settings.wechat_token else ""
    aes = settings.wechat_aes_key.get_secret_value() if settings.wechat_aes_key else None
    if aes is not None and (len(aes) != 43 or not settings.wechat_appid):
        raise ConfigError(
            "CHUNFENG_WECHAT_AES_KEY 应为 43 个字符的 EncodingAESKey，并且需要同时设置 CHUNFENG_WECHAT_APPID。"
            "请从公众平台“开发 > 基本配置 > 服务器配置”复制。"
        )
    store = WeChatStore(services.db)
    api = sender = None
    if settings.wechat_appid and settings.wechat_secret:
        api = WeChatApi(settings.wechat_appid, settings.wechat_secret.get_secret_value(), store,
                        api_base=settings.wechat_api_base, timeout=settings.wechat_timeout, clock=services.db.clock)
        sender = WeChatSender(api, store, services.outbox, quota=settings.wechat_cs_quota, template_id=settings.wechat_template_id,
                              mp_state=settings.wechat_mp_state, public_url=settings.public_url)
        for channel in ("wechat", "miniprogram"):
            services.notifiers.register(channel, WeChatNotifier(sender, store, channel))
        services.on_close.append(sender.stop)
    callback = WeChatCallback(services.assistant, store, sender, token=token, appid=settings.wechat_appid, aes_key=aes,
                              passive_seconds=settings.wechat_passive_seconds)
    return WeChat(store, api, sender, callback, settings.wechat_seccheck)


def install(app: FastAPI, settings: Settings, services: Services) -> WeChat:
    wechat = build(settings, services)
    app.state.wechat = wechat
    app.include_router(callback_router)
    if wechat.api is not None:
        app.include_router(mp_router)
    return wechat
