"""Loopback fixtures: the fake WeChat API (a real server on 127.0.0.1) and our app served by uvicorn
on 127.0.0.1, both on one clock the test can move."""

from __future__ import annotations

import shutil
import time
from datetime import datetime, timezone

import pytest

from chunfeng.settings import Settings
from tests.fixtures.inprocess import InProcessApp
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


class App(InProcessApp):
    def __init__(self, settings: Settings, clock: Clock) -> None:
        super().__init__(settings, clock)
        self.wechat = self.app.state.wechat


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
