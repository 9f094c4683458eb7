"""Self-tests of the loopback WeChat fixtures: the fake API server and the push simulator."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
import requests
import xmltodict
from wechatpy import WeChatClient, parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.events import EVENT_TYPES
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.messages import MESSAGE_TYPES
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

from tests.fixtures import wechat_push as wp
from tests.fixtures.fake_wechat import APPID, SECRET, Call, FakeWeChat

CS = "/cgi-bin/message/custom/send"
SUB = "/cgi-bin/message/subscribe/send"


@pytest.fixture
def fake():
    with FakeWeChat() as f:
        yield f


class Api:
    """Tiny raw client so the fake is tested without any adapter code."""

    def __init__(self, fake: FakeWeChat):
        self.fake, self.http = fake, requests.Session()

    def get(self, path, **params):
        return self.http.get(self.fake.base + path, params=params, timeout=5).json()

    def post(self, path, body, token=None, timeout=5, **params):
        if token is not None:
            params["access_token"] = token
        return self.http.post(self.fake.base + path, params=params, timeout=timeout,
                              data=json.dumps(body, ensure_ascii=False).encode()).json()

    def token(self, appid=APPID, secret=SECRET):
        return self.get("/cgi-bin/token", grant_type="client_credential", appid=appid, secret=secret)

    def stable(self, force=False, appid=APPID, secret=SECRET):
        return self.post("/cgi-bin/stable_token", {"grant_type": "client_credential", "appid": appid,
                                                   "secret": secret, "force_refresh": force})

    def send_text(self, token, openid, content="您好", **kw):
        return self.post(CS, {"touser": openid, "msgtype": "text", "text": {"content": content}}, token, **kw)


@pytest.fixture
def api(fake):
    return Api(fake)


@pytest.fixture
def token(fake):
    return fake.issue_token()


def clock(fake, start=1_700_000_000.0):
    t = [start]
    fake.now = lambda: t[0]
    return t


# ---- tokens --------------------------------------------------------------------------------------
def test_token_endpoint_issues_and_invalidates_previous(fake, api):
    fake.user_message("o1")
    first = api.token()
    assert first["expires_in"] == 7200 and len(first["access_token"]) >= 64
    assert api.send_text(first["access_token"], "o1")["errcode"] == 0
    second = api.token()
    assert second["access_token"] != first["access_token"]
    assert api.send_text(first["access_token"], "o1")["errcode"] == 40001
    assert api.send_text(second["access_token"], "o1")["errcode"] == 0
    assert api.token(appid="wx_other")["errcode"] == 40013
    assert api.token(secret="wrong")["errcode"] == 40125


def test_token_overlap_and_expiry_follow_the_clock(api):
    with FakeWeChat(token_overlap=300) as fake:
        api.fake = fake
        t = clock(fake)
        fake.user_message("o1")
        old = api.token()["access_token"]
        new = api.token()["access_token"]
        assert api.send_text(old, "o1")["errcode"] == 0          # still inside the overlap
        t[0] += 301
        assert api.send_text(old, "o1")["errcode"] == 40001
        assert api.send_text(new, "o1")["errcode"] == 0
        t[0] += 7200
        assert api.send_text(new, "o1")["errcode"] == 42001


def test_missing_or_unknown_token(fake, api):
    fake.user_message("o1")
    assert api.send_text(None, "o1")["errcode"] == 40001
    assert api.send_text("nope", "o1")["errcode"] == 40001


def test_stable_token_is_idempotent_force_refresh_revokes_and_isolated(fake, api):
    t = clock(fake)
    fake.user_message("o1")
    a, b = api.stable(), api.stable()
    assert a["access_token"] == b["access_token"] and a["expires_in"] == 7200
    t[0] += 100
    assert api.stable()["expires_in"] == 7100
    api.token()                                                  # /cgi-bin/token does not touch it
    assert api.send_text(a["access_token"], "o1")["errcode"] == 0
    c = api.stable(force=True)
    assert c["access_token"] != a["access_token"]
    assert api.send_text(a["access_token"], "o1")["errcode"] == 40001
    assert api.send_text(c["access_token"], "o1")["errcode"] == 0
    assert api.stable(secret="x")["errcode"] == 40125
    t[0] += 7200 - 299                                           # renewed in the last 5 minutes
    d = api.stable()
    assert d["access_token"] != c["access_token"] and d["expires_in"] == 7200
    assert api.send_text(c["access_token"], "o1")["errcode"] == 0   # old one lives until expiry
    assert len(fake.calls_to("/cgi-bin/stable_token")) == 6


# ---- customer-service messages -------------------------------------------------------------------
def test_custom_send_window_and_quota(fake, api, token):
    t = clock(fake)
    assert api.send_text(token, "o_stranger")["errcode"] == 40003
    fake.add_user("o1")
    assert api.send_text(token, "o1")["errcode"] == 45015        # known user, no message yet
    fake.user_message("o1")
    assert [api.send_text(token, "o1", f"m{i}")["errcode"] for i in range(6)] == [0, 0, 0, 0, 0, 45047]
    assert fake.window_left("o1") == 0
    fake.user_message("o1")                                      # a new message opens a new window
    assert api.send_text(token, "o1")["errcode"] == 0
    t[0] += 48 * 3600
    assert api.send_text(token, "o1")["errcode"] == 45015
    fake.user_message("o2", at=t[0] - 48 * 3600 - 1)             # a message from long ago
    assert api.send_text(token, "o2")["errcode"] == 45015
    assert [m["text"]["content"] for m in fake.sent_messages("o1")] == ["m0", "m1", "m2", "m3", "m4", "您好"]
    assert fake.sent_messages("o2") == []


def test_custom_send_content_limit_and_types(fake, api, token):
    fake.user_message("o1")
    assert api.send_text(token, "o1", "政" * 683)["errcode"] == 45002        # 2049 bytes
    assert api.send_text(token, "o1", "政" * 682 + "ab")["errcode"] == 0     # 2048 bytes
    link = {"title": "全文", "description": "d", "url": "https://x.invalid/a", "thumb_url": "https://x.invalid/t"}
    page = {"title": "全文", "pagepath": "pages/answer/detail?id=1", "thumb_media_id": "m"}
    assert api.post(CS, {"touser": "o1", "msgtype": "link", "link": link}, token)["errcode"] == 0
    assert api.post(CS, {"touser": "o1", "msgtype": "miniprogrampage", "miniprogrampage": page}, token)["errcode"] == 0
    assert api.post(CS, {"touser": "o1", "msgtype": "video", "video": {}}, token)["errcode"] == 40008
    assert api.post(CS, {"touser": "o1", "msgtype": "text", "text": {}}, token)["errcode"] == 47001
    assert [m["msgtype"] for m in fake.sent_messages()] == ["text", "link", "miniprogrampage"]
    assert fake.window_left("o1") == 2
    with FakeWeChat(quota=20, max_content_bytes=100) as other:
        other.user_message("o1")
        assert Api(other).send_text(other.issue_token(), "o1", "x" * 101)["errcode"] == 45002
        assert other.window_left("o1") == 20


# ---- code2session ----------------------------------------------------------------------------------
def test_jscode2session(fake, api):
    t = clock(fake)
    key = fake.add_code("c1", "o_mini")
    fake.add_code("c2", "o_mini2", session_key="SK==", unionid="u_1")

    def login(code, secret=SECRET):
        return api.get("/sns/jscode2session", appid=APPID, secret=secret, js_code=code,
                       grant_type="authorization_code")

    assert login("c1") == {"errcode": 0, "errmsg": "ok", "openid": "o_mini", "session_key": key}
    assert login("c1")["errcode"] == 40029                       # single use
    assert login("unknown")["errcode"] == 40029
    assert login("c2", secret="bad")["errcode"] == 40125
    assert login("c2")["unionid"] == "u_1"
    fake.add_code("c3", "o3")
    t[0] += 301
    assert login("c3")["errcode"] == 40029                       # expired
    fake.jscode2session_per_minute = 2
    fake.add_code("c4", "o4")
    assert [login("x")["errcode"], login("y")["errcode"], login("c4")["errcode"]] == [40029, 40029, 45011]
    t[0] += 61
    assert login("c4")["openid"] == "o4"


# ---- msgSecCheck ----------------------------------------------------------------------------------
def test_msg_sec_check_v2(fake, api, token):
    fake.add_user("o1")
    fake.risky_words = {"赌博"}
    fake.review_words = {"回扣": 20008}

    def check(content, openid="o1", scene=2):
        return api.post("/wxa/msg_sec_check", {"version": 2, "openid": openid, "scene": scene,
                                               "content": content}, token)

    ok = check("政府采购意向公开时间？")
    assert ok["errcode"] == 0 and ok["result"] == {"suggest": "pass", "label": 100} and ok["trace_id"]
    assert check("网上赌博")["result"] == {"suggest": "risky", "label": 20001}
    review = check("供应商给回扣怎么办")
    assert review["result"] == {"suggest": "review", "label": 20008} and review["detail"][0]["keyword"] == "回扣"
    assert check("hi", openid="o_unknown")["errcode"] == 40003
    assert check("hi", scene=9)["errcode"] == 40129
    assert api.post("/wxa/msg_sec_check", {"content": "网上赌博"}, token)["errcode"] == 87014   # v1


# ---- subscribe messages ---------------------------------------------------------------------------
def test_subscribe_send(fake, api, token):
    def send(data=None, tid="TPL_ANSWERED", openid="o1", **extra):
        body = {"touser": openid, "template_id": tid, "page": "pages/ticket/detail?no=T1",
                "data": data or {"thing1": {"value": "您的问题已答复"}, "character_string2": {"value": "T1"}},
                "miniprogram_state": "trial", "lang": "zh_CN", **extra}
        return api.post(SUB, body, token)["errcode"]

    assert send() == 40037
    fake.add_template("TPL_ANSWERED")
    assert send() == 43101
    fake.accept_template("o1", "TPL_ANSWERED")
    assert send(data={"thing1": {"value": "一" * 21}}) == 47003
    assert send(miniprogram_state="prod") == 47003
    assert send() == 0
    assert send() == 43101                                       # the acceptance was consumed
    fake.accept_template("o1", "TPL_ANSWERED", times=2)
    assert [send(), send(), send()] == [0, 0, 43101]
    fake.accept_template("o2", "TPL_ANSWERED", times=None)
    assert [send(openid="o2") for _ in range(3)] == [0, 0, 0]
    sent = fake.subscribe_sends("o1")
    assert len(sent) == 3 and sent[0]["miniprogram_state"] == "trial" and sent[0]["lang"] == "zh_CN"
    assert sent[0]["page"] == "pages/ticket/detail?no=T1"


# ---- injection and recording ----------------------------------------------------------------------
def test_fail_next_http_status_and_recording(fake, api, token):
    fake.user_message("o1")
    fake.fail_next(CS, 40001)
    fake.fail_next("/cgi-bin/token", -1, times=2)
    assert api.send_text(token, "o1")["errcode"] == 40001
    assert api.send_text(token, "o1")["errcode"] == 0
    assert [api.token()["errcode"] for _ in range(3)] == [-1, -1, 0]
    fake.http_status(CS, 502)
    r = requests.post(fake.base + CS, params={"access_token": token}, data=b"{}", timeout=5)
    assert r.status_code == 502
    assert api.send_text(token, "o1", "again")["errcode"] == 0
    assert len(fake.sent_messages("o1")) == 2
    calls = fake.calls_to(CS)
    assert len(calls) == 4 and all(isinstance(c, Call) for c in calls)
    first = calls[0]
    assert (first.method, first.path, first.query["access_token"]) == ("POST", CS, token)
    assert first.body == {"touser": "o1", "msgtype": "text", "text": {"content": "您好"}}
    assert first.errcode == 40001 and calls[2].status == 502 and calls[2].response is None
    assert fake.calls_to("https://api.weixin.qq.com/cgi-bin/token")[0].query["grant_type"] == "client_credential"
    assert requests.get(fake.base + "/cgi-bin/nope", timeout=5).status_code == 404
    assert api.get(CS)["errcode"] == 43002                       # GET on a POST endpoint
    fake.clear_calls()
    assert fake.calls == []


def test_delay_hangs_past_client_timeout_then_delivers(fake, api, token):
    fake.user_message("o1")
    fake.delay(CS, 0.6)
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        api.send_text(token, "o1", timeout=0.2)
    assert time.monotonic() - started < 0.5
    assert len(fake.calls_to(CS)) == 1 and fake.sent_messages() == []
    assert fake.wait_for(lambda: fake.sent_messages("o1"), timeout=3)     # WeChat still delivered it
    fake.delay(CS, 0)
    assert api.send_text(token, "o1")["errcode"] == 0


def test_stop_does_not_wait_for_hanging_calls():
    fake = FakeWeChat().start()
    fake.delay("/cgi-bin/token", 30)
    with pytest.raises(requests.Timeout):
        Api(fake).http.get(fake.base + "/cgi-bin/token", timeout=0.1)
    started = time.monotonic()
    fake.stop()
    assert time.monotonic() - started < 2


# ---- real clients pointed at the fake --------------------------------------------------------------
def test_wechatpy_client_through_loopback_adapter_refetches_on_40001(fake):
    fake.user_message("o1")
    client = WeChatClient(APPID, SECRET, timeout=5)
    fake.mount(client._http)
    assert client.message.send_text("o1", "您好")["errcode"] == 0
    fake.fail_next(CS, 40001)
    assert client.message.send_text("o1", "再次")["errcode"] == 0      # wechatpy refetches and retries
    assert len(fake.calls_to("/cgi-bin/token")) == 2 and len(fake.calls_to(CS)) == 3
    assert [m["text"]["content"] for m in fake.sent_messages("o1")] == ["您好", "再次"]


def test_httpx_transport(fake, token):
    fake.user_message("o1")
    with httpx.Client(transport=fake.httpx_transport()) as client:
        r = client.post("https://api.weixin.qq.com" + CS, params={"access_token": token},
                        json={"touser": "o1", "msgtype": "text", "text": {"content": "hi"}})
    assert r.json()["errcode"] == 0 and fake.sent_messages("o1")

    async def typing():
        async with httpx.AsyncClient(transport=fake.httpx_transport(asynchronous=True)) as client:
            r = await client.post("https://api.weixin.qq.com/cgi-bin/message/custom/typing",
                                  params={"access_token": token}, json={"touser": "o1", "command": "Typing"})
            return r.json()

    assert asyncio.run(typing())["errcode"] == 0
    assert fake.calls_to("/cgi-bin/message/custom/typing")[0].body["command"] == "Typing"


def test_bizsend_is_recorded_as_a_subscribe_send(fake, api, token):
    fake.add_template("T2")
    fake.accept_template("o_mp", "T2")
    body = {"touser": "o_mp", "template_id": "T2", "data": {"thing1": {"value": "已答复"}}}
    assert api.post("/cgi-bin/message/subscribe/bizsend", body, token)["errcode"] == 0
    assert fake.subscribe_sends() == [body] and fake.acceptances_left("o_mp", "T2") == 0


# ---- push simulator --------------------------------------------------------------------------------
def test_official_signature_vector_and_verify_query():
    assert wp.signature("AAAAA", "1714036504", "1514711492") == "f464b24fc39322e44b38aa78f5edd27bd1441696"
    assert wp.signature("AAAAA", 1714036504, 1514711492) == "f464b24fc39322e44b38aa78f5edd27bd1441696"
    q = wp.verify_query(wp.TOKEN, "echo123")
    check_signature(wp.TOKEN, q["signature"], q["timestamp"], q["nonce"])
    assert q["echostr"] == "echo123"
    q = wp.verify_query("AAAAA", "e", timestamp=1714036504, nonce="1514711492")
    assert q["signature"] == "f464b24fc39322e44b38aa78f5edd27bd1441696"
    with pytest.raises(InvalidSignatureException):
        check_signature(wp.TOKEN, wp.tamper_query(q, "signature")["signature"], q["timestamp"], q["nonce"])


def test_builders_parse_with_wechatpy():
    msg = parse_message(wp.text_xml(wp.GH_ID, "o1", "含有]]>的<内容>&", 1001, create_time=1714036504))
    assert (msg.type, msg.content, msg.id, msg.source, msg.target) == ("text", "含有]]>的<内容>&", 1001, "o1", wp.GH_ID)
    ev = parse_message(wp.event_xml(wp.GH_ID, "o1", "user_enter_tempsession", SessionFrom="conv:42"))
    assert ev.event == "user_enter_tempsession" and ev.session_from == "conv:42"
    assert parse_message(wp.event_xml(wp.GH_ID, "o1", "subscribe")).event == "subscribe"
    voice = parse_message(wp.voice_xml(wp.GH_ID, "o1", "m1", 7, recognition="采购意向"))
    assert (voice.type, voice.recognition, voice.format) == ("voice", "采购意向", "amr")
    assert parse_message(wp.voice_xml(wp.GH_ID, "o1", "m1", 8)).recognition is None
    assert parse_message(wp.image_xml(wp.GH_ID, "o1", "m2", 9)).media_id == "m2"
    j = json.loads(wp.text_json(wp.GH_ID, "o1", "你好", 1002, create_time=5))
    assert j == {"ToUserName": wp.GH_ID, "FromUserName": "o1", "CreateTime": 5, "MsgType": "text",
                 "Content": "你好", "MsgId": 1002}
    e = json.loads(wp.event_json(wp.GH_ID, "o1", "user_enter_tempsession", SessionFrom="wxapp"))
    assert EVENT_TYPES[e["Event"]](e).session_from == "wxapp" and e["MsgType"] == "event"
    assert MESSAGE_TYPES["text"](j).content == "你好"


def test_plain_push():
    body = wp.text_xml(wp.GH_ID, "o1", "hi", 1)
    q, raw = wp.plain_push(wp.TOKEN, body, openid="o1")
    assert raw == body.encode() and q["openid"] == "o1" and set(q) == {"signature", "timestamp", "nonce", "openid"}
    check_signature(wp.TOKEN, q["signature"], q["timestamp"], q["nonce"])
    q, raw = wp.plain_push(wp.TOKEN, json.loads(wp.text_json(wp.GH_ID, "o1", "你好", 2)))
    assert "openid" not in q and json.loads(raw)["Content"] == "你好"


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_safe_push_round_trips_through_wechatpy(fmt):
    aes = wp.new_aes_key()
    assert len(aes) == 43
    build = wp.text_xml if fmt == "xml" else wp.text_json
    plain = build(wp.GH_ID, "o1", "政府采购意向公开多久？", 42)
    q, raw = wp.safe_push(wp.TOKEN, aes, wp.APPID, plain, fmt=fmt, timestamp=1714036504, nonce="77")
    assert q["encrypt_type"] == "aes" and q["timestamp"] == "1714036504" and q["nonce"] == "77"
    check_signature(wp.TOKEN, q["signature"], q["timestamp"], q["nonce"])
    outer = json.loads(raw) if fmt == "json" else dict(xmltodict.parse(raw)["xml"])
    assert set(outer) == {"ToUserName", "Encrypt"} and outer["ToUserName"] == wp.GH_ID
    crypto = WeChatCrypto(wp.TOKEN, aes, wp.APPID)
    envelope = outer if fmt == "json" else raw                   # wechatpy takes XML or a dict
    decrypted = crypto.decrypt_message(envelope, q["msg_signature"], q["timestamp"], q["nonce"])
    assert decrypted == plain
    with pytest.raises(InvalidSignatureException):
        crypto.decrypt_message(wp.tamper(envelope), q["msg_signature"], q["timestamp"], q["nonce"])
    with pytest.raises(InvalidSignatureException):
        crypto.decrypt_message(envelope, wp.tamper_query(q)["msg_signature"], q["timestamp"], q["nonce"])
    q2, raw2 = wp.safe_push(wp.TOKEN, aes, "wx_other_app", plain, fmt=fmt)
    with pytest.raises(InvalidAppIdException):
        crypto.decrypt_message(json.loads(raw2) if fmt == "json" else raw2, q2["msg_signature"],
                               q2["timestamp"], q2["nonce"])


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_compat_push_carries_plaintext_and_ciphertext(fmt):
    build = wp.event_xml if fmt == "xml" else wp.event_json
    plain = build(wp.GH_ID, "o1", "user_enter_tempsession", SessionFrom="conv:1")
    q, raw = wp.compat_push(wp.TOKEN, wp.AES_KEY, wp.APPID, plain, fmt=fmt, openid="o1")
    outer = json.loads(raw) if fmt == "json" else dict(xmltodict.parse(raw)["xml"])
    assert outer["SessionFrom"] == "conv:1" and outer["Encrypt"] and q["openid"] == "o1"
    crypto = WeChatCrypto(wp.TOKEN, wp.AES_KEY, wp.APPID)
    assert crypto.decrypt_message(outer, q["msg_signature"], q["timestamp"], q["nonce"]) == plain
    if fmt == "xml":
        assert parse_message(raw).session_from == "conv:1"       # plaintext part still parses


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_decrypt_reply(fmt):
    crypto = WeChatCrypto(wp.TOKEN, wp.AES_KEY, wp.APPID)
    if fmt == "xml":
        reply = TextReply(source=wp.GH_ID, target="o1", content="请见《政府采购法》第二条").render()
        envelope = crypto.encrypt_message(reply, "12345", "1714036504")       # what a server would send
        assert wp.decrypt_reply(wp.TOKEN, wp.AES_KEY, wp.APPID, envelope) == reply
        assert wp.decrypt_reply(wp.TOKEN, wp.AES_KEY, wp.APPID, envelope.encode(), fmt="xml") == reply
    else:
        reply = {"ToUserName": "o1", "FromUserName": wp.GH_ID, "CreateTime": 1, "MsgType": "text",
                 "Content": "好的"}
        envelope = wp.encrypt_reply(wp.TOKEN, wp.AES_KEY, wp.APPID, reply, fmt="json")
        assert set(json.loads(envelope)) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
        assert wp.decrypt_reply(wp.TOKEN, wp.AES_KEY, wp.APPID, envelope) == reply
    with pytest.raises(InvalidSignatureException):
        wp.decrypt_reply(wp.TOKEN, wp.AES_KEY, wp.APPID, wp.tamper(envelope), fmt=fmt)
    with pytest.raises(InvalidSignatureException):
        wp.decrypt_reply("other_token", wp.AES_KEY, wp.APPID, envelope, fmt=fmt)
    with pytest.raises(InvalidAppIdException):
        wp.decrypt_reply(wp.TOKEN, wp.AES_KEY, "wx_other_app", envelope, fmt=fmt)
    with pytest.raises(ValueError):
        wp.decrypt_reply(wp.TOKEN, wp.AES_KEY, wp.APPID, "success")
    xml_env = wp.encrypt_reply(wp.TOKEN, wp.AES_KEY, wp.APPID, "<xml><Content>x</Content></xml>")
    assert wp.decrypt_reply(wp.TOKEN, wp.AES_KEY, wp.APPID, xml_env) == "<xml><Content>x</Content></xml>"
