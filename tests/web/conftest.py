"""A real Chunfeng server on 127.0.0.1, run as a subprocess the way `chunfeng serve` runs it.

`data_dir` holds a knowledge base of the sample corpus and three staff accounts; `server` starts
(and can restart) the server process on a free port over that folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import SAMPLES
from tests.fixtures.inprocess import free_port

ACCOUNTS = {"agent1": ("agent", "agent-pass-1"), "admin1": ("admin", "admin-pass-1"), "operator1": ("operator", "operator-pass-1")}


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "chunfeng.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300)


def sample_kb(root: Path) -> Path:
    """The sample policies ingested into root/data with the staff ACCOUNTS, through the real CLI."""
    corpus = root / "policies"
    shutil.copytree(SAMPLES, corpus)
    kb = root / "data"
    res = cli("ingest", str(corpus), "--kb", str(kb))
    assert res.returncode == 0, res.stderr + res.stdout
    for name, (role, password) in ACCOUNTS.items():
        res = cli("user", "add", name, "--role", role, "--password", password, "--kb", str(kb))
        assert res.returncode == 0, res.stderr + res.stdout
    return kb


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    return sample_kb(tmp_path_factory.mktemp("server"))


class Server:
    def __init__(self, data_dir: Path, env: dict | None = None) -> None:
        self.data_dir = data_dir
        self.env = env or {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log = data_dir.parent / f"server-{self.port}.log"

    def start(self) -> "Server":
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "chunfeng.cli", "serve", "--kb", str(self.data_dir), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=self.log.open("ab"), stderr=subprocess.STDOUT, env={**os.environ, **self.env},
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("server did not come up in 60 s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None

    def restart(self) -> "Server":
        self.stop()
        return self.start()

    def login(self, username: str) -> dict[str, str]:
        role, password = ACCOUNTS[username]
        r = httpx.post(f"{self.url}/api/agent/login", json={"username": username, "password": password}, timeout=10)
        r.raise_for_status()
        return {"Authorization": f"Bearer {r.json()['token']}"}


@pytest.fixture(scope="module")
def server(data_dir):
    # deployed behind a proxy: each simulated user has its own X-Forwarded-For address
    srv = Server(data_dir, env={"CHUNFENG_TRUST_PROXY": "1"}).start()
    yield srv
    srv.stop()
