"""Fixtures of the hotline tests: the web tests' real server (``server``, ``data_dir``), a pristine
knowledge base with the staff accounts to copy for servers with other settings, and the app
in-process (uvicorn in a thread on 127.0.0.1) on a clock the test moves."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import uvicorn

from tests.conftest import SAMPLES
from tests.web.conftest import ACCOUNTS, Server, cli, data_dir, server  # noqa: F401  (fixtures re-exported)

SECRET = "test-hotline-secret-0123456789"
CHINA = timezone(timedelta(hours=8))


@pytest.fixture(scope="session")
def pristine_kb(tmp_path_factory) -> Path:
    """The sample corpus ingested, with agent1/admin1/operator1; never served, only copied."""
    root = tmp_path_factory.mktemp("hotline-kb")
    corpus = root / "policies"
    shutil.copytree(SAMPLES, corpus)
    kb = root / "data"
    res = cli("ingest", str(corpus), "--kb", str(kb))
    assert res.returncode == 0, res.stderr + res.stdout
    for name, (role, password) in ACCOUNTS.items():
        res = cli("user", "add", name, "--role", role, "--password", password, "--kb", str(kb))
        assert res.returncode == 0, res.stderr + res.stdout
    return kb


def copy_kb(pristine: Path, target: Path) -> Path:
    shutil.copytree(pristine, target)
    return target


class Clock:
    """A settable clock for the in-process app (UTC datetimes)."""

    def __init__(self, start: datetime) -> None:
        self.t = start

    def __call__(self) -> datetime:
        return self.t.astimezone(timezone.utc)

    def set(self, when: datetime) -> None:
        self.t = when


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class InProcessApp:
    """The whole server (`chunfeng.server.build_app`) in this process, so a test can reach inside."""

    def __init__(self, data: Path, clock: Clock, **settings) -> None:
        from chunfeng.factory import build_services
        from chunfeng.server import build_app
        from chunfeng.settings import Settings

        self.settings = Settings(data_dir=data, rate_limit_per_minute=0, **settings)
        self.services = build_services(self.settings, clock=clock)
        self.app = build_app(self.settings, self.services)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> "InProcessApp":
        self.thread.start()
        for _ in range(300):
            if self.server.started:
                return self
            time.sleep(0.02)
        raise RuntimeError("app did not start")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.services.close()

    def token(self, username: str) -> dict[str, str]:
        """A Bearer header for an existing account, issued at the clock's current time."""
        accounts = self.services.accounts
        return {"Authorization": f"Bearer {accounts.issue_token(accounts.get(username))}"}
