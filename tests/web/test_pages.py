"""The HTML pages over real HTTP: the chat page, the agents' console and the admin pages."""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from tests.web.conftest import ACCOUNTS

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def anon(server):
    with httpx.Client(base_url=server.url, timeout=30, follow_redirects=False) as client:
        yield client


@contextmanager
def signed_in(server, username: str) -> Iterator[httpx.Client]:
    """A client that signed in through the console's login form (so it holds the cookie)."""
    with httpx.Client(base_url=server.url, timeout=60, follow_redirects=False) as client:
        r = client.post("/console/login", data={"username": username, "password": ACCOUNTS[username][1]})
        assert r.status_code == 303, r.text
        yield client


@pytest.fixture
def agent(server):
    with signed_in(server, "agent1") as client:
        yield client


@pytest.fixture
def admin(server):
    with signed_in(server, "admin1") as client:
        yield client


def open_ticket(anon: httpx.Client, message: str) -> tuple[str, str]:
    """A user asks in a new conversation and presses 转人工: (session id, ticket id)."""
    r = anon.post("/api/chat", json={"message": message})
    assert r.status_code == 200, r.text
    sid = r.json()["session_id"]
    r = anon.post("/api/handoff", json={"session_id": sid})
    assert r.status_code == 200, r.text
    return sid, r.json()["ticket_id"]


# -- the chat page -----------------------------------------------------------------------------
def test_chat_page_renders_ask_box_examples_and_handoff(anon):
    r = anon.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert "<title>春风政采助手" in html and ">春风政采助手</h1>" in html
    assert 'name="viewport"' in html and "width=device-width" in html
    assert 'id="ask"' in html and 'id="send"' in html
    assert re.search(r'<button[^>]*id="handoff"[^>]*>转人工</button>', html)
    assert html.count('class="example"') >= 2
    assert "cdn" not in html.lower()
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        got = anon.get(asset)
        assert got.status_code == 200, asset


def test_chat_script_never_inserts_html():
    script = (Path(__file__).resolve().parents[2] / "web" / "static" / "chat.js").read_text(encoding="utf-8")
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script and "document.write" not in script
    assert "EventSource" in script and "/events" in script and "?after=" in script
    assert "localStorage" in script


# -- signing in --------------------------------------------------------------------------------
def test_console_redirects_to_login_when_signed_out(anon):
    r = anon.get("/console")
    assert r.status_code == 303
    assert r.headers["location"].startswith("/console/login")
    page = anon.get(r.headers["location"])
    assert page.status_code == 200
    assert 'name="username"' in page.text and 'name="password"' in page.text and "登录" in page.text


def test_login_sets_secure_cookie_and_shows_queue(anon):
    r = anon.post("/console/login", data={"username": "agent1", "password": ACCOUNTS["agent1"][1]})
    assert r.status_code == 303 and r.headers["location"] == "/console"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("chunfeng_token=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict") and "Path=/" in cookie
    queue = anon.get("/console")
    assert queue.status_code == 200
    assert "工单队列" in queue.text and "agent1" in queue.text
    assert 'http-equiv="refresh" content="15"' in queue.text


def test_wrong_password_shows_the_form_again(anon):
    r = anon.post("/console/login", data={"username": "agent1", "password": "not-the-password"})
    assert r.status_code == 401
    assert "用户名或密码不正确。" in r.text and 'name="password"' in r.text
    assert "set-cookie" not in r.headers


def test_operator_gets_a_403_page(server):
    with signed_in(server, "operator1") as op:
        r = op.get("/console")
        assert r.status_code == 403
        assert r.headers["content-type"].startswith("text/html")
        assert "没有权限" in r.text and "operator1" in r.text
        assert op.get("/admin").status_code == 403


@pytest.mark.parametrize("username, asked, lands", [
    ("operator1", "", "/hotline"),            # an operator's home is the hotline console
    ("operator1", "/console", "/hotline"),    # never onto a page that would only say 403
    ("operator1", "/hotline/hot", "/hotline/hot"),
    ("agent1", "", "/console"),
    ("agent1", "/hotline", "/hotline"),       # agents may use the hotline console too
    ("agent1", "/admin", "/console"),
    ("agent1", "https://evil.example/console", "/console"),
])
def test_signing_in_lands_on_a_page_the_role_may_open(server, username, asked, lands):
    with httpx.Client(base_url=server.url, follow_redirects=False, timeout=10) as client:
        r = client.post("/console/login", data={"username": username, "password": ACCOUNTS[username][1], "next": asked})
        assert r.status_code == 303 and r.headers["location"] == lands
        again = client.get("/console/login", params={"next": asked} if asked else None)
        assert again.status_code == 303 and again.headers["location"] == lands  # already signed in: no second form


def test_agent_cannot_open_admin_pages(agent):
    r = agent.get("/admin")
    assert r.status_code == 403 and "管理员" in r.text


def test_logout_revokes_the_token(server):
    with signed_in(server, "agent1") as client:
        token = client.cookies.get("chunfeng_token")
        assert client.get("/console").status_code == 200
        r = client.post("/console/logout")
        assert r.status_code == 303 and r.headers["location"] == "/console/login"
        assert 'chunfeng_token=""' in r.headers["set-cookie"] or "Max-Age=0" in r.headers["set-cookie"]
    stale = httpx.get(f"{server.url}/console", cookies={"chunfeng_token": token}, follow_redirects=False)
    assert stale.status_code == 303


def test_a_form_sent_after_signing_out_comes_back_to_its_page(anon):
    r = anon.post("/console/tickets/T20260101-0001/claim")
    assert r.status_code == 303
    assert r.headers["location"] == "/console/login?next=/console/tickets/T20260101-0001"
    r = anon.post("/admin/faq/faq_x", data={"question": "q", "answer": "a"})
    assert r.status_code == 303 and r.headers["location"] == "/console/login?next=/admin"


def test_page_errors_are_html_in_chinese(agent):
    r = agent.get("/console/tickets/T00000000-9999")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "工单 T00000000-9999 不存在" in r.text


# -- the console -------------------------------------------------------------------------------
def test_ticket_page_escapes_the_transcript_and_handles_the_ticket(server, anon, agent):
    sid, tid = open_ticket(anon, f"请问 {SCRIPT} 怎么办")

    queue = agent.get("/console").text
    assert tid in queue and "已等待" in queue and "待处理" in queue
    assert SCRIPT not in queue and "&lt;script&gt;alert(1)&lt;/script&gt;" in queue

    page = agent.get(f"/console/tickets/{tid}")
    assert page.status_code == 200
    assert SCRIPT not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    for label in ("认领", "关闭工单", "发送答复", "加入常见问题", "搜索知识库", "处理记录"):
        assert label in page.text

    r = agent.post(f"/console/tickets/{tid}/claim")
    assert r.status_code == 303
    page = agent.get(r.headers["location"])
    assert "处理中" in page.text and "已认领" in page.text

    reply = "您好，中标通知书发出后 4 个工作日内签订合同。<b>不是加粗</b>"
    r = agent.post(f"/console/tickets/{tid}/reply", data={"text": reply})
    assert r.status_code == 303
    page = agent.get(r.headers["location"])
    assert "答复已发送给用户。" in page.text
    assert "&lt;b&gt;不是加粗&lt;/b&gt;" in page.text and "<b>不是加粗</b>" not in page.text
    msgs = anon.get(f"/api/sessions/{sid}/messages").json()["messages"]
    assert msgs[-1]["role"] == "agent" and msgs[-1]["text"] == reply

    empty = agent.post(f"/console/tickets/{tid}/reply", data={"text": "   "})
    assert empty.status_code == 422 and "答复内容不能为空" in empty.text

    r = agent.post(f"/console/tickets/{tid}/promote", data={"question": "中标后多久签合同？", "answer": "4 个工作日内。"})
    assert r.status_code == 303
    assert "已加入常见问题" in agent.get(r.headers["location"]).text

    r = agent.post(f"/console/tickets/{tid}/close")
    assert r.status_code == 303
    page = agent.get(r.headers["location"])
    assert "已关闭" in page.text and "发送答复" not in page.text
    assert tid not in agent.get("/console").text


def test_search_panel_api_accepts_the_console_cookie(agent):
    r = agent.get("/api/agent/search", params={"q": "合同签订"})
    assert r.status_code == 200
    assert r.json()["results"]


# -- the admin pages ---------------------------------------------------------------------------
POLICY = """春风市政府采购电子卖场管理办法（测试）
春财采〔2026〕99号
春风市财政局

第一条 为了规范电子卖场采购活动，制定本办法。
第二条 采购单位在电子卖场采购单笔金额不超过50万元的通用商品，可以直接下单。
第三条 供应商应当在收到订单后2个工作日内确认订单。
"""


def test_admin_upload_shows_report_and_lists_the_document(server, admin, tmp_path):
    page = admin.get("/admin")
    assert page.status_code == 200
    assert "知识库文件" in page.text and "上传政策文件" in page.text and "常见问题" in page.text
    assert "春财采〔2024〕7号" in page.text  # a sample document with its 文号

    policy = tmp_path / "电子卖场管理办法.txt"
    policy.write_text(POLICY, encoding="utf-8")
    junk = tmp_path / "empty.txt"
    junk.write_bytes(b"")
    with policy.open("rb") as a, junk.open("rb") as b:
        r = admin.post("/admin/upload", files=[("files", (policy.name, a, "text/plain")), ("files", (junk.name, b, "text/plain"))])
    assert r.status_code == 200, r.text
    assert "导入结果" in r.text
    assert "已导入" in r.text and "失败" in r.text and "文件为空" in r.text
    assert (server.data_dir / "uploads" / policy.name).is_file()

    listing = admin.get("/admin").text
    assert "春风市政府采购电子卖场管理办法（测试）" in listing and "春财采〔2026〕99号" in listing
    answer = httpx.post(f"{server.url}/api/chat", json={"message": "电子卖场订单多久确认？"}, timeout=60).json()
    assert any("电子卖场" in c["title"] for c in answer["citations"])


def test_admin_upload_without_files_says_what_to_do(admin):
    r = admin.post("/admin/upload", files=[("files", ("", b"", "application/octet-stream"))])
    assert r.status_code == 422 and "请先选择要上传的政策文件" in r.text


def test_faq_edit_and_publish_from_the_admin_page(server, anon, agent, admin):
    _, tid = open_ticket(anon, "政府采购合同可以用来贷款吗？")
    assert agent.post(f"/console/tickets/{tid}/reply", data={"text": "可以，凭合同申请合同融资。"}).status_code == 303
    r = agent.post(f"/console/tickets/{tid}/promote", data={"question": "合同能贷款吗？", "answer": "可以，凭合同申请合同融资。"})
    assert r.status_code == 303

    page = admin.get("/admin").text
    match = re.search(r'<form method="post" action="/admin/faq/([^"]+)"[^>]*>\s*<div class="faq-head">\s*<span class="badge badge-faq-draft">待审核',
                      page)
    assert match, page
    faq_id = match.group(1)

    r = admin.post(f"/admin/faq/{faq_id}", data={"question": "政府采购合同能拿去贷款吗？", "answer": "可以。<i>凭合同</i>申请融资。",
                                                 "action": "publish"})
    assert r.status_code == 303 and r.headers["location"].startswith("/admin?done=publish")
    page = admin.get(r.headers["location"]).text
    assert "常见问题已发布" in page
    assert "政府采购合同能拿去贷款吗？" in page and "&lt;i&gt;凭合同&lt;/i&gt;" in page
    entry = next(e for e in httpx.get(f"{server.url}/api/admin/faq", headers=server.login("admin1")).json()["faq"] if e["id"] == faq_id)
    assert entry["status"] == "published" and entry["reviewed_by"] == "admin1"

    r = admin.post(f"/admin/faq/{faq_id}", data={"question": entry["question"], "answer": entry["answer"], "action": "archive"})
    assert r.status_code == 303
    assert "已下线" in admin.get("/admin").text

    bad = admin.post(f"/admin/faq/{faq_id}", data={"question": "", "answer": "x", "action": "save"})
    assert bad.status_code == 422 and "不能为空" in bad.text
