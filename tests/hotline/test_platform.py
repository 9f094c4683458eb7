"""Acceptance of issue #6 over HTTP against a real server (`chunfeng serve` on 127.0.0.1) and a fake
city 12345 platform: idempotent work orders, signed webhooks retried until delivered once, signed
and idempotent platform events in any order, one answer to the user and one FAQ draft, and the
import of historical records."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from tests.fixtures.fake_12345 import Fake12345, signature, signed_event
from tests.hotline.conftest import SECRET, Server, copy_kb

CONTENT = "中标通知书发出后多久要签订政府采购合同？"


def _key() -> str:
    return "call-" + uuid.uuid4().hex[:12]


@pytest.fixture(scope="module")
def fake_platform():
    with Fake12345(SECRET) as fake:
        yield fake


@pytest.fixture(scope="module")
def platform(pristine_kb, tmp_path_factory, fake_platform):
    """A server talking to the fake platform: webhooks out, signed events in."""
    data = copy_kb(pristine_kb, tmp_path_factory.mktemp("platform") / "data")
    srv = Server(data, env={"CHUNFENG_HOTLINE_WEBHOOK_URL": fake_platform.url, "CHUNFENG_HOTLINE_SECRET": SECRET,
                            "CHUNFENG_HOTLINE_RETRY_SECONDS": "0.2", "CHUNFENG_RATE_LIMIT_PER_MINUTE": "0"}).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def operator(platform):
    return platform.login("operator1")


def create(platform, headers, key, **payload) -> httpx.Response:
    body = {"content": CONTENT, "channel": "电话", "request_type": "咨询",
            "caller": {"name": "张三", "phone": "13812345678"}, **payload}
    return httpx.post(f"{platform.url}/api/hotline/workorders", json=body, headers={**headers, "Idempotency-Key": key}, timeout=30)


def send_event(platform, payload, secret=SECRET, timestamp=None) -> httpx.Response:
    headers, body = signed_event(secret, payload, timestamp=timestamp)
    return httpx.post(f"{platform.url}/api/hotline/events", content=body, headers=headers, timeout=30)


def order_of(platform, headers, ticket_no) -> dict:
    r = httpx.get(f"{platform.url}/api/hotline/workorders/{ticket_no}", headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["workorder"]


def faq_drafts_for(platform, ticket_no) -> list[dict]:
    r = httpx.get(f"{platform.url}/api/admin/faq", headers=platform.login("admin1"), timeout=10)
    assert r.status_code == 200, r.text
    return [e for e in r.json()["faq"] if e["source_ticket"] == ticket_no]


# -- work orders ------------------------------------------------------------------------------------
def test_workorder_needs_a_signed_in_operator(platform):
    r = httpx.post(f"{platform.url}/api/hotline/workorders", json={"content": CONTENT}, headers={"Idempotency-Key": _key()}, timeout=10)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"
    assert "登录" in r.json()["error"]["message"]


def test_same_idempotency_key_gives_the_same_ticket_no(platform, operator):
    key = _key()
    first = create(platform, operator, key)
    assert first.status_code == 200, first.text
    again = create(platform, operator, key, content="另一段内容，不应产生第二张工单")
    assert again.status_code == 200, again.text
    assert first.json()["ticket_no"] == again.json()["ticket_no"]
    assert first.json()["created"] is True and again.json()["created"] is False
    assert first.json()["ticket_no"].startswith("GD")
    order = order_of(platform, operator, first.json()["ticket_no"])
    assert order["content"] == CONTENT and order["caller"]["phone"] == "138****5678"


def test_missing_idempotency_key_is_422_and_names_the_header(platform, operator):
    r = httpx.post(f"{platform.url}/api/hotline/workorders", json={"content": CONTENT}, headers=operator, timeout=10)
    assert r.status_code == 422
    assert "Idempotency-Key" in r.json()["error"]["message"]


# -- webhooks out -----------------------------------------------------------------------------------
def test_signed_webhook_is_retried_after_two_500s_and_delivered_exactly_once(pristine_kb, tmp_path):
    with Fake12345(SECRET) as fake:
        srv = Server(copy_kb(pristine_kb, tmp_path / "data"), env={
            "CHUNFENG_HOTLINE_WEBHOOK_URL": fake.url, "CHUNFENG_HOTLINE_SECRET": SECRET,
            "CHUNFENG_HOTLINE_RETRY_SECONDS": "0.2", "CHUNFENG_RATE_LIMIT_PER_MINUTE": "0"}).start()
        try:
            fake.fail_next(2)
            r = create(srv, srv.login("operator1"), _key())
            assert r.status_code == 200, r.text
            ticket_no = r.json()["ticket_no"]
            [delivery] = fake.wait_for(1, timeout=20)
            time.sleep(1.5)  # room for a wrong extra send at the retry interval
            attempts = fake.attempts()
            assert [a.verdict for a in attempts] == ["injected_500", "injected_500", "accepted"], attempts
            assert {a.delivery for a in attempts} == {delivery.delivery}  # the same delivery id, retried
            assert len(fake.deliveries) == 1
            # what the platform checked, again by hand: the signature covers timestamp + "." + body
            ts = delivery.headers["x-chunfeng-timestamp"]
            assert delivery.headers["x-chunfeng-signature"] == signature(SECRET, ts, delivery.body)
            assert delivery.headers["x-chunfeng-event"] == "workorder.created"
            assert delivery.payload["event"] == "workorder.created"
            assert delivery.payload["workorder"]["ticket_no"] == ticket_no
            assert delivery.payload["delivery_id"] == delivery.delivery
        finally:
            srv.stop()


def test_the_fake_platform_checks_signatures_and_drops_repeated_deliveries():
    with Fake12345(SECRET) as fake:
        body = b'{"event": "workorder.created"}'
        ts = str(int(time.time()))

        def post(sig, delivery="7", stamp=ts):
            return httpx.post(fake.url, content=body, timeout=5, headers={
                "X-Chunfeng-Timestamp": stamp, "X-Chunfeng-Signature": sig, "X-Chunfeng-Delivery": delivery})

        assert post(signature("wrong", ts, body)).status_code == 401
        old = str(int(time.time()) - 3600)
        assert post(signature(SECRET, old, body), stamp=old).status_code == 401
        assert post(signature(SECRET, ts, body)).status_code == 200
        assert post(signature(SECRET, ts, body)).status_code == 200
        fake.fail_next(1)
        assert post(signature(SECRET, ts, body), delivery="8").status_code == 500
        assert [r.verdict for r in fake.requests] == ["bad_signature", "stale", "accepted", "duplicate", "injected_500"]
        assert len(fake.deliveries) == 1


# -- events in --------------------------------------------------------------------------------------
def test_forged_or_stale_signature_is_401_and_changes_nothing(platform, operator):
    ticket_no = create(platform, operator, _key()).json()["ticket_no"]
    event = {"event_id": "ev-" + uuid.uuid4().hex, "type": "closed", "ticket_no": ticket_no,
             "data": {"answer": "伪造的答复", "handling_unit": "伪造单位"}}
    forged = send_event(platform, event, secret="not-the-secret")
    assert forged.status_code == 401
    assert "签名" in forged.json()["error"]["message"]
    stale = send_event(platform, event, timestamp=int(time.time()) - 3600)
    assert stale.status_code == 401
    assert "过期" in stale.json()["error"]["message"]
    unsigned = httpx.post(f"{platform.url}/api/hotline/events", json=event, timeout=10)
    assert unsigned.status_code == 401
    order = order_of(platform, operator, ticket_no)
    assert (order["status"], order["answer"], order["handling_unit"]) == ("created", "", "")
    assert faq_drafts_for(platform, ticket_no) == []
    # the forged attempts were not recorded: the genuine event with that id is new
    genuine = send_event(platform, {**event, "data": {"answer": "合同应在中标通知书发出之日起三十日内签订。"}})
    assert genuine.status_code == 200 and genuine.json()["duplicate"] is False


def _web_handoff(platform) -> tuple[str, str]:
    """A web user who asked for a person: (session_id, ticket_id)."""
    r = httpx.post(f"{platform.url}/api/chat", json={"message": CONTENT}, timeout=30)
    assert r.status_code == 200, r.text
    session_id = r.json()["session_id"]
    r = httpx.post(f"{platform.url}/api/chat", json={"message": "我要转人工", "session_id": session_id}, timeout=30)
    assert r.status_code == 200, r.text
    ticket = r.json()["handoff"] or {}
    assert ticket.get("ticket_id"), r.json()
    return session_id, ticket["ticket_id"]


def _agent_messages(platform, session_id) -> list[dict]:
    r = httpx.get(f"{platform.url}/api/sessions/{session_id}/messages", timeout=10)
    assert r.status_code == 200, r.text
    return [m for m in r.json()["messages"] if m["role"] == "agent"]


def test_duplicate_and_out_of_order_events_end_consistent_with_one_answer_and_one_faq_draft(platform, operator):
    session_id, ticket_id = _web_handoff(platform)
    ticket_no = create(platform, operator, _key(), channel="网站", ticket_id=ticket_id).json()["ticket_no"]
    answer = "根据春风市规定，采购单位应当在中标通知书发出后4个工作日内签订合同。"
    unit = "春风市财政局政府采购科"
    callback = {"event_id": "ev-cb-" + ticket_no, "type": "callback", "ticket_no": ticket_no, "data": {"satisfaction": "满意"}}
    closed = {"event_id": "ev-close-" + ticket_no, "type": "closed", "ticket_no": ticket_no,
              "data": {"answer": answer, "handling_unit": unit}}
    dispatched = {"event_id": "ev-disp-" + ticket_no, "type": "dispatched", "ticket_no": ticket_no, "data": {"handling_unit": unit}}

    # the call-back arrives first, then closed, then closed again, then closed re-sent under a new id,
    # and the dispatch last of all
    r = send_event(platform, callback)
    assert r.status_code == 200 and r.json()["duplicate"] is False, r.text
    r = send_event(platform, closed)
    assert r.status_code == 200 and r.json()["duplicate"] is False, r.text
    r = send_event(platform, closed)
    assert r.status_code == 200 and r.json()["duplicate"] is True, r.text
    r = send_event(platform, {**closed, "event_id": "ev-close-again-" + ticket_no})
    assert r.status_code == 200, r.text
    r = send_event(platform, dispatched)
    assert r.status_code == 200, r.text
    r = send_event(platform, callback)
    assert r.status_code == 200 and r.json()["duplicate"] is True

    order = order_of(platform, operator, ticket_no)
    assert order["status"] == "callback"  # the latest state reached, never moved back by the late dispatch
    assert order["answer"] == answer and order["handling_unit"] == unit and order["satisfaction"] == "满意"
    assert order["answered_to_user"] is True

    agent = _agent_messages(platform, session_id)
    assert len(agent) == 1, agent
    assert answer in agent[0]["text"] and ticket_no in agent[0]["text"]
    drafts = faq_drafts_for(platform, ticket_no)
    assert len(drafts) == 1, drafts
    assert drafts[0]["answer"] == answer and drafts[0]["status"] == "draft" and drafts[0]["created_by"] == "12345"


def test_closed_before_dispatched_keeps_the_unit_and_answer(platform, operator):
    ticket_no = create(platform, operator, _key()).json()["ticket_no"]
    unit = "春风市财政局"
    r = send_event(platform, {"event_id": "c-" + ticket_no, "type": "closed", "ticket_no": ticket_no,
                              "data": {"answer": "已电话答复来电人。", "handling_unit": unit}})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    r = send_event(platform, {"event_id": "d-" + ticket_no, "type": "dispatched", "ticket_no": ticket_no,
                              "data": {"handling_unit": unit}})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    order = order_of(platform, operator, ticket_no)
    assert (order["status"], order["answer"], order["handling_unit"]) == ("closed", "已电话答复来电人。", unit)
    assert len(faq_drafts_for(platform, ticket_no)) == 1


def test_closed_event_for_a_ticket_an_agent_has_claimed_still_reaches_the_user(platform, operator):
    session_id, ticket_id = _web_handoff(platform)
    agent1 = platform.login("agent1")
    r = httpx.post(f"{platform.url}/api/agent/tickets/{ticket_id}/claim", headers=agent1, timeout=10)
    assert r.status_code == 200, r.text
    ticket_no = create(platform, agent1, _key(), channel="网站", ticket_id=ticket_id).json()["ticket_no"]
    closed = {"event_id": "claimed-" + ticket_no, "type": "closed", "ticket_no": ticket_no,
              "data": {"answer": "合同应在4个工作日内签订。", "handling_unit": "春风市财政局"}}
    first = send_event(platform, closed)
    retry = send_event(platform, closed)
    assert first.status_code == 200 or retry.status_code == 200, (first.text, retry.text)
    assert len(_agent_messages(platform, session_id)) == 1
    assert len(faq_drafts_for(platform, ticket_no)) == 1


# -- import of historical records -----------------------------------------------------------------
IMPORT_CSV = """诉求内容,答复内容,分类,受理时间
中标通知书发出后多久签合同？,采购单位应当在中标通知书发出后4个工作日内签订合同。,合同与履约,2024-03-05 09:30
中标通知书发出后，多久签合同,4个工作日内。,,2024/3/6
采购人可以要求中标供应商交履约保证金吗？,本市政府采购活动不收取履约保证金。,,2024年3月7日
采购人能否要求中标供应商缴纳履约保证金？,不收取。,,2024-03-08
政府采购合同的预付款比例是多少,原则上不低于合同金额的30%。,资金支付,2024-03-09
,只有答复没有问题,,2024-03-10
只有问题没有答复,,,2024-03-11
供应商质疑的期限是多久,七个工作日。,,下周一
"""


def _upload(platform, headers, data: bytes, name="12345记录.csv", **params) -> httpx.Response:
    return httpx.post(f"{platform.url}/api/hotline/import", headers=headers, params=params,
                      files={"file": (name, data, "text/csv")}, timeout=60)


def test_import_reports_duplicates_near_duplicates_and_skips(platform):
    admin = platform.login("admin1")
    r = _upload(platform, admin, IMPORT_CSV.encode("gb18030"))
    assert r.status_code == 200, r.text
    body = r.json()
    rows = {row["row"]: row for row in body["rows"]}
    assert body["summary"]["encoding"] == "gb18030" and body["summary"]["format"] == "csv"
    assert body["summary"]["columns"]["日期"] == "受理时间"
    assert [rows[n]["status"] for n in range(2, 10)] == [
        "imported", "duplicate", "imported", "near_duplicate", "imported", "skipped", "skipped", "skipped"]
    assert rows[3]["duplicate_of"]["row"] == 2
    assert rows[5]["resembles"]["row"] == 4 and rows[5]["resembles"]["score"] >= 0.72
    assert "诉求内容为空" in rows[7]["reason"] and "答复内容为空" in rows[8]["reason"]
    assert "下周一" in rows[9]["reason"] and "YYYY-MM-DD" in rows[9]["reason"]
    assert rows[2]["date"] == "2024-03-05" and rows[4]["date"] == "2024-03-07"
    assert body["summary"]["imported"] == 3 and body["summary"]["duplicate"] == 1
    assert body["summary"]["near_duplicate"] == 1 and body["summary"]["skipped"] == 3

    # the drafts wait for review, by "12345导入"; a second import of the same file adds nothing
    r = httpx.get(f"{platform.url}/api/admin/faq", headers=admin, timeout=10)
    imported = [e for e in r.json()["faq"] if e["created_by"] == "12345导入"]
    assert len(imported) == 3 and {e["status"] for e in imported} == {"draft"}
    again = _upload(platform, admin, IMPORT_CSV.encode("utf-8-sig")).json()
    assert again["summary"]["imported"] == 0
    assert {row["status"] for row in again["rows"] if row["row"] in (2, 4, 6)} == {"duplicate"}
    assert again["rows"][0]["duplicate_of"]["faq_id"].startswith("faq_")


def test_import_is_for_admins_only_and_needs_a_file(platform):
    data = IMPORT_CSV.encode("utf-8")
    assert _upload(platform, {}, data).status_code == 401
    denied = _upload(platform, platform.login("operator1"), data)
    assert denied.status_code == 403 and "需要管理员账号" in denied.json()["error"]["message"]
    admin = platform.login("admin1")
    r = httpx.post(f"{platform.url}/api/hotline/import", headers=admin, files={"other": ("a.csv", data)}, timeout=10)
    assert r.status_code == 422 and "file" in r.json()["error"]["message"]
    r = _upload(platform, admin, "标题,正文\n一,二\n".encode("utf-8"))
    assert r.status_code == 422 and "诉求内容" in r.json()["error"]["message"]


def test_the_import_page_previews_then_imports_and_says_what_to_fix(platform):
    admin, page = platform.login("admin1"), f"{platform.url}/hotline/import"
    form = httpx.get(page, headers=admin, timeout=10)
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text and 'name="dry_run"' in form.text

    def post(data: dict, files: dict | None) -> httpx.Response:
        return httpx.post(page, headers=admin, data=data, files=files, timeout=60)

    def drafts() -> int:
        r = httpx.get(f"{platform.url}/api/admin/faq", headers=admin, timeout=10)
        return sum(1 for e in r.json()["faq"] if e["created_by"] == "12345导入")

    rows = ("诉求内容,答复内容,受理时间\n"  # questions no other test imports (the server is shared)
            "政府采购的质疑应该向谁提出？,向采购人或者采购代理机构提出。,2024-04-01\n"
            "政府采购的质疑应该向谁提出,向采购人提出。,2024-04-02\n"
            "投诉处理决定不服可以复议吗？,可以依法申请行政复议或者提起行政诉讼。,2024-04-03\n"
            "对投诉处理决定不服能不能申请复议？,可以。,2024-04-04\n"
            "采购文件的发售期限是多少,不得少于5个工作日。,下周一\n")
    csv = {"file": ("历史工单.csv", rows.encode("gb18030"), "text/csv")}
    before = drafts()
    preview = post({"dry_run": "1"}, csv)
    assert preview.status_code == 200 and "预检结果（未写入）" in preview.text and "历史工单.csv" in preview.text
    for shown in ("可导入 2 行", "重复 1 行", "近似重复 1 行", "已跳过 1 行", "与第 2 行相同", "与第 4 行相似", "日期“下周一”无法识别"):
        assert shown in preview.text, shown
    assert drafts() == before  # a preview writes nothing

    done = post({}, csv)
    assert done.status_code == 200 and "已创建 2 条常见问题草稿" in done.text and drafts() == before + 2

    wrong = post({}, {"file": ("别的表.csv", "标题,正文\n一,二\n".encode("utf-8"), "text/csv")})
    assert wrong.status_code == 422 and "诉求内容" in wrong.text and 'name="file"' in wrong.text  # the form again
    empty = post({"dry_run": "1"}, {"other": ("a.csv", b"x", "text/csv")})
    assert empty.status_code == 422 and "缺少上传文件" in empty.text

    denied = httpx.get(page, headers=platform.login("operator1"), timeout=10)
    assert denied.status_code == 403 and "operator1（热线话务员）" in denied.text and "需要管理员账号" in denied.text
