"""The outbound side: tokens, customer-service sends within WeChat's window and quota, fallbacks,
timeouts, and a human agent's reply reaching a WeChat user (WX-09 … WX-16, end to end)."""

import time

import httpx
import pytest

from bot.db import Database
from tests.fixtures.fake_wechat import APPID, SECRET
from tests.fixtures.wechat_push import GH_ID, TOKEN, plain_push, text_xml
from wechat.client import WeChatApi
from wechat.errors import InvalidCode, TokenError, WindowClosed
from wechat.render import fit, utf8_len
from wechat.store import WeChatStore

USER = "o_user_0002"


def push(app, text, msg_id, user=USER):
    q, body = plain_push(TOKEN, text_xml(GH_ID, user, text, msg_id), openid=user)
    return httpx.post(f"{app.url}/wechat/callback", params=q, content=body, timeout=10)


def api_for(fake, clock, db=None):
    db = db or Database(":memory:", clock)
    return WeChatApi(APPID, SECRET, WeChatStore(db), api_base=fake.base, timeout=1.0, clock=clock), db


def test_wx11_stable_token_shared_by_workers_and_one_refetch_on_40001(fake, clock, tmp_path):
    db_path = tmp_path / "app.sqlite"
    worker1, _ = api_for(fake, clock, Database(db_path, clock))
    worker2, _ = api_for(fake, clock, Database(db_path, clock))
    fake.user_message(USER)
    worker1.send_text(USER, "一")
    worker2.send_text(USER, "二")
    assert len(fake.calls_to("/cgi-bin/stable_token")) == 1 and fake.calls_to("/cgi-bin/token") == []
    fake.fail_next("/cgi-bin/message/custom/send", 40001)
    worker1.send_text(USER, "三")
    assert len(fake.calls_to("/cgi-bin/stable_token")) == 2  # one forced refresh …
    assert [m["text"]["content"] for m in fake.sent_messages(USER)] == ["一", "二", "三"]  # … and one retry
    fake.fail_next("/cgi-bin/message/custom/send", 40001, times=2)
    with pytest.raises(TokenError):
        worker1.send_text(USER, "四")  # never more than one retry
    assert len(fake.calls_to("/cgi-bin/message/custom/send")) == 6


def test_wx12_code2session_codes(fake, clock):
    api, _ = api_for(fake, clock)
    fake.add_code("code-ok", "o_mini_1", session_key="SECRETKEY==")
    assert api.code2session("code-ok")["openid"] == "o_mini_1"
    with pytest.raises(InvalidCode):
        api.code2session("code-ok")  # single use


def test_wx10_quota_and_long_answers(fake, clock):
    api, db = api_for(fake, clock)
    fake.user_message(USER)
    for i in range(5):
        api.send_text(USER, f"第{i}条")
    with pytest.raises(Exception) as exc:
        api.send_text(USER, "第6条")
    assert getattr(exc.value, "errcode", None) == 45047
    long = "采购人应当在规定时间内签订合同。" * 400
    short = fit(long, "https://example.gov.cn/a/m_1")
    assert utf8_len(short) <= 1800 and short.endswith("完整答复：https://example.gov.cn/a/m_1")
    assert fit("短答复") == "短答复"


def test_wx09_closed_window_waits_and_goes_out_when_the_user_writes(make_app, fake, clock):
    app = make_app(wechat_aes_key=None, wechat_passive_seconds=0.0)
    fake.user_message(USER)
    push(app, "转人工", 9001)
    ticket = fake.wait_for(lambda: app.services.desk.queue())[0]  # answered in the background
    clock.advance(49 * 3600)  # the user went quiet for two days
    agent = app.services.accounts.create("agentw", "password-1", "agent")
    app.services.desk.reply(ticket["id"], agent, "您好，这是人工答复。")
    states = lambda: [r["state"] for r in app.services.db.query("SELECT state FROM outbox WHERE kind='agent_reply'")]  # noqa: E731
    fake.wait_for(lambda: states() == ["waiting"])
    assert not any("人工答复" in m["text"]["content"] for m in fake.sent_messages(USER))
    fake.user_message(USER)
    push(app, "还在吗", 9002)
    fake.wait_for(lambda: any("人工答复" in m["text"]["content"] for m in fake.sent_messages(USER)))


def test_45015_from_wechat_is_handled_like_a_closed_window(make_app, fake):
    app = make_app(wechat_aes_key=None, wechat_passive_seconds=0.0)
    fake.add_user(USER)  # WeChat knows the user but has no open window for them
    push(app, "预付款比例是多少", 9101)
    fake.wait_for(lambda: [r["state"] for r in app.services.db.query("SELECT state FROM outbox")] == ["waiting"])
    assert fake.calls_to("/cgi-bin/message/custom/send")[0].errcode == 45015


def test_end_to_end_a_wechat_user_gets_exactly_one_message_with_the_agents_reply(make_app, fake):
    app = make_app(wechat_aes_key=None)
    fake.user_message(USER)
    r = push(app, "转人工，我想问问联合体投标的事", 9201)
    assert "工单号" in r.text
    headers = _login(app, "agent_e2e")
    tickets = httpx.get(f"{app.url}/api/agent/tickets", headers=headers).json()["tickets"]
    tid = tickets[0]["id"]
    httpx.post(f"{app.url}/api/agent/tickets/{tid}/claim", headers=headers)
    r = httpx.post(f"{app.url}/api/agent/tickets/{tid}/reply", headers=headers, json={"text": "联合体各方都要具备供应商资格条件。"})
    assert r.status_code == 200 and r.json()["channel"] == "wechat"
    fake.wait_for(lambda: fake.sent_messages(USER))
    time.sleep(0.8)  # give a duplicate every chance to appear
    sent = [m["text"]["content"] for m in fake.sent_messages(USER)]
    assert len(sent) == 1 and "联合体各方都要具备供应商资格条件" in sent[0]


def test_wx16_a_hanging_send_is_retried_at_most_once(make_app, fake, clock):
    app = make_app(wechat_aes_key=None, wechat_passive_seconds=0.0, wechat_timeout=0.5)
    fake.user_message(USER)
    fake.delay("/cgi-bin/message/custom/send", 2.0)
    push(app, "预付款比例是多少", 9301)
    fake.wait_for(lambda: [r["attempts"] for r in app.services.db.query("SELECT attempts FROM outbox")] == [1])
    row = dict(app.services.db.query("SELECT state, attempts, error FROM outbox")[0])
    assert row["attempts"] == 1 and row["error"].startswith("unknown")
    clock.advance(31)
    app.wechat.sender.run_once()
    clock.advance(31)
    app.wechat.sender.run_once()
    assert len(fake.calls_to("/cgi-bin/message/custom/send")) == 2  # one delayed retry, then it stops


def _login(app, name):
    if app.services.accounts.get(name) is None:
        app.services.accounts.create(name, "password-1", "agent")
    r = httpx.post(f"{app.url}/api/agent/login", json={"username": name, "password": "password-1"})
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_wx10_quota_error_from_wechat_stops_sending_until_the_user_writes(make_app, fake):
    app = make_app(wechat_aes_key=None, wechat_passive_seconds=0.0)
    fake.user_message(USER)
    fake.fail_next("/cgi-bin/message/custom/send", 45047)
    push(app, "预付款比例是多少", 9401)
    fake.wait_for(lambda: [r["state"] for r in app.services.db.query("SELECT state FROM outbox")] == ["waiting"])
    assert app.wechat.store.window(USER, 5) == (True, 0)  # we stop counting on our own
    fake.user_message(USER)
    push(app, "在吗", 9402)  # a new user message: a new window and quota
    fake.wait_for(lambda: any("30%" in m["text"]["content"] for m in fake.sent_messages(USER)))


def test_expired_token_is_refetched_once(fake, clock):
    api, _ = api_for(fake, clock)
    fake.user_message(USER)
    api.send_text(USER, "一")
    fake.fail_next("/cgi-bin/message/custom/send", 42001)
    api.send_text(USER, "二")
    assert len(fake.calls_to("/cgi-bin/stable_token")) == 2 and fake.calls_to("/cgi-bin/token") == []
    assert [m["text"]["content"] for m in fake.sent_messages(USER)] == ["一", "二"]
