"""The 12345 operator console (/hotline) and the hot-questions page (/hotline/hot), on a real server.

A real browser (Debian's chromium driven by Playwright): an operator signs in, types the caller's
question, and with the keyboard only opens the provision, copies the standard script, and files a
work order whose first submission is lost on the network (the retry reuses the call id). Plus plain
HTTP checks of the pages. Screenshots (1280 px wide) go to tmp_path.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from bot.tickets import CHINA
from hotline.categories import Categories
from tests.fixtures.browser import browser, no_horizontal_scroll, shot  # noqa: F401  (fixtures)
from tests.web.conftest import ACCOUNTS  # the `server` fixture comes from tests/hotline/conftest.py

DESK = {"width": 1280, "height": 800}
QUESTION = "中标以后多久签合同"
OFF_TOPIC = "今天天气怎么样"
ASKED = ("中标以后多久签合同？", "中标后多久签合同", "验收合格后多久付款？", "小区物业费怎么收", "今天天气怎么样")
CONTRACT_DOC = "春风市政府采购合同签订与资金支付管理办法"


def staff(server, username: str = "operator1") -> httpx.Client:
    return httpx.Client(base_url=server.url, headers=server.login(username), timeout=20, follow_redirects=False)


# -- the pages over plain HTTP ---------------------------------------------------------------------
def test_signed_out_the_pages_send_you_to_sign_in_and_back(server):
    for path in ("/hotline", "/hotline/hot"):
        r = httpx.get(server.url + path, follow_redirects=False, timeout=10)
        assert r.status_code == 303, path
        assert r.headers["location"] == f"/console/login?next={path}"


def test_the_console_renders_filters_and_keyboard_hints(server):
    with staff(server) as http:
        r = http.get("/hotline")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert 'id="hl-q"' in page and "autofocus" in page
    # the document filter lists the knowledge base's documents, values = their file names
    assert '<option value="chunfeng-notice-contract-payment.txt">' in page and CONTRACT_DOC in page and "春财采〔2024〕7号" in page
    for name in Categories.load().names:
        assert f'<option value="{name}">{name}</option>' in page
    for hint in ("<kbd>↑</kbd><kbd>↓</kbd> 选择", "看条文", "<kbd>C</kbd> 复制话术", "<kbd>W</kbd> 生成工单", "<kbd>/</kbd> 回到搜索框"):
        assert hint in page
    assert "热线话务员" in page and 'href="/hotline/hot"' in page
    assert "/hotline/static/console.js?v=" in page and "/hotline/static/hotline.css?v=" in page


def test_static_files_and_a_missing_one(server):
    r = httpx.get(server.url + "/hotline/static/console.js", timeout=10)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript") and "innerHTML" not in r.text
    r = httpx.get(server.url + "/hotline/static/hot.js", timeout=10)
    assert r.status_code == 200 and "innerHTML" not in r.text
    for bad in ("/hotline/static/pages.py", "/hotline/static/nothing.js"):
        r = httpx.get(server.url + bad, timeout=10)
        assert r.status_code == 404, bad
        assert "Traceback" not in r.text and "没有" in r.text  # a Chinese page
    r = httpx.get(server.url + "/hotline/static/..%2Fpages.py", timeout=10)
    assert r.status_code == 404 and "import" not in r.text


def test_the_hot_page_renders_a_30_day_range_and_the_csv_link(server):
    today = datetime.now(CHINA).date()
    start = today - timedelta(days=29)
    with staff(server, "agent1") as http:
        r = http.get("/hotline/hot")
        assert r.status_code == 200
        assert f'value="{start:%Y-%m-%d}"' in r.text and f'value="{today:%Y-%m-%d}"' in r.text
        assert f"/api/hotline/hot.csv?from={start:%Y-%m-%d}&amp;to={today:%Y-%m-%d}" in r.text and "导出 CSV" in r.text
        # a range given in the address, reversed or garbled, still renders a page (never a stack trace)
        r = http.get("/hotline/hot?from=2026-13-40&to=garbage&channel=<script>")
        assert r.status_code == 200 and "<script>" not in r.text and "Traceback" not in r.text


def test_the_hot_api_gives_what_the_page_draws(server):
    today = datetime.now(CHINA).date()
    with staff(server) as http:
        r = http.get("/api/hotline/hot", params={"from": f"{today - timedelta(days=6):%Y-%m-%d}", "to": f"{today:%Y-%m-%d}"})
        if r.status_code == 404:
            pytest.skip("GET /api/hotline/hot (hotline/routes_admin.py) is not installed yet: the hot page shows “尚未启用”")
        assert r.status_code == 200, r.text
        data = r.json()
        for key in ("from", "to", "total", "by_category", "clusters", "unanswered", "low_confidence", "by_day"):
            assert key in data, key
        csv = http.get("/api/hotline/hot.csv", params={"from": data["from"], "to": data["to"]})
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")


def test_signing_in_from_the_hotline_comes_back_to_it(server):
    role, password = ACCOUNTS["operator1"]
    r = httpx.post(server.url + "/console/login", data={"username": "operator1", "password": password, "next": "/hotline"},
                   follow_redirects=False, timeout=10)
    assert r.status_code == 303
    assert r.headers["location"] == "/hotline", "web/pages.py safe_next() should let /hotline through"


# -- a real browser ------------------------------------------------------------------------------
def focused(page) -> str:
    return page.evaluate("document.activeElement ? document.activeElement.id : ''")


def test_an_operator_answers_a_call_with_the_keyboard(browser, server, shot):
    ctx = browser.new_context(viewport=DESK, locale="zh-CN", timezone_id="Asia/Shanghai")
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    alerts: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
    # work-order submissions: their Idempotency-Key, and (once armed) the first one lost on the network.
    # The route is set up front: one added just before the click can miss the request (a race in routing).
    keys: list[str] = []
    lose = {"armed": False, "lost": 0}

    def workorders(route):
        keys.append(route.request.headers.get("idempotency-key", ""))
        if lose["armed"] and not lose["lost"]:
            lose["lost"] += 1
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/hotline/workorders", workorders)

    # -- sign in ------------------------------------------------------------------------------------
    page.goto(server.url + "/hotline")
    assert "/console/login" in page.url and parse_qs(urlsplit(page.url).query)["next"] == ["/hotline"]
    page.fill("input[name=username]", "operator1")
    page.fill("input[name=password]", ACCOUNTS["operator1"][1])
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/hotline$"))
    page.locator("#hl-q").wait_for()
    assert focused(page) == "hl-q", "the search box should have the focus as soon as the page opens"
    assert page.locator("#hl-keys").is_visible() and "复制话术" in page.locator("#hl-keys").inner_text()
    shot(page, "hotline-1-ready.png")

    # -- type the caller's question: results as you type, with the time taken --------------------------
    searches: list[str] = []
    page.on("request", lambda r: searches.append(r.url) if "/api/hotline/search" in r.url else None)
    page.keyboard.type(QUESTION, delay=40)
    first = page.locator(".hl-hit").first
    first.wait_for()
    page.locator("#hl-status", has_text="用时").wait_for()
    assert re.search(r"找到 \d+ 条 · 用时 \d+\.\d\d 秒", page.locator("#hl-status").inner_text())
    assert len(searches) <= 3, f"typing should be debounced, not one search per character: {searches}"
    assert "第四条" in first.locator(".hl-hit-name").inner_text() and "《" in first.locator(".hl-hit-name").inner_text()
    assert "春财采〔2024〕7号" in first.locator(".hl-hit-name").inner_text()
    script = first.locator(".hl-script").inner_text()
    assert "4个工作日" in script
    assert first.locator(".hl-cat").inner_text() in Categories.load().names
    assert first.locator(".hl-text mark").count() >= 1, "the query words should be highlighted in the provision"
    assert "匹配：" in first.locator(".hl-match").inner_text() and "中标" in first.locator(".hl-match").inner_text()
    font = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.hl-script')).fontSize)")
    assert font >= 18, f"the script should be in large type, is {font}px"
    assert focused(page) == "hl-q"
    shot(page, "hotline-2-results.png")

    # -- ↓ into the results, Enter opens the provision ----------------------------------------------
    page.keyboard.press("ArrowDown")
    assert focused(page) == "hl-results"
    assert "on" in first.get_attribute("class")
    page.keyboard.press("Enter")
    panel = page.locator("#hl-panel-body")
    panel.wait_for(state="visible")
    assert "第四条" in page.locator("#hl-panel-name").inner_text()
    assert page.locator("#hl-panel-text mark").count() >= 1
    assert "不得要求供应商让利" in page.locator("#hl-panel-text").inner_text()  # the whole provision, not a snippet
    assert page.locator("#hl-panel-script").inner_text() == script
    # ↓/↑ move the selection, and the open panel follows it
    if page.locator(".hl-hit").count() > 1:
        page.keyboard.press("ArrowDown")
        assert "on" in page.locator(".hl-hit").nth(1).get_attribute("class")
        assert page.locator("#hl-panel-name").inner_text() != "" and "on" not in first.get_attribute("class")
        page.keyboard.press("ArrowUp")
        assert "on" in first.get_attribute("class") and "第四条" in page.locator("#hl-panel-name").inner_text()
    shot(page, "hotline-3-provision.png")

    # -- c copies the script ----------------------------------------------------------------------------
    page.keyboard.press("c")
    page.locator("#hl-toast", has_text="已复制").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == script
    shot(page, "hotline-4-copied.png")

    # -- / back to the search box, then ↓ and w: a pre-filled work order ------------------------------
    page.keyboard.press("/")
    assert focused(page) == "hl-q"
    page.keyboard.press("ArrowDown")
    assert focused(page) == "hl-results"
    page.keyboard.press("w")
    dialog = page.locator("#hl-wo")
    dialog.wait_for(state="visible")
    assert focused(page) == "hl-wo-name"
    assert page.input_value("#hl-wo-content") == QUESTION
    assert page.input_value("#hl-wo-category") == first.locator(".hl-cat").inner_text()
    assert page.input_value("#hl-wo-type") == "咨询" and page.input_value("#hl-wo-urgency") == "一般"
    call_id = page.locator("#hl-wo-key").inner_text()
    assert call_id.startswith("call-")

    # nothing about the caller yet: the form says what is missing
    page.keyboard.press("Control+Enter")
    page.locator("#hl-wo-error", has_text="匿名来电").wait_for()

    page.keyboard.type("王先生")
    page.fill("#hl-wo-phone", "13800138000")
    shot(page, "hotline-5-workorder.png")

    # the first submission is lost on the way; the retry carries the same call id
    assert keys == [], "an incomplete form is not sent"
    lose["armed"] = True
    page.keyboard.press("Control+Enter")
    page.locator("#hl-wo-error", has_text="重试").wait_for()
    assert page.input_value("#hl-wo-name") == "王先生", "nothing typed is lost when a submission fails"
    page.click("#hl-wo-submit")
    number = page.locator("#hl-wo-no")
    number.wait_for(state="visible")
    ticket_no = number.inner_text()
    assert re.fullmatch(r"GD\d{13}", ticket_no), ticket_no
    assert keys == [call_id, call_id], f"a retry must reuse the call id as Idempotency-Key: {keys}"
    assert "是" in page.locator("#hl-wo-related").inner_text()
    assert page.locator("#hl-wo-answer").inner_text().strip()
    assert page.locator("#hl-wo-status").inner_text().strip()
    shot(page, "hotline-6-ticket.png")

    with staff(server) as http:
        order = http.get(f"/api/hotline/workorders/{ticket_no}").json()["workorder"]
    assert order["content"] == QUESTION and order["request_type"] == "咨询" and order["channel"] == "电话"
    assert order["urgency"] == "一般" and order["category"] == page.input_value("#hl-wo-category")
    assert order["caller"]["anonymous"] is False and order["caller"]["name"]

    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert focused(page) == "hl-results", "after the work order, the keyboard is back on the results"
    assert ticket_no in page.locator("#hl-status").inner_text()

    # a second work order in this call is a new one (a new call id)
    page.keyboard.press("w")
    dialog.wait_for(state="visible")
    assert page.locator("#hl-wo-key").inner_text() != call_id and page.input_value("#hl-wo-name") == ""
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")

    # -- filters: by category, by document ---------------------------------------------------------------
    page.select_option("#hl-category", "资金支付")
    page.wait_for_function("document.querySelector('#hl-status').textContent.indexOf('用时') >= 0 && "
                           "location.search.indexOf('category=') >= 0")
    cats = page.locator(".hl-hit .hl-cat").all_inner_texts()
    assert all(c == "资金支付" for c in cats), cats
    page.select_option("#hl-category", "")
    page.select_option("#hl-source", "chunfeng-supplier-faq.md")
    page.wait_for_function("location.search.indexOf('source=') >= 0 && "
                           "document.querySelector('#hl-status').textContent.indexOf('用时') >= 0")
    names = page.locator(".hl-hit .hl-hit-name").all_inner_texts()
    assert names and all("供应商常见问题解答" in n for n in names), names
    shot(page, "hotline-7-filtered.png")

    # -- a reload keeps the question; 新来电 clears it ----------------------------------------------------
    page.reload()
    page.locator(".hl-hit").first.wait_for()
    assert page.input_value("#hl-q") == QUESTION and focused(page) == "hl-q"
    page.click("#hl-new")
    assert page.input_value("#hl-q") == "" and page.locator(".hl-hit").count() == 0 and focused(page) == "hl-q"

    # -- a question the knowledge base has nothing on: a warning, and still a work order -------------------
    page.select_option("#hl-source", "")
    page.locator("#hl-q").focus()
    page.keyboard.type(OFF_TOPIC, delay=10)
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#hl-status').textContent.indexOf('用时') >= 0")
    assert "warn" in (page.locator("#hl-status").get_attribute("class") or "")
    assert "不是政府采购政策问题" in page.locator("#hl-status").inner_text()  # the scope guard's verdict
    page.keyboard.press("ArrowDown")
    page.keyboard.press("w")
    dialog.wait_for(state="visible")
    assert page.input_value("#hl-wo-content") == OFF_TOPIC
    assert page.input_value("#hl-wo-category") == "", "an unrelated provision should not decide the category"
    shot(page, "hotline-8-other-question.png")
    page.keyboard.press("Escape")

    assert no_horizontal_scroll(page)
    assert not alerts, f"a text ran as script: {alerts}"
    assert not errors, f"JavaScript errors: {errors}"

    # -- the hot-questions page, after a few questions on the chat page ----------------------------------
    for i, asked in enumerate(ASKED):
        r = httpx.post(server.url + "/api/chat", json={"message": asked}, headers={"X-Forwarded-For": f"10.9.0.{i + 1}"}, timeout=60)
        assert r.status_code == 200, r.text
    hot = ctx.new_page()
    hot.set_default_timeout(20_000)
    hot.on("pageerror", lambda e: errors.append(str(e)))
    hot.goto(server.url + "/hotline/hot")
    hot.wait_for_function("document.querySelector('#hot-status').textContent.indexOf('正在统计') < 0")
    csv = hot.locator("#hot-csv").get_attribute("href")
    assert csv.startswith("/api/hotline/hot.csv?from=") and "&to=" in csv
    if "尚未启用" in hot.locator("#hot-status").inner_text():
        shot(hot, "hot-1-not-yet.png", full=True)
        pytest.skip("GET /api/hotline/hot is not installed yet: the hot page says so in Chinese (data part not tested)")
    assert hot.locator("#hot-body").is_visible()
    assert hot.locator("#hot-by-category svg, #hot-by-category p").count() == 1
    assert hot.locator("#hot-by-day svg rect").count() >= 30
    assert int(hot.locator(".hot-stat-n").first.inner_text()) >= len(ASKED), "the questions asked above should count"
    top = hot.locator("#hot-clusters > li").first
    assert "中标以后多久签合同" in top.inner_text() and "查话术" in top.inner_text()
    assert top.locator("a.hot-search").get_attribute("href").startswith("/hotline?q=")
    assert hot.locator("#hot-unanswered tr, #hot-unanswered p").count() >= 1
    shot(hot, "hot-1-report.png", full=True)
    hot.click("[data-days='7']")
    hot.wait_for_function("document.querySelectorAll('#hot-by-day svg rect').length === 7")
    assert "hot.csv?from=" in hot.locator("#hot-csv").get_attribute("href")
    assert not errors, f"JavaScript errors: {errors}"
    ctx.close()
