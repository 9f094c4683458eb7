"""Hot questions: conversations of several channels and 12345 work orders over a few days, seeded
in-process on a settable clock (the app served by uvicorn on 127.0.0.1), then the statistics and
the CSV export over HTTP; plus the pure parts of hotline/hot.py."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import httpx
import pytest

from bot.types import Reply, Turn
from chunfeng.errors import InvalidInput
from hotline import hot
from hotline.categories import Categories
from tests.hotline.conftest import CHINA, Clock, InProcessApp, copy_kb

SIGN = "中标通知书发出后多久签合同？"
SIGN_VARIANT = "中标通知书发出后几天内签合同"
SME = "小微企业价格扣除比例是多少"
SME_ORDER = "小微企业的价格扣除比例是多少？"
NOISE = "我电话13912345678，我家楼下噪音太大怎么办"
PASSPORT = "办理护照需要什么材料"
UNSURE = "招标文件里的商务要求一般包括啥"
UNKNOWN = "框架协议采购是什么"
PARKING = "小区停车位被占用，电话0371-12345678"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=CHINA)


@pytest.fixture(scope="module")
def seeded(pristine_kb, tmp_path_factory):
    """Questions on 2026-03-02, 03, 05 and 07 (China time), on web, wechat, miniprogram and 12345."""
    clock = Clock(at(2, 8))
    app = InProcessApp(copy_kb(pristine_kb, tmp_path_factory.mktemp("hot") / "data"), clock).start()
    assistant = app.services.assistant
    answerer = assistant.answerer
    real = answerer.answer

    def answer(question, filters=None, **kwargs):  # two outcomes the test needs exactly, whatever the model says
        if question == UNSURE:
            return Reply("招标文件的商务要求包括交货期限、付款方式等。", [], 0.45, kind="answer", question=question)
        if question == UNKNOWN:
            return Reply("抱歉，没有找到相关规定。", [], 0.05, True, "low_confidence", "not_found", question)
        return real(question, filters, **kwargs)

    answerer.answer = answer
    hotline = app.app.state.hotline.service
    replies: dict[str, Reply] = {}

    def ask(when, text, channel="web", session=""):
        clock.set(when)
        reply = assistant.reply(Turn(text=text, channel=channel, user_id=f"u-{channel}", session_id=session))
        replies[f"{when:%d%H%M}:{text}"] = reply
        return reply

    def order(when, key, content, **extra):
        clock.set(when)
        return hotline.create(key, {"content": content, "channel": "电话", **extra})[0]

    a = ask(at(2, 9), "你好")
    ask(at(2, 9, 1), SIGN, session=a.session_id)
    ask(at(2, 9, 2), SIGN_VARIANT, session=a.session_id)
    ask(at(2, 10), SIGN)
    c = ask(at(2, 11), SME, channel="wechat")
    ask(at(2, 11, 5), NOISE, channel="wechat", session=c.session_id)
    w1 = order(at(2, 14), "call-w1", SME_ORDER)
    d = ask(at(3, 0, 30), PASSPORT, channel="miniprogram")  # 2026-03-02 16:30 UTC: a 3 March question
    ask(at(3, 10), UNSURE, channel="miniprogram", session=d.session_id)
    e = ask(at(3, 15), "我要转人工")
    ask(at(3, 15, 1), SIGN, session=e.session_id)  # written to the person who holds the conversation
    order(at(3, 16), "call-w2", SIGN, ticket_id=e.ticket["ticket_id"])  # counted once, from the conversation
    w3 = order(at(3, 17), "call-w3", PARKING)
    ask(at(5, 9), UNKNOWN)
    ask(at(7, 9), SIGN)  # outside 2–5 March
    clock.set(at(7, 12))
    app.replies, app.orders = replies, {"w1": w1, "w3": w3}
    yield app
    app.stop()


def get(app, path, user="operator1", **params) -> httpx.Response:
    headers = app.token(user) if user else {}
    return httpx.get(f"{app.url}{path}", params=params, headers=headers, timeout=30)


def report(app, **params) -> dict:
    r = get(app, "/api/hotline/hot", **params)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_seeded_outcomes_are_what_the_test_assumes(seeded):
    kinds = {k.split(":", 1)[1]: (r.kind, r.reason) for k, r in seeded.replies.items()}
    assert kinds[SIGN][0] == "answer" and kinds[SME][0] == "answer"
    assert kinds[NOISE] == ("not_found", "out_of_scope") and kinds[PASSPORT] == ("not_found", "out_of_scope")
    assert kinds[UNKNOWN] == ("not_found", "low_confidence")
    assert seeded.orders["w1"].suggested_answer and seeded.orders["w1"].procurement_related
    assert not seeded.orders["w3"].procurement_related


def test_totals_days_and_categories(seeded):
    body = report(seeded, **{"from": "2026-03-02", "to": "2026-03-05"})
    assert (body["from"], body["to"], body["total"]) == ("2026-03-02", "2026-03-05", 10)
    assert body["by_day"] == [{"date": "2026-03-02", "count": 6}, {"date": "2026-03-03", "count": 3},
                              {"date": "2026-03-04", "count": 0}, {"date": "2026-03-05", "count": 1}]
    cats = {c["category"]: c["count"] for c in body["by_category"]}
    expected: dict[str, int] = {}
    for q in (SIGN, SIGN_VARIANT, SIGN, SME, NOISE, SME_ORDER, PASSPORT, UNSURE, PARKING, UNKNOWN):
        name = Categories.load().classify(q)
        expected[name] = expected.get(name, 0) + 1
    assert cats == expected
    assert cats["采购程序"] == 4 and cats["中小企业扶持"] == 2 and cats["其他"] == 3
    counts = [c["count"] for c in body["by_category"]]
    assert counts == sorted(counts, reverse=True)
    assert {c["channel"]: c["count"] for c in body["by_channel"]} == {"web": 4, "wechat": 2, "miniprogram": 2, "hotline": 2}
    assert body["outcomes"] == {"answered": 6, "unanswered": 4, "handed_over": 0, "unknown": 0}


def test_clusters_of_alike_questions(seeded):
    clusters = report(seeded, **{"from": "2026-03-02", "to": "2026-03-05"})["clusters"]
    top = clusters[0]
    assert (top["label"], top["count"], top["category"]) == (SIGN, 3, "采购程序")
    assert top["examples"] == [SIGN_VARIANT]
    second = clusters[1]
    assert second["count"] == 2 and second["label"] in (SME, SME_ORDER) and second["category"] == "中小企业扶持"
    assert sum(c["count"] for c in clusters) == 10
    assert [c["count"] for c in clusters] == sorted((c["count"] for c in clusters), reverse=True)


def test_unanswered_and_low_confidence_lists(seeded):
    body = report(seeded, **{"from": "2026-03-02", "to": "2026-03-05"})
    unanswered = {u["question"]: u for u in body["unanswered"]}
    noise = NOISE.replace("13912345678", "139****5678")
    assert set(unanswered) == {noise, PASSPORT, UNKNOWN, "小区停车位被占用，电话0371-****5678"}
    assert unanswered[noise]["reason"] == "out_of_scope" and unanswered[noise]["channel"] == "wechat"
    assert unanswered[UNKNOWN]["reason"] == "low_confidence" and unanswered[UNKNOWN]["reason_name"] == "置信度低"
    assert unanswered[PASSPORT]["at"] == "2026-03-03T00:30:00+08:00" and unanswered[PASSPORT]["channel"] == "miniprogram"
    assert unanswered["小区停车位被占用，电话0371-****5678"]["channel"] == "hotline"
    ats = [u["at"] for u in body["unanswered"]]
    assert ats == sorted(ats, reverse=True)
    assert body["unanswered_total"] == 4
    assert body["low_confidence"] == [{"question": UNSURE, "at": "2026-03-03T10:00:00+08:00", "channel": "miniprogram",
                                       "channel_name": "微信小程序", "source": "chat", "category": "采购程序", "confidence": 0.45}]
    assert "13912345678" not in str(body) and "12345678" not in str(body).replace("0371-****5678", "")


def test_date_and_channel_filters(seeded):
    assert report(seeded, **{"from": "2026-03-03", "to": "2026-03-03"})["total"] == 3
    assert report(seeded, **{"from": "2026-03-06", "to": "2026-03-07"})["total"] == 1
    assert report(seeded, **{"from": "2026-03-04", "to": "2026-03-04"})["clusters"] == []
    wechat = report(seeded, **{"from": "2026-03-02", "to": "2026-03-05", "channel": "wechat"})
    assert wechat["total"] == 2 and wechat["channel"] == "wechat"
    hotline = report(seeded, **{"from": "2026-03-02", "to": "2026-03-05", "channel": "hotline"})
    assert hotline["total"] == 2 and {u["source"] for u in hotline["unanswered"]} == {"workorder"}
    default = report(seeded)  # the 30 days up to the clock's today (7 March)
    assert default["to"] == "2026-03-07" and default["from"] == "2026-02-06" and default["total"] == 11


@pytest.mark.parametrize("params, words", [
    ({"from": "2026-3-2", "to": "2026-03-05"}, ("from", "YYYY-MM-DD")),
    ({"from": "2026-03-02", "to": "2026-02-30"}, ("to", "YYYY-MM-DD")),
    ({"from": "yesterday"}, ("from", "YYYY-MM-DD")),
    ({"from": "2026-03-05", "to": "2026-03-02"}, ("from", "to", "晚于")),
    ({"from": "2024-01-01", "to": "2026-03-02"}, ("366",)),
    ({"channel": "fax"}, ("channel", "fax", "web")),
])
def test_bad_parameters_are_422_in_chinese(seeded, params, words):
    for path in ("/api/hotline/hot", "/api/hotline/hot.csv"):
        r = get(seeded, path, **params)
        assert r.status_code == 422, r.text
        message = r.json()["error"]["message"]
        assert all(w in message for w in words), message


def test_staff_only(seeded):
    assert get(seeded, "/api/hotline/hot", user=None).status_code == 401
    assert get(seeded, "/api/hotline/hot.csv", user=None).status_code == 401
    for user, role in (("operator1", "operator"), ("agent1", "agent"), ("admin1", "admin")):
        assert get(seeded, "/api/hotline/hot", user=user).status_code == 200, role


def test_csv_export_for_excel(seeded):
    r = get(seeded, "/api/hotline/hot.csv", **{"from": "2026-03-02", "to": "2026-03-05"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"] and "2026-03-02_2026-03-05" in r.headers["content-disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == ("日期", "时间", "渠道", "来源", "分类", "问题", "相似问题归类", "答复情况", "未答复原因", "置信度")
    data = [dict(zip(rows[0], row)) for row in rows[1:]]
    assert len(data) == 10
    text = r.content.decode("utf-8-sig")
    assert "139****5678" in text and "13912345678" not in text and "0371-****5678" in text
    variant = next(d for d in data if d["问题"] == SIGN_VARIANT)
    assert (variant["日期"], variant["时间"], variant["渠道"], variant["来源"]) == ("2026-03-02", "09:02:00", "网页咨询", "在线咨询")
    assert (variant["相似问题归类"], variant["答复情况"]) == (SIGN, "已答复") and float(variant["置信度"]) > 0.6
    unsure = next(d for d in data if d["问题"] == UNSURE)
    assert (unsure["置信度"], unsure["渠道"]) == ("0.45", "微信小程序")
    noise = next(d for d in data if d["问题"].startswith("我电话"))
    assert (noise["答复情况"], noise["未答复原因"], noise["渠道"]) == ("未答复", "超出咨询范围", "微信公众号")
    order = next(d for d in data if d["问题"] == SME_ORDER)
    assert (order["渠道"], order["来源"], order["答复情况"], order["置信度"]) == ("12345 热线", "热线工单", "已答复", "")
    assert [d["日期"] + d["时间"] for d in data] == sorted(d["日期"] + d["时间"] for d in data)
    wechat = get(seeded, "/api/hotline/hot.csv", **{"from": "2026-03-02", "to": "2026-03-05", "channel": "wechat"})
    assert len(list(csv.reader(io.StringIO(wechat.content.decode("utf-8-sig"))))) == 3


# -- pure parts -------------------------------------------------------------------------------------
def test_cluster_is_greedy_deterministic_and_labelled_by_the_most_frequent():
    qs = [SME, SIGN_VARIANT, SIGN, SIGN, "中标通知书发出后多久签合同", SME_ORDER, PASSPORT]
    first = hot.cluster(qs)
    assert [(c.label, sorted(c.members)) for c in first] == [(c.label, sorted(c.members)) for c in hot.cluster(qs)]
    assert first[0].label == SIGN and sorted(first[0].members) == [1, 2, 3, 4]
    assert first[1].label == SME and sorted(first[1].members) == [0, 5]
    assert first[2].label == PASSPORT
    assert hot.cluster([]) == []
    # a stricter threshold splits the variant off
    strict = hot.cluster(qs, threshold=0.95)
    assert [sorted(c.members) for c in strict][:1] == [[2, 3, 4]]


def _asked(**kw) -> hot.Asked:
    return hot.Asked(**{"question": "q", "at": "2026-03-02T01:00:00+00:00", "channel": "web", "source": "chat", **kw})


@pytest.mark.parametrize("kw, outcome", [
    ({"kind": "answer", "confidence": 0.9}, ("answered", None)),
    ({"kind": "faq", "confidence": 0.8}, ("answered", None)),
    ({"kind": "not_found", "reason": "low_confidence"}, ("unanswered", "low_confidence")),
    ({"kind": "not_found", "reason": None}, ("unanswered", "not_found")),
    ({"kind": "handoff", "reason": "out_of_scope"}, ("unanswered", "out_of_scope")),
    ({"kind": "handoff", "reason": "dispute"}, ("handed_over", None)),
    ({"kind": None}, ("unknown", None)),
    ({"source": "workorder", "channel": "hotline"}, ("answered", None)),
    ({"source": "workorder", "channel": "hotline", "reason": "no_suggestion"}, ("unanswered", "no_suggestion")),
])
def test_judge(kw, outcome):
    assert hot.judge(_asked(**kw)) == outcome


def test_low_confidence_is_answered_below_0_6():
    assert hot.is_low_confidence(_asked(kind="answer", confidence=0.59))
    assert not hot.is_low_confidence(_asked(kind="answer", confidence=0.6))
    assert not hot.is_low_confidence(_asked(kind="not_found", reason="low_confidence", confidence=0.1))


def test_date_range_defaults_bounds_and_errors():
    today = date(2026, 3, 7)
    assert hot.date_range(None, None, today) == (date(2026, 2, 6), today)
    assert hot.date_range("2026-03-01", None, today) == (date(2026, 3, 1), today)
    assert hot.bounds(date(2026, 3, 2), date(2026, 3, 2)) == ("2026-03-01T16:00:00+00:00", "2026-03-02T16:00:00+00:00")
    with pytest.raises(InvalidInput, match="参数 to 的值“2026/03/01”"):
        hot.date_range("2026-02-01", "2026/03/01", today)


def test_csv_cells_are_never_formulas():
    text = hot.to_csv([_asked(question="=HYPERLINK(\"http://x\")", kind="answer", confidence=0.9),
                       _asked(question="+1 电话13812345678", kind="answer", confidence=0.9, at="2026-03-02T02:00:00+00:00")])
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert rows[1][5].startswith("'=") and rows[2][5] == "'+1 电话138****5678"


def test_summarize_masks_and_groups_questions_that_differ_only_in_the_caller_s_number():
    asked = [_asked(question="我是13812345678，保证金怎么退", kind="answer", confidence=0.9, ref="1"),
             _asked(question="我是13987654321，保证金怎么退", kind="not_found", reason="low_confidence", ref="2")]
    hot.categorise(asked, Categories.load())
    body = hot.summarize(asked, date(2026, 3, 2), date(2026, 3, 2))
    assert body["clusters"] == [{"label": "我是138****5678，保证金怎么退", "count": 2, "category": "保证金与费用",
                                 "examples": ["我是139****4321，保证金怎么退"], "unanswered": 1}]
    assert body["unanswered"][0]["question"] == "我是139****4321，保证金怎么退"
    assert "12345678" not in str(body) and "87654321" not in str(body)
