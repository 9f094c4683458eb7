import pytest

from bot import intents
from bot.ngram_model import NgramModel
from kb.cues import DEFINITION, NUMBER, PENALTY, PERMISSION, TIME, question_types, sentence_cue


@pytest.mark.parametrize(
    "text",
    ["转人工", "我要人工客服", "帮我找一下工作人员", "能不能让人打电话给我", "我想跟真人聊聊", "机器人听不懂，帮我转人工",
     "你们电话多少，让人联系我", "请工作人员联系我", "能不能安排专人对接一下", "我想当面咨询", "不想跟机器人说了",
     "找你们领导", "智能客服答非所问", "有没有人工", "客服在吗", "我要投诉你们的服务态度",
     "让你们的人打个电话过来", "我想跟人聊聊",
     # a bare person word is the commonest request of all
     "人工", "客服！", "人工。", "人工人工", "客服，客服", "真人", "找客服", "转客服吧", "话务员", "请转接话务员",
     "我不想再问机器人了，找个人来", "有没有人能直接跟我讲",
     "请安排一位业务老师跟我对接一下", "这个机器回答不了，我要找人", "接线员在吗",
     # the person wanted may be described, or be someone we put the caller through to
     "我要找你们单位的负责人", "麻烦给我找个值班的工作人员", "帮我联系一下负责政府采购的同志", "帮我联系财政局的工作人员",
     "请问负责人在吗",
     # a message that opens with a call for a person, repeated or followed only by a complaint
     "客服客服！你这回答完全不对", "人工，我的问题还没解决", "有没有懂行的工作人员能接一下电话",
     # one character, pinyin, presence checks, titles
     "人", "rengong", "zhuan ke fu", "有人在吗", "hello 有人吗", "客服 在吗 在吗", "张处长在吗", "李老师在不在", "有人值班吗",
     "人工电话是多少",
     # a person described by what they can do, fetched, put through, or met
     "让管事的人跟我说", "有没有能做主的人", "找个具体负责的同志对接一下", "我想跟经办的老师面谈一下", "叫个人出来",
     "你给俺叫个人打电话", "帮我转接一下采购科", "把我转到财政局", "能不能有人联系我一下",
     # a service asked of the person comes after it
     "哪位老师方便接个电话", "值班的老师可以帮我看看这份合同吗", "我想当面见见你们处长",
     # turning down automatic answers
     "不要机器人回答，我要问人", "别给我念政策了", "这机器人说了半天我还是没搞懂"],
)
def test_requests_for_a_person(text):
    assert intents.classify(text) == intents.HANDOFF


@pytest.mark.parametrize(
    "text", ["采购工作人员可以收供应商的礼品吗？", "评审专家是怎么抽取的", "中标后多久签合同", "客服电话是不是政府采购的一部分规定",
             "人工费能算进投标报价吗", "客服外包项目怎么采购", "找个人担保可以吗",
             "验收合格了，对方说换了新领导、科室在调整，钱要往后压一压，这样可以吗？",
             "发票开过去了，规定收到发票以后几天之内要把钱打过来？", "大集团拖着货款不付，这种有没有人管？",
             # a procurement party's staff, or the one asked about, is the subject, not whom the user wants
             "采购单位一直不理我们，我该找哪个部门的负责人反映？", "代理机构的工作人员私下向我们要好处费，我要去哪里举报？",
             "中标后采购人的科长要求我们请他吃饭，该怎么办？",
             # addressing the assistant as 客服 and asking; a party that does not answer the phone
             "客服，请问质疑期限是多久", "对方经理一直不接电话，我能投诉吗", "客服您好，想问一下质疑要在几天内提出？",
             "有人打电话说我们中标了，这是真的吗", "项目负责人中标后能换人吗", "评审人员要回避吗", "投标文件要留联系电话吗",
             "整个人都懵了，这个废标理由合法吗", "采购人的经办人不接电话怎么办"]
)
def test_questions_that_mention_people_are_questions(text):
    assert intents.classify(text) == intents.QUESTION


@pytest.mark.parametrize(
    "text",
    [  # English, homophones typed by mistake, pinyin with a lead-in
     "human please", "Please transfer me to a human agent.", "talk to a human", "customer service pls", "operator",
     "仁工", "转入工", "人公", "wo yao ren gong",
     # someone sent to deal with it, at the end of a complaint
     "代理机构收了标书费不给发票，这个你们找人管一管", "系统一直报错，投标截止还有一小时，急！找技术人员来",
     "采购人让我们先垫资，需要有人出面协调", "你答的跟我问的有关系吗？换人", "我要人跟我讲", "领导让我找你们领导",
     # someone on duty, or to be met
     "坐席什么时候有空", "请问现在有客服在岗吗", "明天上午能不能有人接待我一下", "周六能约到人吗",
     # a reminder of a promised call
     "上次说有人回电话怎么还没打来？", "刚才那位客服还在吗", "转接以后就没下文了，人呢",
     # formal requests to be contacted
     "烦请安排相关负责同志与我司联系", "恳请贵单位派员现场指导", "望贵中心指定专人受理并与我方沟通"],
)
def test_request_families_are_recognised_by_the_rules_alone(text):
    assert intents.classify(text, NgramModel()) == intents.HANDOFF


@pytest.mark.parametrize(
    "text",
    ["采购人工客服外包服务属于服务类采购吗？", "政府采购人工智能算力服务需要走框架协议吗？", "购买人工智能软件需要进口产品论证吗",
     "公共服务热线的人工坐席服务能否采用框架协议采购？", "售后要求7×24小时人工客服，可以作为实质性要求吗？",
     "采购人工作人员与供应商有亲属关系需要回避吗", "人工审核电子卖场商品一般要多久", "找人担保可以吗",
     "供应商可以要求采购人派员参加验收吗",
     # the asker's own boss sent them to ask
     "政府采购讲究哪几条基本原则？领导让我写个材料要用", "领导叫我来问问，投标保证金最多收多少",
     # in the asker's story a person word is who wants something, not whom the asker wants
     "我们单位要买一批电脑。领导想找一家熟悉的代理机构来办，不走集采中心，这样可以吗？",
     "我们代理公司帮一个局办公开招标。领导问开标评标现场要不要全程录音录像？",
     "校领导想直接请编制需求的咨询公司的专家来审，行不行？",
     # 要 inside a title (主要领导) is no wish; the tenderer's staff calling "us" is part of the story
     "局里主要领导和分管领导都签字同意了，这笔钱多久能付下来？",
     "定标前招标人的工作人员私下联系我方，让我们再降5%，请问定标前能谈价格吗"],
)
def test_services_bought_and_staff_asked_about_are_questions(text):
    assert intents.classify(text, NgramModel()) == intents.QUESTION


def test_small_talk():
    assert intents.classify("你好") == intents.GREETING
    assert intents.classify("谢谢！") == intents.THANKS
    assert intents.classify("   ") == intents.EMPTY


def test_question_types_and_sentence_cues():
    assert TIME in question_types("中标后多久要签合同？")
    assert PERMISSION in question_types("采购人可以收保证金吗")
    assert NUMBER in question_types("保证金最多交多少")
    assert DEFINITION in question_types("什么是框架协议采购")
    assert sentence_cue("应当自中标通知书发出之日起30日内签订合同。", {TIME}) == 1.0
    assert sentence_cue("采购人应当组织验收。", {TIME}) == 0.0
    assert sentence_cue("投标保证金不得超过采购项目预算金额的2%。", {NUMBER, PERMISSION}) == 1.0


def test_a_sentence_that_only_hints_at_the_answer_kind_counts_half():
    # "是指" defines; "包括" merely lists what a thing covers
    assert sentence_cue("封闭式框架协议采购是指通过公开竞争订立框架协议。", {DEFINITION}) == 1.0
    assert sentence_cue("框架协议采购包括封闭式和开放式两种。", {DEFINITION}) == 0.5
    # a time limit names a span; "及时" only asks for speed
    assert sentence_cue("采购人应当在二十日内退还。", {TIME}) == 1.0
    assert sentence_cue("采购人应当及时退还。", {TIME}) == 0.5
    # "不超过" without a figure is a bound in words only
    assert sentence_cue("不超过采购预算。", {NUMBER}) == 0.5
    assert sentence_cue("退还保证金。", {DEFINITION, TIME}) == 0.0


def test_a_question_about_consequences_wants_the_penalty():
    assert PENALTY in question_types("几家公司串通报价，被查出来会怎么处理？")
    assert PENALTY in question_types("提供虚假材料有什么后果")
    assert PENALTY not in question_types("中标后多久签合同")
    assert sentence_cue("处以采购金额千分之五以上千分之十以下的罚款，列入不良行为记录名单。", {PENALTY}) == 1.0
    assert sentence_cue("中标无效。", {PENALTY}) == 1.0
    assert sentence_cue("由财政部门责令限期改正。", {PENALTY}) == 0.5  # an order to correct, no sanction named
    assert sentence_cue("供应商应当提交投标文件。", {PENALTY}) == 0.0
