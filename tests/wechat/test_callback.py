"""WeChat push callback over real HTTP, pushes built with wechatpy's own crypto (WECHAT.md §6)."""

import time

import httpx
import xmltodict

from tests.fixtures.fake_wechat import APPID
from tests.fixtures.wechat_push import (
    AES_KEY, GH_ID, TOKEN, compat_push, decrypt_reply, event_json, event_xml, image_xml, plain_push, safe_push, signature,
    tamper, tamper_query, text_json, text_xml, verify_query, voice_xml,
)

USER = "o_user_0001"


def post(app, query, body, **kw):
    return httpx.post(f"{app.url}/wechat/callback", params=query, content=body, timeout=10, **kw)


def test_wx01_url_verification(make_app):
    app = make_app()
    assert signature("AAAAA", "1714036504", "1514711492") == "f464b24fc39322e44b38aa78f5edd27bd1441696"
    q = verify_query(TOKEN, "echo-12345")
    r = httpx.get(f"{app.url}/wechat/callback", params=q)
    assert r.status_code == 200 and r.text == "echo-12345"
    q["signature"] = "0" * 40
    r = httpx.get(f"{app.url}/wechat/callback", params=q)
    assert r.status_code == 403 and "echo" not in r.text


def test_plaintext_push_gets_a_passive_answer(make_app, fake):
    app = make_app(wechat_aes_key=None)
    q, body = plain_push(TOKEN, text_xml(GH_ID, USER, "中标以后多久签合同？", 1001), openid=USER)
    r = post(app, q, body)
    reply = xmltodict.parse(r.text)["xml"]
    assert r.status_code == 200 and reply["ToUserName"] == USER and reply["MsgType"] == "text"
    assert "4个工作日" in reply["Content"] and "春财采〔2024〕7号" in reply["Content"]
    assert fake.sent_messages() == []  # answered passively: no quota spent


def test_wx02_wx03_slow_answer_is_acked_at_once_then_sent_once(make_app, fake):
    app = make_app(wechat_aes_key=None, wechat_passive_seconds=0.0)
    fake.user_message(USER)
    q, body = plain_push(TOKEN, text_xml(GH_ID, USER, "预付款比例是多少？", 2002), openid=USER)
    started = time.perf_counter()
    first = post(app, q, body)
    assert time.perf_counter() - started < 1.0 and first.text == "success"
    for _ in range(3):  # WeChat's retries of the same MsgId
        assert post(app, q, body).text == "success"
    sent = fake.wait_for(lambda: fake.sent_messages(USER) or None)
    time.sleep(0.5)
    sent = fake.sent_messages(USER)
    assert len(sent) == 1 and "30%" in sent[0]["text"]["content"]
    assert len(app.services.assistant.conv.sessions.messages(app.wechat.store.user(USER)["session_id"])) == 2


def test_wx04_wx08_safe_mode_xml_round_trip(make_app):
    app = make_app()
    q, body = safe_push(TOKEN, AES_KEY, APPID, text_xml(GH_ID, USER, "电子发票可以吗", 3003), fmt="xml", openid=USER)
    r = post(app, q, body)
    assert r.status_code == 200
    plain = xmltodict.parse(decrypt_reply(TOKEN, AES_KEY, APPID, r.content, fmt="xml"))["xml"]
    assert plain["ToUserName"] == USER and "发票" in plain["Content"]


def test_wx04_forged_or_tampered_pushes_are_refused_and_nothing_is_answered(make_app):
    app = make_app()
    q, body = safe_push(TOKEN, AES_KEY, APPID, text_xml(GH_ID, USER, "预付款比例是多少", 4004), fmt="xml", openid=USER)
    assert post(app, tamper_query(q), body).status_code == 403
    assert post(app, q, tamper(body)).status_code == 403
    q2, body2 = safe_push(TOKEN, AES_KEY, "wxsomeotherapp0000", text_xml(GH_ID, USER, "预付款比例是多少", 4005), fmt="xml", openid=USER)
    assert post(app, q2, body2).status_code == 403
    q3, body3 = plain_push(TOKEN, text_xml(GH_ID, USER, "预付款比例是多少", 4006), openid=USER)
    q3["signature"] = signature("wrong-token", q3["timestamp"], q3["nonce"])
    r = post(app, q3, body3)
    assert r.status_code == 403 and not r.text.startswith("{")
    assert app.wechat.store.user(USER) is None  # no conversation was opened


def test_wx05_wx06_json_safe_mode_and_compatible_mode(make_app):
    app = make_app()
    q, body = safe_push(TOKEN, AES_KEY, APPID, text_json(GH_ID, USER, "中小企业预付款多少", 5005), fmt="json")
    r = post(app, q, body)
    reply = decrypt_reply(TOKEN, AES_KEY, APPID, r.content, fmt="json")
    assert reply["ToUserName"] == USER and "50%" in reply["Content"]
    q, body = compat_push(TOKEN, AES_KEY, APPID, text_xml(GH_ID, USER, "电子发票可以吗", 6006), fmt="xml", openid=USER)
    r = post(app, q, body)
    assert "发票" in xmltodict.parse(decrypt_reply(TOKEN, AES_KEY, APPID, r.content, fmt="xml"))["xml"]["Content"]


def test_wx07_stale_timestamp_is_refused(make_app):
    app = make_app(wechat_aes_key=None)
    q, body = plain_push(TOKEN, text_xml(GH_ID, USER, "你好", 7007), timestamp=str(int(time.time()) - 3600), openid=USER)
    assert post(app, q, body).status_code == 403


def test_events_media_and_unknown_types(make_app):
    app = make_app(wechat_aes_key=None)
    q, body = plain_push(TOKEN, event_xml(GH_ID, USER, "subscribe"), openid=USER)
    assert "欢迎关注春风政采助手" in xmltodict.parse(post(app, q, body).text)["xml"]["Content"]
    q, body = plain_push(TOKEN, event_json(GH_ID, USER, "user_enter_tempsession", SessionFrom="wxapp"))
    r = post(app, q, body)
    assert r.headers["content-type"].startswith("application/json") and "春风政采助手" in r.json()["Content"]
    q, body = plain_push(TOKEN, image_xml(GH_ID, USER, "media1", 8008), openid=USER)
    assert "文字" in xmltodict.parse(post(app, q, body).text)["xml"]["Content"]
    q, body = plain_push(TOKEN, voice_xml(GH_ID, USER, "media2", 8009, recognition="预付款比例是多少"), openid=USER)
    assert "30%" in xmltodict.parse(post(app, q, body).text)["xml"]["Content"]
    odd = text_xml(GH_ID, USER, "x", 8010).replace("<MsgType><![CDATA[text]]></MsgType>", "<MsgType><![CDATA[hologram]]></MsgType>")
    q, body = plain_push(TOKEN, odd, openid=USER)
    assert post(app, q, body).text == "success"


def test_bad_input_never_gets_json_or_a_trace(make_app):
    app = make_app(wechat_aes_key=None)
    q, _ = plain_push(TOKEN, "<xml></xml>", openid=USER)
    r = post(app, q, b"<xml><unclosed>")
    assert r.status_code == 200 and r.text == "success"
    r = post(app, q, b"x" * (200 * 1024))
    assert r.status_code == 413 and not r.text.startswith("{") and "Traceback" not in r.text
