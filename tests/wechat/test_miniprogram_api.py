"""The mini-program API over real HTTP against the fake WeChat API (WX-12 … WX-14)."""

import time
import uuid

import httpx

MP = "o_mini_0001"


def login(app, fake, openid=MP, code=None):
    code = code or f"code-{uuid.uuid4().hex[:8]}"
    fake.add_code(code, openid, session_key="SESSIONKEY-SHOULD-STAY==")
    r = httpx.post(f"{app.url}/api/mp/login", json={"code": code})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}, r


def chat(app, headers, message, client_msg_id=None, session_id=None):
    body = {"message": message, "client_msg_id": client_msg_id or uuid.uuid4().hex}
    if session_id:
        body["session_id"] = session_id
    return httpx.post(f"{app.url}/api/mp/chat", json=body, headers=headers, timeout=10)


def test_wx12_login_issues_our_token_and_never_the_session_key(make_app, fake):
    app = make_app()
    headers, r = login(app, fake)
    assert set(r.json()) == {"token", "expires_in"} and "SESSIONKEY" not in r.text
    reused = httpx.post(f"{app.url}/api/mp/login", json={"code": "code-unknown"})
    assert reused.status_code == 400 and reused.json()["error"]["code"] == "bad_request"
    fake.jscode2session_per_minute = 0
    fake.add_code("code-limited", MP)
    limited = httpx.post(f"{app.url}/api/mp/login", json={"code": "code-limited"})
    assert limited.status_code == 429
    reply = chat(app, headers, "预付款比例是多少")
    assert "SESSIONKEY" not in reply.text
    assert chat(app, {"Authorization": "Bearer nope"}, "你好").status_code == 401


def test_chat_is_idempotent_on_client_msg_id(make_app, fake):
    app = make_app()
    headers, _ = login(app, fake)
    first = chat(app, headers, "预付款比例是多少", client_msg_id="cm-1")
    again = chat(app, headers, "预付款比例是多少", client_msg_id="cm-1")
    assert first.status_code == 200 and first.json() == again.json()
    sid = first.json()["session_id"]
    msgs = httpx.get(f"{app.url}/api/mp/sessions/{sid}/messages", headers=headers).json()["messages"]
    assert [m["role"] for m in msgs] == ["user", "assistant"]  # asked once, answered once


def test_wx13_content_security_check(make_app, fake):
    app = make_app(wechat_seccheck=True)
    headers, _ = login(app, fake)
    fake.add_user(MP)
    fake.risky_words = {"违禁词"}
    r = chat(app, headers, "这里有违禁词")
    assert r.status_code == 422 and "不适宜" in r.json()["error"]["message"]
    assert chat(app, headers, "预付款比例是多少").status_code == 200


def test_wx14_handoff_answer_arrives_as_a_subscribe_message_and_tickets_are_private(make_app, fake, clock):
    app = make_app(wechat_template_id="TPL_ANSWERED", wechat_mp_state="trial")
    fake.add_template("TPL_ANSWERED")
    fake.accept_template(MP, "TPL_ANSWERED")
    headers, _ = login(app, fake)
    sid = chat(app, headers, "评审专家的劳务报酬怎么算").json()["session_id"]
    r = httpx.post(f"{app.url}/api/mp/handoff", json={"session_id": sid, "subscribe": {"TPL_ANSWERED": "accept"}}, headers=headers)
    tid = r.json()["ticket_id"]
    other, _ = login(app, fake, openid="o_mini_other")
    assert httpx.get(f"{app.url}/api/mp/tickets/{tid}", headers=other).status_code == 404
    agent = app.services.accounts.create("agentmp", "password-1", "agent")
    app.services.desk.reply(tid, agent, "劳务报酬按本地标准执行。")  # no customer-service window: subscribe message
    sends = fake.wait_for(lambda: fake.subscribe_sends(MP))
    assert sends[0]["miniprogram_state"] == "trial" and sends[0]["lang"] == "zh_CN"
    assert sends[0]["page"] == f"pages/ticket/ticket?id={tid}"
    assert len(sends[0]["data"]["thing1"]["value"]) <= 20
    view = httpx.get(f"{app.url}/api/mp/tickets/{tid}", headers=headers).json()
    assert view["ticket"]["status"] == "answered" and view["messages"][-1]["role"] == "agent"
    time.sleep(0.3)
    assert len(fake.subscribe_sends(MP)) == 1
