"""A real browser (Debian's chromium driven by Playwright) against a real server.

A supplier on a phone asks, reads the citations and asks for a person; an agent at a desk signs in,
claims the ticket and replies; the supplier's page shows the reply without a reload (server-sent
events), and a second page without EventSource gets it by polling. Screenshots go to tmp_path.
"""

from __future__ import annotations

import re


from tests.fixtures.browser import browser, no_horizontal_scroll, shot  # noqa: F401  (fixtures)
from tests.web.conftest import ACCOUNTS

PHONE = {"width": 390, "height": 844}
ON_A_PHONE = {"viewport": PHONE, "is_mobile": True, "has_touch": True, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
DESK = {"width": 1366, "height": 900}
QUESTION = "中标以后多久签合同？"
REPLY = "您好！中标通知书发出后 4 个工作日内，采购单位应当与您签订合同；逾期未签可以向采购单位书面催告。"
SCRIPT = "<script>alert(1)</script>"


def test_user_asks_hands_off_and_sees_the_agents_reply_live(browser, server, shot):
    dialogs: list[str] = []
    errors: list[str] = []

    # -- the supplier, on a phone --------------------------------------------------------------
    phone = browser.new_context(**ON_A_PHONE, device_scale_factor=2)
    user = phone.new_page()
    user.set_default_timeout(20_000)
    user.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    user.on("pageerror", lambda e: errors.append(str(e)))
    streamed: list[str] = []
    user.on("request", lambda r: streamed.append(r.url) if "/events" in r.url else None)

    user.goto(server.url + "/")
    assert user.locator("h1").inner_text() == "春风政采助手"
    assert user.locator("#handoff").is_visible()
    assert user.locator(".example").count() >= 2
    assert no_horizontal_scroll(user), "the chat page scrolls sideways at 390 px"
    shot(user, "user-1-welcome.png")

    user.fill("#ask", QUESTION)
    user.click("#send")
    answer = user.locator(".msg-assistant:not(.typing)").last
    answer.locator(".cites").wait_for()
    assert "4个工作日" in answer.locator(".text").inner_text()
    answer.locator(".cites > summary").click()
    first = answer.locator(".cite").first
    first.locator("summary").click()
    assert first.locator(".cite-text").is_visible()
    assert "第四条" in first.locator(".cite-text").inner_text()
    assert "《" in first.locator(".cite-name").inner_text()
    assert answer.get_by_role("button", name="有用").is_visible() and answer.get_by_role("button", name="没用").is_visible()
    assert no_horizontal_scroll(user), "an answer with citations scrolls sideways at 390 px"
    first.scroll_into_view_if_needed()
    shot(user, "user-2-answer.png")

    user.click("#handoff")
    bar = user.locator("#ticket-bar")
    bar.wait_for(state="visible")
    ticket_id = re.search(r"T\d{8}-\d{4}", bar.inner_text()).group(0)
    user.locator(".msg-system", has_text=ticket_id).wait_for()
    shot(user, "user-3-handoff.png")
    sid = user.evaluate("localStorage.getItem('chunfeng.session')")
    assert sid and streamed, "the page should listen for new messages with server-sent events"

    # -- the same conversation on a page without EventSource: reload keeps it, polling updates it ------
    legacy = browser.new_context(**ON_A_PHONE)
    legacy.add_init_script(f"window.localStorage.setItem('chunfeng.session', {sid!r}); delete window.EventSource;")
    old = legacy.new_page()
    old.set_default_timeout(20_000)
    old.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    old.on("pageerror", lambda e: errors.append(str(e)))
    polled: list[str] = []
    old.on("request", lambda r: polled.append(r.url) if "/messages?after=" in r.url and "after=0" not in r.url else None)
    old.goto(server.url + "/")
    old.locator(".msg-system", has_text=ticket_id).wait_for()
    assert old.locator(".msg-user").first.inner_text() == QUESTION
    old.fill("#ask", SCRIPT)
    old.click("#send")
    old.locator(".msg-user:not(.pending)", has_text="alert(1)").wait_for()
    assert old.locator(".msg-user .text").last.text_content() == SCRIPT

    # -- the agent, at a desk -------------------------------------------------------------------
    desk = browser.new_context(viewport=DESK, locale="zh-CN", timezone_id="Asia/Shanghai")
    agent = desk.new_page()
    agent.set_default_timeout(20_000)
    agent.on("pageerror", lambda e: errors.append(str(e)))
    agent.goto(server.url + "/console")
    assert "/console/login" in agent.url
    agent.fill("input[name=username]", "agent1")
    agent.fill("input[name=password]", ACCOUNTS["agent1"][1])
    agent.click("button[type=submit]")
    agent.wait_for_url(re.compile(r"/console$"))
    row = agent.locator("tr", has_text=ticket_id)
    assert "已等待" in row.inner_text() and "待处理" in row.inner_text()
    shot(agent, "console-1-queue.png")

    row.locator("a.ticket-link").click()
    agent.wait_for_url(re.compile(ticket_id))
    assert SCRIPT in agent.locator(".transcript").inner_text()  # shown as text, not run
    agent.get_by_role("button", name="认领").click()
    agent.locator(".alert.ok", has_text="已认领").wait_for()
    agent.fill("#kb-q", "签订合同 期限")
    agent.locator("#kb-search button").click()
    agent.locator(".kb-hit").first.wait_for()
    agent.locator(".kb-hit").first.get_by_role("button", name="插入引用").click()
    cited = agent.input_value("#reply-text")
    assert cited.startswith("《") and "：" in cited
    agent.fill("#reply-text", REPLY + "\n" + cited)
    shot(agent, "console-2-ticket.png", full=True)
    agent.get_by_role("button", name="发送答复").click()
    agent.locator(".alert.ok", has_text="答复已发送给用户").wait_for()
    assert REPLY in agent.locator(".transcript").inner_text()
    shot(agent, "console-3-replied.png", full=True)

    # -- the reply reaches both pages without a reload ----------------------------------------------
    for page in (user, old):
        bubble = page.locator(".msg-agent", has_text="中标通知书发出后 4 个工作日内")
        bubble.wait_for(timeout=20_000)
        assert "人工客服" in bubble.locator(".msg-who").inner_text()
    assert polled, "the page without EventSource should poll for new messages"
    user.locator("#ticket-bar", has_text="已回复").wait_for()
    assert no_horizontal_scroll(user)
    shot(user, "user-4-agent-reply.png")

    user.set_viewport_size(DESK)
    shot(user, "user-5-desktop.png")

    assert not dialogs, f"a message ran as script: {dialogs}"
    assert not errors, f"JavaScript errors: {errors}"
    for ctx in (phone, legacy, desk):
        ctx.close()


def test_unhelpful_answer_and_errors_read_well_on_a_phone(browser, server, tmp_path):
    ctx = browser.new_context(**ON_A_PHONE, device_scale_factor=2)
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url + "/")

    page.locator(".example").nth(1).click()  # a tap on an example question asks it
    answer = page.locator(".msg-assistant:not(.typing)").last
    answer.locator(".cites").wait_for()
    answer.get_by_role("button", name="没用").click()
    answer.locator(".feedback-note", has_text="工作人员会跟进").wait_for()
    notice = page.locator(".msg-system", has_text="工单号")
    notice.wait_for()
    assert re.search(r"T\d{8}-\d{4}", notice.inner_text())
    assert answer.get_by_role("button", name="有用").is_disabled()

    too_long = "请问" * 1100
    page.fill("#ask", too_long)
    page.click("#send")
    error = page.locator(".msg-error").last
    error.wait_for()
    assert "消息太长" in error.inner_text() and "2000" in error.inner_text()
    assert page.input_value("#ask") == too_long  # nothing typed is lost
    assert no_horizontal_scroll(page)
    path = tmp_path / "user-feedback-and-error.png"
    page.screenshot(path=str(path))
    print(f"screenshot: {path}")
    assert not errors, errors
    ctx.close()
