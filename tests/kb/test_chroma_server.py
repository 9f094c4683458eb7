"""CHUNFENG_CHROMA_URL: the same knowledge base on a real Chroma server started on 127.0.0.1."""

import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bot.types import Turn
from chunfeng.factory import build_assistant, chunker_for, open_kb
from chunfeng.settings import Settings
from ingest.pipeline import Ingestor
from tests.conftest import SAMPLES
from tests.fixtures.inprocess import free_port


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    exe = Path(sys.executable).parent / "chroma"
    if not exe.exists():
        exe = Path(shutil.which("chroma") or "chroma")
    port = free_port()
    proc = subprocess.Popen(
        [str(exe), "run", "--path", str(tmp_path_factory.mktemp("chroma-server")), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail("chroma server did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_knowledge_base_on_a_chroma_server(chroma_server, tmp_path):
    settings = Settings(data_dir=tmp_path / "kb", chroma_url=chroma_server, chroma_collection="server-test")
    kb = open_kb(settings, create=True)
    report = Ingestor(kb, chunker_for(settings)).run([SAMPLES])
    assert report.exit_code == 0 and kb.vectors.count() == kb.count() > 0
    assert not (tmp_path / "kb" / "chroma").exists()  # vectors live on the server
    kb.close()
    reply = build_assistant(settings).reply(Turn(text="预付款比例是多少？"))
    assert reply.citations and reply.citations[0].source == "chunfeng-notice-contract-payment.txt"


def test_bad_chroma_url_names_the_setting(tmp_path):
    from chunfeng.errors import ConfigError

    with pytest.raises(ConfigError) as exc:
        open_kb(Settings(data_dir=tmp_path, chroma_url="not a url"), create=True)
    assert "CHUNFENG_CHROMA_URL" in exc.value.message
