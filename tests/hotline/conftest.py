"""Fixtures of the hotline tests: the web tests' real server (``server``, ``data_dir``), a pristine
knowledge base with the staff accounts to copy for servers with other settings, and the app
in-process (uvicorn in a thread on 127.0.0.1) on a clock the test moves."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from chunfeng.settings import Settings
from tests.fixtures import inprocess
from tests.web.conftest import ACCOUNTS, Server, cli, data_dir, sample_kb, server  # noqa: F401  (fixtures re-exported)

SECRET = "test-hotline-secret-0123456789"
CHINA = timezone(timedelta(hours=8))


@pytest.fixture(scope="session")
def pristine_kb(tmp_path_factory) -> Path:
    """The sample corpus ingested, with agent1/admin1/operator1; never served, only copied."""
    return sample_kb(tmp_path_factory.mktemp("hotline-kb"))


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


class InProcessApp(inprocess.InProcessApp):
    """The whole server in this process on the test's clock, over a copy of a knowledge base."""

    def __init__(self, data: Path, clock: Clock, **settings) -> None:
        super().__init__(Settings(data_dir=data, rate_limit_per_minute=0, **settings), clock)
