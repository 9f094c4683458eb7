"""Loopback fixtures: the fake WeChat API (a real server on 127.0.0.1) and our app served by uvicorn
on 127.0.0.1, both on one clock the test can move."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from datetime import datetime, timezone

import pytest
import uvicorn

from chunfeng.factory import build_services
from chunfeng.server import build_app
from chunfeng.settings import Settings
from tests.fixtures.fake_wechat import APPID, SECRET, FakeWeChat
from tests.fixtures.wechat_push import AES_KEY, TOKEN


class Clock:
    """Epoch seconds shared by our app (as datetimes) and the fake WeChat (as floats)."""

    def __init__(self) -> None:
        self.t = time.time()

    def __call__(self) -> datetime:
        return datetime.fromtimestamp(self.t, timezone.utc)

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def fake(clock):
    with FakeWeChat() as f:
        f.now = lambda: clock.t
        yield f


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class App:
    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.services = build_services(settings, clock=clock)
        self.app = build_app(settings, self.services)
        self.wechat = self.app.state.wechat
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> "App":
        self.thread.start()
        for _ in range(200):
            if self.server.started:
                return self
            time.sleep(0.02)
        raise RuntimeError("app did not start")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.services.close()


@pytest.fixture()
def make_app(sample_kb_dir, tmp_path, fake, clock):
    apps: list[App] = []

    def make(**overrides) -> App:
        data = tmp_path / f"data{len(apps)}"
        shutil.copytree(sample_kb_dir, data)
        values = dict(
            data_dir=data, wechat_token=TOKEN, wechat_appid=APPID, wechat_secret=SECRET, wechat_aes_key=AES_KEY,
            wechat_api_base=fake.base, wechat_passive_seconds=4.0, wechat_timeout=2.0, rate_limit_per_minute=0,
        )
        values.update(overrides)
        app = App(Settings(**values), clock).start()
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.stop()
