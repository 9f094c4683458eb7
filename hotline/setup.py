"""Plugging the hotline adapter into the app."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI

from bot.scope import ScopeGuard
from chunfeng.factory import Services
from chunfeng.settings import Settings
from hotline.categories import Categories
from hotline import routes_admin
from hotline.platform import WebhookSender
from hotline.routes import router
from hotline.search import OperatorSearch
from hotline.service import Hotline
from hotline.workorders import WorkOrderStore


@dataclass
class HotlineAdapter:
    service: Hotline
    search: OperatorSearch
    categories: Categories
    secret: str | None


def build(settings: Settings, services: Services) -> HotlineAdapter:
    secret = settings.hotline_secret.get_secret_value() if settings.hotline_secret else None
    webhooks = None
    if settings.hotline_webhook_url and secret:
        webhooks = WebhookSender(services.outbox, settings.hotline_webhook_url, secret,
                                 retry_base=settings.hotline_retry_seconds, max_attempts=settings.hotline_max_attempts)
        services.on_close.append(webhooks.stop)
    categories = Categories.load()
    conv = services.assistant.conv
    assert conv is not None
    answerer = services.assistant.answerer
    service = Hotline(WorkOrderStore(services.db), answerer, categories=categories, scope=ScopeGuard.load(), faq=conv.faq,
                      sessions=conv.sessions, tickets=conv.tickets, notifiers=services.notifiers, webhooks=webhooks)
    return HotlineAdapter(service, OperatorSearch(answerer, categories), categories, secret)


def install(app: FastAPI, settings: Settings, services: Services) -> HotlineAdapter:
    adapter = build(settings, services)
    app.state.hotline = adapter
    app.include_router(router)
    app.include_router(routes_admin.router)
    from hotline import pages  # the operator console and hot-questions pages (/hotline, /hotline/hot)

    app.include_router(pages.router)
    return adapter
