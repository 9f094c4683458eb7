"""The JSON API as a user and an agent meet it: over real HTTP against a running `chunfeng serve`.

Every test starts its own conversations. Each simulated member of the public comes from its own
client address (``X-Forwarded-For``, which the rate limit keys on), so tests do not share a rate
limit bucket; the rate limit itself is tested on a separate server with a limit of 3 per minute.
"""

from __future__ import annotations

import itertools
import re
from datetime import datetime

import httpx
import pytest

from tests.web.conftest import Server

NOTICE = "chunfeng-notice-contract-payment.txt"
SUPPLIER_FAQ = "chunfeng-supplier-faq.md"
SME_GUIDE = "chunfeng-sme-guide.html"
CJK = re.compile(r"[\u4e00-\u9fff]")
_addresses = itertools.count(1)


# -- helpers -----------------------------------------------------------------------------------
class User:
    """A member of the public using the chat API from their own address."""

    def __init__(self, url: str) -> None:
        n = next(_addresses)
        self.address = f"10.{n // 250}.{n % 250}.7"
        self.http = httpx.Client(base_url=url, timeout=60, headers={"X-Forwarded-For": self.address})

    def post(self, path: str, **kw) -> httpx.Response:
        return self.http.post(path, **kw)

    def get(self, path: str, **kw) -> httpx.Response:
        return self.http.get(path, **kw)

    def delete(self, path: str, **kw) -> httpx.Response:
        return self.http.delete(path, **kw)

    def chat(self, message: str, session_id: str | None = None) -> dict:
        body = {"message": message, **({"session_id": session_id} if session_id else {})}
        r = self.http.post("/api/chat", json=body)
        assert r.status_code == 200, r.text
        return r.json()

    def messages(self, session_id: str) -> dict:
        r = self.http.get(f"/api/sessions/{session_id}/messages")
        assert r.status_code == 200, r.text
        return r.json()

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def user(server):
    u = User(server.url)
    yield u
    u.close()


@pytest.fixture
def new_user(server):
    """A factory for more members of the public in one test."""
    made: list[User] = []

    def make() -> User:
        made.append(User(server.url))
        return made[-1]

    yield make
    for u in made:
        u.close()


def staff(server, name: str) -> httpx.Client:
    """A signed-in staff member's client (logs in through POST /api/agent/login)."""
    return httpx.Client(base_url=server.url, timeout=60, headers=server.login(name))


def assert_error(r: httpx.Response, status: int, code: str | None = None) -> dict:
    """The one error shape: {"error": {"code": str, "message": str with Chinese[, "detail"]}} and nothing else."""
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/json"), r.headers["content-type"]
    body = r.json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    err = body["error"]
    assert isinstance(err, dict) and {"code", "message"} <= set(err) <= {"code", "message", "detail"}, err
    assert isinstance(err["code"], str) and err["code"], err
    assert isinstance(err["message"], str) and err["message"].strip(), err
    assert CJK.search(err["message"]), f"message is not in Chinese: {err['message']!r}"
    if code is not None:
        assert err["code"] == code, err
    return err


def sources(reply: dict) -> list[str]:
    return [c["source"] for c in reply["citations"]]


def first_paragraph(answer: str) -> str:
    return answer.split("\n\n", 1)[0].strip()


def queue(agent: httpx.Client, statuses: str | None = None) -> dict[str, dict]:
    r = agent.get("/api/agent/tickets", params={"status": statuses} if statuses else None)
    assert r.status_code == 200, r.text
    return {t["id"]: t for t in r.json()["tickets"]}


def ticket_status(agent: httpx.Client, ticket_id: str) -> str:
    r = agent.get(f"/api/agent/tickets/{ticket_id}")
    assert r.status_code == 200, r.text
    return r.json()["ticket"]["status"]


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


# -- ops ---------------------------------------------------------------------------------------
def test_healthz_reports_the_sample_knowledge_base(server):
    r = httpx.get(f"{server.url}/healthz", timeout=10)
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["documents"] == 3 and body["chunks"] > 0


def test_openapi_lists_the_documented_endpoints(server):
    r = httpx.get(f"{server.url}/openapi.json", timeout=10)
    assert r.status_code == 200
    paths = r.json()["paths"]
    documented = {
        "/api/chat": "post", "/api/sessions/{session_id}/messages": "get", "/api/sessions/{session_id}/events": "get",
        "/api/feedback": "post", "/api/handoff": "post", "/api/agent/login": "post", "/api/agent/tickets": "get",
        "/api/agent/tickets/{ticket_id}": "get", "/api/agent/tickets/{ticket_id}/claim": "post",
        "/api/agent/tickets/{ticket_id}/reply": "post", "/api/agent/tickets/{ticket_id}/close": "post",
        "/api/agent/tickets/{ticket_id}/promote": "post", "/api/agent/search": "get", "/api/admin/faq": "get",
        "/api/admin/faq/{faq_id}": "post", "/api/admin/documents": "get", "/healthz": "get",
    }
    missing = [f"{m.upper()} {p}" for p, m in documented.items() if m not in paths.get(p, {})]
    assert not missing, missing


# -- a conversation ----------------------------------------------------------------------------
def test_follow_ups_are_answered_from_the_right_documents_in_one_session(user):
    turns = [
        # (what the user types, the document the answer must cite first, a fact the answer states)
        ("合同签订后多久要公开？", NOTICE, "3个工作日"),
        ("那备案呢？", NOTICE, "5个工作日"),  # follow-up: about the same contract, another article
        ("中标以后可以用合同去银行贷款吗？", SUPPLIER_FAQ, "不要求抵押"),  # a new topic, another document
        ("这个要多久？", SUPPLIER_FAQ, "1个工作日"),  # follow-up: how long the loan takes
    ]
    session_id = None
    for text, source, fact in turns:
        reply = user.chat(text, session_id)
        session_id = session_id or reply["session_id"]
        assert reply["session_id"] == session_id
        assert reply["kind"] == "answer", (text, reply)
        assert reply["handoff"] is None and not reply["suggest_handoff"], (text, reply)
        assert sources(reply)[0] == source, (text, sources(reply))
        assert fact in reply["answer"], (text, reply["answer"])
    assert "备案" in first_paragraph(user.messages(session_id)["messages"][3]["text"])

    listing = user.messages(session_id)
    assert listing["session_id"] == session_id and listing["ticket"] is None
    msgs = listing["messages"]
    assert [m["role"] for m in msgs] == ["user", "assistant"] * len(turns)
    assert [m["text"] for m in msgs if m["role"] == "user"] == [t for t, _, _ in turns]
    assert [m["seq"] for m in msgs] == sorted(m["seq"] for m in msgs) and len({m["seq"] for m in msgs}) == len(msgs)
    times = [parse_time(m["created_at"]) for m in msgs]
    assert times == sorted(times)
    for m, (_, source, _) in zip([m for m in msgs if m["role"] == "assistant"], turns):
        assert m["citations"] and m["citations"][0]["source"] == source
        assert m["kind"] == "answer"
    # polling: only what came after a given message
    later = user.get(f"/api/sessions/{session_id}/messages", params={"after": msgs[-2]["seq"]}).json()["messages"]
    assert [m["id"] for m in later] == [msgs[-1]["id"]]


# small-and-micro: the follow-up is rewritten to '小微企业有价格扣除吗？'. Two sample documents state the
# 10%: the SME guide's table row and the supplier FAQ's item 9 (小微企业…有什么价格优惠); since the question
# bank, whose questions for both say 小微企业价格扣除, the FAQ item comes first, the row just below it.
@pytest.mark.parametrize("first_question,first_fact,follow_up,fact,sources_ok", [
    ("中型企业有价格扣除吗？", "不扣除", "那小微企业呢？", "10%", {SME_GUIDE, SUPPLIER_FAQ}),
    ("合同签订后多久要在网上公开？", "3个工作日", "那备案呢？", "5个工作日", {NOTICE}),
], ids=["small-and-micro", "filing"])
def test_follow_up_about_another_subject_answers_for_that_subject(user, first_question, first_fact, follow_up, fact, sources_ok):
    first = user.chat(first_question)
    assert sources(first)[0] in sources_ok
    assert first_fact in first["answer"]
    follow = user.chat(follow_up, first["session_id"])
    assert sources(follow)[0] in sources_ok
    assert fact in follow["answer"].split("相关规定")[0], follow["answer"]
    for line in follow["answer"].splitlines():  # a provision shown as 另见 is not listed again below it
        if line.startswith("另见："):
            seen_also = line.removeprefix("另见：").split("：")[0]
            assert seen_also not in follow["answer"].split("相关规定")[-1], follow["answer"]


@pytest.mark.parametrize("question,fact", [
    pytest.param("CA数字证书在哪里办？", "窗口", id="ca-certificate"),
    pytest.param("中标以后可以用合同去银行贷款吗？", "可以", id="contract-loan"),
    pytest.param("投标要交保证金吗？", "不收", id="deposit"),
])
def test_direct_answer_to_a_supplier_faq_question_is_that_entry_s_answer(user, question, fact):
    reply = user.chat(question)
    assert sources(reply)[0] == SUPPLIER_FAQ
    direct = first_paragraph(reply["answer"])
    assert not direct.endswith(("？", "?")), direct
    assert fact in direct, direct


# -- handoff -----------------------------------------------------------------------------------
@pytest.mark.parametrize("how", ["button", "chat"])
def test_handoff_loop_user_agent_and_back(server, user, how):
    first = user.chat("中标通知书发出后多久要签合同？")
    sid = first["session_id"]
    if how == "button":
        r = user.post("/api/handoff", json={"session_id": sid})
        assert r.status_code == 200, r.text
        opened = r.json()
        assert opened["status"] == "pending" and opened["ticket_id"]
        ticket_id = opened["ticket_id"]
        # pressing the button again returns the same ticket
        again = user.post("/api/handoff", json={"session_id": sid}).json()
        assert again["ticket_id"] == ticket_id
    else:
        reply = user.chat("转人工", sid)
        assert reply["kind"] == "handoff" and reply["reason"] == "user_request"
        assert reply["handoff"]["status"] == "pending"
        ticket_id = reply["handoff"]["ticket_id"]
        assert ticket_id in reply["answer"] and "人工" in reply["answer"]

    # while the ticket is pending the assistant does not talk over the person
    waiting = user.chat("请问大概要等多久？", sid)
    assert waiting["kind"] == "handoff" and waiting["handoff"]["ticket_id"] == ticket_id
    assert waiting["citations"] == []

    with staff(server, "agent1") as agent:
        listed = queue(agent)
        assert ticket_id in listed
        t = listed[ticket_id]
        assert t["status"] == "pending" and t["session_id"] == sid and t["reason"] == "user_request"
        assert isinstance(t["waiting_minutes"], int) and t["waiting_minutes"] >= 0
        assert t["question"] == "中标通知书发出后多久要签合同？"

        r = agent.post(f"/api/agent/tickets/{ticket_id}/claim")
        assert r.status_code == 200, r.text
        assert r.json()["ticket"]["status"] == "claimed" and r.json()["ticket"]["claimed_by"] == "agent1"
        view = agent.get(f"/api/agent/tickets/{ticket_id}").json()
        assert [m["text"] for m in view["messages"] if m["role"] == "user"][:1] == ["中标通知书发出后多久要签合同？"]

        text = "您好，中标通知书发出后4个工作日内应当签订合同；有正当理由的可以书面申请延期，最长不超过10个工作日。"
        r = agent.post(f"/api/agent/tickets/{ticket_id}/reply", json={"text": text})
        assert r.status_code == 200, r.text
        assert r.json()["ticket"]["status"] == "answered" and r.json()["delivered"] is True

    listing = user.messages(sid)
    agent_msgs = [m for m in listing["messages"] if m["role"] == "agent"]
    assert [m["text"] for m in agent_msgs] == [text]
    assert listing["messages"][-1]["role"] == "agent"
    assert listing["ticket"] == {"ticket_id": ticket_id, "status": "answered", "reason": "user_request"}


def test_handoff_survives_a_server_restart(server, new_user):
    before, after = new_user(), new_user()
    s1 = before.chat("合同签订后多久要办理备案？")["session_id"]
    t1 = before.post("/api/handoff", json={"session_id": s1}).json()["ticket_id"]

    server.restart()

    # a ticket opened before the restart is still in the queue
    with staff(server, "agent1") as agent:
        assert queue(agent)[t1]["status"] == "pending"

    # the whole loop after the restart, with a fresh sign-in
    s2 = after.chat("验收不合格的话采购单位会告知整改内容吗？")["session_id"]
    reply = after.chat("我要转人工", s2)
    assert reply["handoff"]["status"] == "pending"
    t2 = reply["handoff"]["ticket_id"]
    with staff(server, "agent1") as agent:
        listed = queue(agent)
        assert {t1, t2} <= set(listed)
        for tid, text in ((t1, "合同签订后5个工作日内在线办理备案，不再报送纸质合同副本。"),
                          (t2, "验收不合格的，采购单位应当一次性书面告知需要整改的内容。")):
            assert agent.post(f"/api/agent/tickets/{tid}/claim").status_code == 200
            r = agent.post(f"/api/agent/tickets/{tid}/reply", json={"text": text})
            assert r.status_code == 200, r.text
        for u, sid, text in ((before, s1, "合同签订后5个工作日内"), (after, s2, "一次性书面告知")):
            agent_msgs = [m for m in u.messages(sid)["messages"] if m["role"] == "agent"]
            assert len(agent_msgs) == 1 and text in agent_msgs[0]["text"]

        # writing again after the agent answered reopens the ticket
        assert ticket_status(agent, t2) == "answered"
        more = after.chat("那验收要多长时间？", s2)
        assert more["kind"] == "handoff" and more["handoff"] == {"ticket_id": t2, "status": "pending", "reason": "user_request"}
        assert ticket_status(agent, t2) == "pending"
        assert after.messages(s2)["ticket"]["status"] == "pending"
        assert queue(agent)[t2]["claimed_by"] is None
        # a thank-you does not reopen the other one
        assert before.chat("谢谢", s1)["kind"] == "smalltalk"
        assert ticket_status(agent, t1) == "answered"


# -- FAQ ---------------------------------------------------------------------------------------
def test_a_promoted_and_published_answer_is_given_to_the_next_asker(server, new_user):
    asker = new_user()
    question = "电子卖场入驻要收费吗？"
    reworded = ["入驻电子卖场要收费吗？", "电子卖场入驻需要交费吗？"]  # another word order; a synonym (收费 → 交费)
    answer = "电子卖场入驻和交易都不收取任何费用，在交易平台提交入驻申请，审核通过后就能上架商品。"

    sid = asker.chat(question)["session_id"]
    ticket_id = asker.post("/api/handoff", json={"session_id": sid}).json()["ticket_id"]
    with staff(server, "agent1") as agent, staff(server, "admin1") as admin:
        assert agent.post(f"/api/agent/tickets/{ticket_id}/reply", json={"text": answer}).status_code == 200
        r = agent.post(f"/api/agent/tickets/{ticket_id}/promote", json={})
        assert r.status_code == 200, r.text
        faq = r.json()["faq"]
        assert faq["status"] == "draft" and faq["question"] == question and faq["answer"] == answer
        assert faq["source_ticket"] == ticket_id

        # a draft is not used yet
        assert new_user().chat(reworded[0])["kind"] != "faq"
        assert faq["id"] in {e["id"] for e in admin.get("/api/admin/faq", params={"status": "draft"}).json()["faq"]}

        r = admin.post(f"/api/admin/faq/{faq['id']}", json={"status": "published"})
        assert r.status_code == 200, r.text
        assert r.json()["faq"]["status"] == "published" and r.json()["faq"]["reviewed_by"] == "admin1"

    for text in reworded:
        reply = new_user().chat(text)
        assert reply["kind"] == "faq", (text, reply)
        assert reply["answer"] == answer
        assert reply["handoff"] is None
    for unrelated in ("中标通知书发出后多久要签合同？", "电子卖场是做什么的？"):
        reply = new_user().chat(unrelated)
        assert reply["kind"] != "faq", (unrelated, reply)
        assert reply["answer"] != answer


# -- auth --------------------------------------------------------------------------------------
AGENT_ENDPOINTS = [
    ("GET", "/api/agent/tickets", None),
    ("GET", "/api/agent/tickets/T20240101-0001", None),
    ("POST", "/api/agent/tickets/T20240101-0001/claim", None),
    ("POST", "/api/agent/tickets/T20240101-0001/reply", {"text": "您好"}),
    ("POST", "/api/agent/tickets/T20240101-0001/close", None),
    ("POST", "/api/agent/tickets/T20240101-0001/promote", {}),
    ("GET", "/api/agent/search?q=保证金", None),
]
ADMIN_ENDPOINTS = [
    ("GET", "/api/admin/faq", None),
    ("POST", "/api/admin/faq/faq_0000000000", {"status": "published"}),
    ("GET", "/api/admin/documents", None),
]


@pytest.mark.parametrize("method,path,body", AGENT_ENDPOINTS + ADMIN_ENDPOINTS,
                         ids=[f"{m} {p.split('?')[0]}" for m, p, _ in AGENT_ENDPOINTS + ADMIN_ENDPOINTS])
@pytest.mark.parametrize("token", [None, "not-a-real-token"], ids=["no-token", "bad-token"])
def test_staff_endpoints_need_a_valid_token(server, method, path, body, token):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = httpx.request(method, server.url + path, json=body, headers=headers, timeout=30)
    assert_error(r, 401, "unauthorized")
    assert r.headers.get("www-authenticate") == "Bearer"


def test_an_operator_may_search_but_not_handle_tickets(server, user):
    sid = user.chat("投标还要交保证金吗？")["session_id"]
    ticket_id = user.post("/api/handoff", json={"session_id": sid}).json()["ticket_id"]
    with staff(server, "operator1") as op:
        r = op.get("/api/agent/search", params={"q": "投标保证金", "k": 3})
        assert r.status_code == 200, r.text
        results = r.json()["results"]
        assert 0 < len(results) <= 3 and all(x["source"] and x["text"] and x["name"] for x in results)
        for method, path, body in AGENT_ENDPOINTS[:-1]:
            r = op.request(method, path.replace("T20240101-0001", ticket_id), json=body)
            assert_error(r, 403, "forbidden")
    with staff(server, "agent1") as agent:
        assert ticket_status(agent, ticket_id) == "pending"  # nothing the operator tried took effect


def test_admin_endpoints_are_forbidden_to_an_agent(server):
    with staff(server, "agent1") as agent, staff(server, "admin1") as admin:
        for method, path, body in ADMIN_ENDPOINTS:
            assert_error(agent.request(method, path, json=body), 403, "forbidden")
        assert admin.get("/api/admin/faq").status_code == 200
        docs = admin.get("/api/admin/documents").json()["documents"]
        assert {d["source"] for d in docs} == {NOTICE, SUPPLIER_FAQ, SME_GUIDE}


def test_a_wrong_password_is_refused_in_chinese(server):
    for username, password in (("agent1", "wrong-password"), ("nobody", "agent-pass-1")):
        r = httpx.post(f"{server.url}/api/agent/login", json={"username": username, "password": password}, timeout=30)
        err = assert_error(r, 401, "unauthorized")
        assert err["message"] == "用户名或密码不正确。"
    r = httpx.post(f"{server.url}/api/agent/login", json={"username": "agent1", "password": "agent-pass-1"}, timeout=30)
    assert r.status_code == 200 and r.json()["role"] == "agent" and r.json()["token"]


# -- errors: one shape -------------------------------------------------------------------------
def test_404_unknown_session_ticket_message_and_path(server, user):
    assert_error(user.post("/api/chat", json={"message": "中标后多久签合同？", "session_id": "s_does_not_exist"}), 404, "not_found")
    assert_error(user.get("/api/sessions/s_does_not_exist/messages"), 404, "not_found")
    assert_error(user.get("/api/sessions/s_does_not_exist/events"), 404, "not_found")
    assert_error(user.post("/api/handoff", json={"session_id": "s_does_not_exist"}), 404, "not_found")
    assert_error(user.post("/api/feedback", json={"message_id": "m_does_not_exist", "helpful": False}), 404, "not_found")
    with staff(server, "agent1") as agent:
        for method, path, body in AGENT_ENDPOINTS[1:-1]:
            err = assert_error(agent.request(method, path.replace("T20240101-0001", "T19990101-9999"), json=body), 404, "not_found")
            assert "T19990101-9999" in err["message"]
    with staff(server, "admin1") as admin:
        assert_error(admin.post("/api/admin/faq/faq_does_not_exist", json={"status": "published"}), 404, "not_found")
    assert_error(user.get("/api/no-such-endpoint"), 404, "not_found")
    assert_error(user.delete("/api/chat"), 405)


def test_409_claiming_a_ticket_another_agent_holds(server, user):
    sid = user.chat("采购单位收到发票后多久要付款？")["session_id"]
    ticket_id = user.post("/api/handoff", json={"session_id": sid}).json()["ticket_id"]
    with staff(server, "admin1") as first, staff(server, "agent1") as second:
        assert first.post(f"/api/agent/tickets/{ticket_id}/claim").status_code == 200
        err = assert_error(second.post(f"/api/agent/tickets/{ticket_id}/claim"), 409, "conflict")
        assert "admin1" in err["message"]
        assert_error(second.post(f"/api/agent/tickets/{ticket_id}/reply", json={"text": "您好"}), 409, "conflict")
        assert ticket_status(second, ticket_id) == "claimed"
        # claiming one's own ticket again is harmless
        assert first.post(f"/api/agent/tickets/{ticket_id}/claim").status_code == 200
        assert first.post(f"/api/agent/tickets/{ticket_id}/close").status_code == 200
        assert_error(second.post(f"/api/agent/tickets/{ticket_id}/claim"), 409, "conflict")


def test_413_message_over_the_limit(user):
    err = assert_error(user.post("/api/chat", json={"message": "中" * 2001}), 413, "too_large")
    assert "2000" in err["message"]
    assert user.post("/api/chat", json={"message": "中标后多久签合同？" + "。" * 1991}).status_code == 200  # 2,000 is fine


def test_413_body_over_64_kb(user):
    r = user.post("/api/chat", json={"message": "a" * (70 * 1024)})
    err = assert_error(r, 413, "too_large")
    assert "64 KB" in err["message"]
    body = b'{"message": "' + b"a" * (65 * 1024) + b'"}'
    assert_error(user.post("/api/feedback", content=body, headers={"content-type": "application/json"}), 413, "too_large")


def test_413_body_over_64_kb_sent_in_chunks(user):
    def chunks():
        yield b'{"message": "'
        for _ in range(70):
            yield b"a" * 1024
        yield b'"}'

    assert_error(user.post("/api/chat", content=chunks(), headers={"content-type": "application/json"}), 413, "too_large")


@pytest.mark.parametrize("path,content", [
    ("/api/chat", '{"message": "中标后多久签合同'),  # malformed JSON
    ("/api/chat", "message=hello"),  # not JSON at all
    ("/api/chat", "{}"),  # missing message
    ("/api/chat", '{"session_id": "s_x"}'),  # missing message
    ("/api/chat", '{"message": 123}'),  # wrong type
    ("/api/chat", '{"message": ["中标后多久签合同？"]}'),  # wrong type
    ("/api/chat", '{"message": "中标后多久签合同？", "session_id": 42}'),  # wrong type
    ("/api/chat", '["message"]'),  # not an object
    ("/api/chat", '{"message": "   "}'),  # empty
    ("/api/feedback", '{"message_id": "m_x", "helpful": "maybe"}'),  # wrong type
    ("/api/feedback", '{"helpful": false}'),  # missing message_id
    ("/api/handoff", '{"session_id": null}'),  # wrong type
    ("/api/agent/login", '{"username": "agent1"}'),  # missing password
], ids=["malformed-json", "not-json", "empty-object", "missing-message", "message-int", "message-list", "session-int",
        "not-an-object", "blank-message", "helpful-str", "missing-message-id", "session-null", "missing-password"])
def test_422_bad_request_bodies(user, path, content):
    assert_error(user.post(path, content=content.encode("utf-8"), headers={"content-type": "application/json"}), 422, "invalid_input")


def test_422_bad_query_parameters(server):
    with staff(server, "agent1") as agent:
        assert_error(agent.get("/api/agent/search", params={"q": ""}), 422, "invalid_input")
        assert_error(agent.get("/api/agent/search", params={"q": "保证金", "k": "many"}), 422, "invalid_input")
    with staff(server, "admin1") as admin:
        assert_error(admin.post("/api/admin/faq/faq_x", json={"status": "live"}), 422, "invalid_input")
    assert_error(httpx.get(f"{server.url}/api/sessions/s_x/messages", params={"after": -1}, timeout=30), 422, "invalid_input")


def test_429_rate_limit_with_retry_after_and_staff_exempt(data_dir):
    limited = Server(data_dir, env={"CHUNFENG_RATE_LIMIT_PER_MINUTE": "3"}).start()
    try:
        with httpx.Client(base_url=limited.url, timeout=60) as http:
            sid = None
            for _ in range(3):
                r = http.post("/api/chat", json={"message": "中标后多久签合同？", **({"session_id": sid} if sid else {})})
                assert r.status_code == 200, r.text
                sid = r.json()["session_id"]
            r = http.post("/api/chat", json={"message": "中标后多久签合同？", "session_id": sid})
            err = assert_error(r, 429, "rate_limited")
            assert "3" in err["message"]
            retry = int(r.headers["retry-after"])
            assert 1 <= retry <= 61
            # the other public endpoints share the caller's budget
            assert_error(http.post("/api/handoff", json={"session_id": sid}), 429, "rate_limited")
            # a signed-in agent is not throttled, from the same address
            agent = limited.login("agent1")
            for _ in range(5):
                r = http.post("/api/chat", json={"message": "中标后多久签合同？"}, headers=agent)
                assert r.status_code == 200, r.text
            # …and an anonymous caller still is
            assert_error(http.post("/api/chat", json={"message": "中标后多久签合同？"}), 429, "rate_limited")
            # claiming another identity does not buy a fresh budget: a user id from the body, or an
            # X-Forwarded-For header the server was not told to trust
            assert_error(http.post("/api/chat", json={"message": "你好", "user_id": "someone-else"}), 429, "rate_limited")
            assert_error(http.post("/api/chat", json={"message": "你好"}, headers={"X-Forwarded-For": "203.0.113.9"}),
                         429, "rate_limited")
    finally:
        limited.stop()


# -- when a person takes over on their own ------------------------------------------------------
def test_negative_feedback_opens_a_ticket(server, user):
    liked = user.chat("投标还要交保证金吗？")
    r = user.post("/api/feedback", json={"message_id": liked["message_id"], "helpful": True})
    assert r.status_code == 200 and r.json() == {"ok": True, "handoff": None}

    reply = user.chat("验收要多长时间？")
    r = user.post("/api/feedback", json={"message_id": reply["message_id"], "helpful": False, "comment": "没有说大型项目"})
    assert r.status_code == 200, r.text
    handoff = r.json()["handoff"]
    assert handoff["status"] == "pending" and handoff["reason"] == "negative_feedback"
    listing = user.messages(reply["session_id"])
    assert listing["ticket"]["ticket_id"] == handoff["ticket_id"]
    assert listing["messages"][-1]["role"] == "system" and handoff["ticket_id"] in listing["messages"][-1]["text"]
    with staff(server, "agent1") as agent:
        t = queue(agent)[handoff["ticket_id"]]
        assert t["reason"] == "negative_feedback" and t["question"] == "验收要多长时间？"


def test_a_dispute_about_a_project_goes_to_a_person_with_the_time_limits(server, user):
    reply = user.chat("我们投的春风市第一医院设备采购项目评分不公平，我要投诉")
    assert reply["kind"] == "handoff" and reply["reason"] == "dispute"
    assert reply["handoff"]["status"] == "pending" and reply["handoff"]["reason"] == "dispute"
    answer = reply["answer"]
    assert "质疑" in answer and "投诉" in answer
    assert re.search(r"时限|期限", answer), answer
    assert reply["handoff"]["ticket_id"] in answer
    with staff(server, "agent1") as agent:
        assert queue(agent)[reply["handoff"]["ticket_id"]]["reason"] == "dispute"
    # asking about the rules is not a dispute
    rules = user.chat("对采购结果不满意，怎么提出质疑？")
    assert rules["reason"] != "dispute"
