import copy

import pytest

from bot.ngram_model import NgramModel
from bot.scope import ScopeGuard
from chunfeng.errors import ConfigError


@pytest.mark.parametrize("question, category", [
    ("社保断缴了怎么补", "社保医保"), ("房东不退租房押金", "住房物业"), ("快递丢了去哪投诉", "消费维权"),
    ("营业执照丢了怎么补办", "市场监管"), ("宅基地纠纷找谁", "自然资源农业"), ("路灯坏了没人修", "城市管理"),
    # the hotline's everyday services
    ("搬家公司把我家具弄坏了不肯赔", "家政服务"), ("邮局把我的包裹寄丢了", "邮政快递"), ("孩子在学校被人打了找谁", "公安治安"),
    ("接到中奖短信让我先交钱", "反诈"), ("车险理赔太慢了", "金融保险"),
    # near-misses: a payment dispute between private parties, an individual's tax threshold
    ("给私人老板装修完了尾款不给", "民间纠纷"), ("两家私营公司之间拖欠货款怎么办", "民间纠纷"),
    ("小规模纳税人一个月开票多少免增值税", "税务发票"),
])
def test_everyday_topics_are_recognised_by_category(question, category):
    assert ScopeGuard.load().off_topic(question).category == category


def test_everyday_words_do_not_fire_inside_business_wording():
    """Words chosen so that no substring of ordinary policy wording trips them (家政 ⊂ 国家政策,
    年假 ⊂ 今年假如, 保单 ⊂ 担保单位, 被打 ⊂ 被打回来): these unanchored questions stay in scope."""
    g = ScopeGuard.load()
    for question in (
        "国家政策对小微企业有什么扶持",
        "今年假如预算没批下来，单位还能先让我们供货吗",
        "担保单位出具的保函能代替保证金吗",
        "我们的付款申请被打回来了，说要等审计",
        "保证金退到银行卡要多久",
        "街道让我们赞助两万块搞活动，必须交吗",
    ):
        assert g.off_topic(question) is None, question


def test_procurement_anchor_wins_over_everyday_words():
    g = ScopeGuard.load()
    assert g.off_topic("医院采购设备要公开招标吗") is None
    assert g.off_topic("学校的物业服务项目能用竞争性磋商吗") is None
    assert g.off_topic("政府单位拖欠中小企业的货款怎么办") is None
    # 采购 said of an institution or a project is procurement; said of a household it is not
    assert g.off_topic("学校的物业管理用什么方式采购") is None
    assert g.off_topic("残疾人福利性单位参加采购有优惠吗") is None
    assert g.off_topic("家里的物业费怎么交") is not None
    # a public body buying for the public is procurement said plainly; a household buying is not
    assert g.off_topic("街道给老人买的居家养老服务，验收的时候就单位自己签个字吗？") is None
    assert g.off_topic("家里给老人买了养老服务怎么退") is not None


def test_anchor_patterns_come_from_the_data_file(tmp_path):
    (tmp_path / "offtopic.tsv").write_text("住房\t物业\n", encoding="utf-8")
    (tmp_path / "anchors.txt").write_text("re:(单位|项目).{0,12}采购\n", encoding="utf-8")
    g = ScopeGuard.load(tmp_path)
    assert g.off_topic("单位的物业服务怎么采购") is None
    assert g.off_topic("物业费太贵") is not None


def test_guard_reads_its_data_files(tmp_path):
    (tmp_path / "offtopic.tsv").write_text("# c\n宠物\t猫|狗\n", encoding="utf-8")
    (tmp_path / "anchors.txt").write_text("政府采购\n", encoding="utf-8")
    g = ScopeGuard.load(tmp_path)
    assert g.off_topic("猫丢了").category == "宠物" and g.off_topic("政府采购买猫粮") is None


def test_a_decisive_category_declines_even_with_procurement_words(tmp_path):
    (tmp_path / "offtopic.tsv").write_text("住房\t物业\n!业主自治\t业委会\n", encoding="utf-8")
    (tmp_path / "anchors.txt").write_text("招标\n", encoding="utf-8")
    g = ScopeGuard.load(tmp_path)
    hit = g.off_topic("业委会招标选物业公司怎么投票")
    assert hit is not None and hit.category == "业主自治"  # shown without the "!" marker
    assert g.off_topic("物业服务招标要几天") is None  # an ordinary category still yields to the anchor
    shipped = ScopeGuard.load()
    assert shipped.off_topic("我们小区业委会要招标选物业，怎么组织投票？").category == "业主自治"
    assert shipped.off_topic("招标采购职业资格考试怎么报名？").category == "职业资格考试"
    # 业主 alone is also a construction project's owner (招标投标法), so it names no everyday topic
    assert shipped.off_topic("业主拖欠工程款不给，我们施工单位怎么办") is None


def test_a_broken_anchor_pattern_names_the_line_and_the_fix(tmp_path):
    (tmp_path / "offtopic.tsv").write_text("住房\t物业\n", encoding="utf-8")
    (tmp_path / "anchors.txt").write_text("re:(单位|项目\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"re:\(单位\|项目.*正则表达式"):
        ScopeGuard.load(tmp_path)


def test_the_answerer_holds_back_an_everyday_question_that_only_shares_words(sample_assistant):
    """kb.domain + bot.confidence: a private dispute matches the sample texts well enough for the
    confidence model, but none of its words is procurement vocabulary, and it has no anchor."""
    answerer = sample_assistant.answerer
    question = "装修公司收了定金不干活怎么办？"
    result = answerer.search(question)
    assert answerer.confidence.confident(answerer.confidence.score(result))  # the model alone would answer
    assert result.domain_share < answerer.confidence.min_domain_share
    guard = answerer.scope
    answerer.scope = copy.copy(guard)  # the floor alone, without the learned checks
    answerer.scope.everyday, answerer.scope.anchored_checks = NgramModel(), ()
    try:
        reply = answerer.answer(question)
    finally:
        answerer.scope = guard
    assert reply.handoff and reply.reason == "low_confidence" and "没有找到" in reply.answer
