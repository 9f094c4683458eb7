"""The whole server: the web app with every configured channel adapter plugged in.

Adapters never import each other; this is the one place that composes them.
"""

from __future__ import annotations

from fastapi import FastAPI

from chunfeng.factory import Services, build_services
from chunfeng.settings import Settings
from web.app import create_app


def build_app(settings: Settings, services: Services | None = None) -> FastAPI:
    services = services or build_services(settings)
    app = create_app(settings, services, owns_services=True)
    from hotline import setup as hotline_setup
    from wechat import setup as wechat_setup

    hotline_setup.install(app, settings, services)
    if wechat_setup.enabled(settings):
        wechat_setup.install(app, settings, services)
    return app
