from bot import policy
from bot.disputes import is_dispute
from bot.followup import Topic, is_follow_up, rewrite

TOPIC = Topic("中标通知书发出后多久要签合同？", "中华人民共和国政府采购法", "", "第四十六条")


def test_follow_ups_are_rewritten_with_the_previous_topic():
    assert rewrite("那小微企业呢？", TOPIC) == "小微企业，小微企业，中标通知书发出后多久要签合同？"
    assert rewrite("那小微企业呢？", Topic("中型企业有价格扣除吗？")) == "小微企业有价格扣除吗？"
    assert rewrite("那备案呢？", Topic("合同签订后多久要在网上公开？")) == "合同签订后多久要在网上备案？"
    assert rewrite("这个要多久？", TOPIC).endswith("中标通知书发出后多久要签合同？")
    assert rewrite("第二条呢？", TOPIC) == "《中华人民共和国政府采购法》第二条"
    assert rewrite("那小微企业呢？", None) == "那小微企业呢？"


def test_complete_questions_are_left_alone():
    for q in ["预付款比例是多少", "那政府采购法第二十二条规定了什么", "投标保证金最多交多少，有没有比例限制，怎么退还？"]:
        assert rewrite(q, TOPIC) == q
    assert not is_follow_up("预付款比例是多少")


def test_disputes_about_a_specific_project():
    assert is_dispute("我们投的市一院设备采购项目，评分明显不公平，我要投诉")
    assert is_dispute("我们公司没中标，觉得有暗箱操作，想质疑")
    assert not is_dispute("质疑的期限是多久？")
    assert not is_dispute("采购项目的质疑期限是多久")


def test_handoff_policy_records_a_reason():
    d = policy.decide(asked_for_person=True, dispute=False, answer_reason=None, unhelpful_in_a_row=0)
    assert (d.handoff, d.reason, d.opens_ticket) == (True, "user_request", True)
    d = policy.decide(asked_for_person=False, dispute=True, answer_reason=None, unhelpful_in_a_row=0)
    assert d.reason == "dispute"
    d = policy.decide(asked_for_person=False, dispute=False, answer_reason="low_confidence", unhelpful_in_a_row=1)
    assert d.reason == "low_confidence" and d.opens_ticket
    d = policy.decide(asked_for_person=False, dispute=False, answer_reason="out_of_scope", unhelpful_in_a_row=0)
    assert d.handoff and not d.opens_ticket  # a person is offered, no ticket is opened
    d = policy.decide(asked_for_person=False, dispute=False, answer_reason=None, unhelpful_in_a_row=2)
    assert d.reason == "repeated_unhelpful"
    assert not policy.decide(asked_for_person=False, dispute=False, answer_reason=None, unhelpful_in_a_row=1).handoff
    assert policy.on_feedback(False).reason == "negative_feedback" and not policy.on_feedback(True).handoff
