import pytest

from bot.answer import CASE_SPECIFIC, Answerer
from bot.ngram_model import NgramModel
from bot.scope import CASE_TOPIC, ScopeGuard
from bot.values import ACCOUNT, ADDRESS, CONTACT, EMAIL, PHONE, asked_values, holds, unheld


@pytest.mark.parametrize("question, kinds", [
    ("岚江市财政局政府采购监管科电话多少", (PHONE,)),
    ("鹿鸣县采购中心质疑受理窗口电话", (PHONE,)),  # a telephone ending the message is asked for
    ("把采购人的联系方式发我", (PHONE,)),
    ("代理公司的联系方式给我", (PHONE,)),
    ("溪源县公共资源交易中心地址在哪", (ADDRESS,)),
    ("监管科办公室在几楼", (ADDRESS,)),
    ("交易中心的保证金账户是哪个银行的 账号多少", (ACCOUNT,)),
    ("评标结果请发到哪个邮箱，邮箱地址是什么", (EMAIL,)),
    ("那个植保无人机项目的采购人联系人是谁", (CONTACT,)),
    ("市财政局政府采购监管科的电话是多少，办公室在几楼", (PHONE, ADDRESS)),
    ("您好，我司参加了某项目的开标。请问该项目的联系人是谁？电话是多少？", (PHONE, CONTACT)),
])
def test_a_question_asking_for_a_contact_value_is_recognised(question, kinds):
    assert asked_values(question) == kinds


@pytest.mark.parametrize("question", [
    "公告要留联系人电话吗",  # whether a value must be given is a rule
    "质疑函里要不要写公司地址和联系人电话？",
    "招标公告里找不到开标时间和联系人电话，这是公告内容不全吗？",
    "评标专家在评审过程中能不能接听电话？",
    "想举报有人围标串标，应该向哪个部门打电话？",
    "喂？昨天有个供应商打我们办公室电话，说要质疑。我该怎么回他",  # a call made, not a number asked for
    "单一来源公示里没留联系电话，我们想提异议都不知道找谁",
    "我是采购单位经办人，合同签完后多少天内要备案？",  # who is asking, not whom to ask
    "合同融资后采购单位的款项付到哪个账户",  # which account by rule, not its number
])
def test_a_question_about_rules_asks_for_no_value(question):
    assert asked_values(question) == ()


def test_values_are_held_only_by_text_that_contains_them():
    faq = "市级项目的投诉由春风市财政局政府采购监管科受理，受理电话0000-8800123（示例号码）。"
    article = "供应商投诉的事项不得超出已质疑事项的范围，投诉书应当载明投诉人的名称、地址及联系人电话。"
    assert holds(PHONE, faq) and not holds(PHONE, article)
    assert holds(PHONE, "拨打12345政务服务便民热线") and not holds(PHONE, "合同金额4000000元")
    assert holds(ADDRESS, "地址：春风市人民路88号政务中心3楼") and not holds(ADDRESS, article)
    assert holds(ACCOUNT, "账号 6222020200112233445") and not holds(ACCOUNT, "财库〔2020〕46号")
    assert holds(EMAIL, "来信请寄 zfcg@example.gov.cn") and not holds(EMAIL, article)
    assert holds(CONTACT, "联系人：王明，电话0000-1234567") and not holds(CONTACT, article)
    assert unheld(asked_values("投诉电话多少，办公室在几楼"), [article, faq]) == (ADDRESS,)


def test_a_contact_value_no_passage_holds_is_declined_as_one_case(sample_assistant):
    """On the sample knowledge base the supplier FAQ gives the complaints line but no account, address or
    contact person: the first is answered with the number, the others are declined however well their
    words match a passage (before bot.values they were answered from the deposit and complaint articles)."""
    answerer: Answerer = sample_assistant.answerer
    reply = answerer.answer("县采购中心质疑受理窗口电话")
    assert reply.reason is None and "0000-8800123" in reply.answer
    for question in ("春风市公共资源交易中心的保证金账户账号是多少", "采购代理机构的地址在哪", "我们项目的采购人联系人是谁"):
        reply = answerer.answer(question)
        assert reply.reason == "out_of_scope" and reply.extra["topic"] == CASE_TOPIC, question
        assert reply.answer == CASE_SPECIFIC and reply.citations == []


def test_a_held_value_is_answered_whatever_the_learned_checks_make_of_the_question(sample_assistant):
    answerer: Answerer = sample_assistant.answerer
    guard = answerer.scope
    answerer.scope = ScopeGuard({}, ["投诉"], case=NgramModel({"电话": 5.0, "座机": 5.0}, -1.0, 0.5, "test"))
    try:
        held = answerer.answer("监管科的座机号码是多少")  # no passage covers half its words
        control = answerer.answer("昨天接到一个陌生电话说我们中标了让交钱")
    finally:
        answerer.scope = guard
    # answered, and the answering sentence (the reply's first line) is one that gives a number
    assert held.reason is None and holds(PHONE, held.answer.splitlines()[0])
    assert control.reason == "out_of_scope" and control.extra["topic"] == CASE_TOPIC
