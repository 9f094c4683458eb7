"""A document's 文号, issuer and date, told when a question asks them of a document it names."""

import pytest

from bot.docfacts import DATE, ISSUER, NUMBER, asked_facts, named_document, opening, own_date, statement
from kb.models import Chunk


def _chunk(cid, title, text="……", *, doc_id="d1", ordinal=0, number="财库〔2099〕9号", issuer="财政部 工业和信息化部", date="2099-05-20",
           parents=""):
    return Chunk(id=cid, doc_id=doc_id, source=f"{doc_id}.txt", ordinal=ordinal, kind="text", text=text, section=title,
                 label="", title=title, doc_number=number, issuer=issuer, date=date, parents=parents)


@pytest.mark.parametrize("question, kinds", [
    ("政府采购促进中小企业发展管理办法的文号是多少", (NUMBER,)),
    ("许昌这个春风行动方案是哪个部门发的，文号是多少？", (NUMBER, ISSUER)),
    ("87号令是谁发布的", (ISSUER,)),
    ("需求管理办法是哪年印发的", (DATE,)),
    ("这个通知的发文机关和印发日期分别是什么", (ISSUER, DATE)),
    ("财库〔2019〕38号是谁发的", (ISSUER,)),
])
def test_questions_asking_a_documents_facts_are_recognised(question, kinds):
    assert asked_facts(question) == kinds


@pytest.mark.parametrize("question", [
    "哪个部门发放中小企业补贴",  # 发放 is not issuing a document
    "需求管理办法什么时候开始施行",  # the effective date is a provision of the text
    "投标保证金最多交多少",
    "政府采购信息发布管理办法规定中标公告什么时候发布",  # asked of the announcement, not of the measure
    "按照94号令，投诉处理决定书的文号怎么写",  # a case's paper
    "公平竞争审查的具体实施办法由谁制定？",  # a provision saying who will make the rules
])
def test_other_questions_ask_no_facts(question):
    assert asked_facts(question) == ()


def test_a_document_is_named_by_a_lookup_or_by_enough_of_its_title():
    plan = _chunk("p", "2023年度许昌市优化政府采购营商环境“春风行动”工作方案", number="许财购〔2023〕1号", issuer="许昌市财政局")
    forwarding = _chunk("f", "禹州市财政局关于转发《许昌市财政局<关于印发2023年度许昌市优化政府采购营商环境“春风行动”工作方案的通知>》的通知",
                        number="禹财购〔2023〕3号", issuer="禹州市财政局")
    measure = _chunk("m", "示例中小企业扶持办法", doc_id="d2")
    chunks = [forwarding, plan, measure]
    # both titles hold the plan's name; the shorter one names it more exactly
    assert named_document("许昌这个春风行动方案是哪个部门发的", chunks) is plan
    assert named_document("示例中小企业扶持办法的文号是多少", chunks) is measure
    # a few shared words do not name a document, nor does a case's paper
    assert named_document("春风市政府采购合同签订与资金支付管理办法是哪个部门发的", chunks) is None
    assert named_document("财政局对我们公司投诉的处理决定书文号是多少", chunks) is None
    # a lookup names it whatever the wording
    assert named_document("9号文是谁发的", chunks, named_title="示例中小企业扶持办法") is measure


def test_the_statement_tells_what_is_asked_and_says_what_the_text_lacks():
    measure = _chunk("m", "示例中小企业扶持办法")
    assert statement((NUMBER, ISSUER), measure) == "《示例中小企业扶持办法》文号为财库〔2099〕9号，由财政部、工业和信息化部发布。"
    assert statement((DATE,), measure) == "《示例中小企业扶持办法》文件所载日期为2099年5月20日。"
    law = _chunk("l", "示例采购管理法", number="", issuer="")
    assert statement((NUMBER, ISSUER), law) == "《示例采购管理法》知识库中的文本没有载明文号，知识库中的文本没有载明发文机关。"


def test_the_quoted_passage_is_the_one_that_opens_with_the_header():
    notice = _chunk("n", "关于印发《示例中小企业扶持办法》的通知", "财库〔2099〕9号\n各省、自治区…", ordinal=0)
    article = _chunk("a", "示例中小企业扶持办法", "第一条 ……", ordinal=3)
    assert opening(article, [article, notice]) is notice
    bare = _chunk("b", "示例采购管理法", "第一条 ……", number="", doc_id="d3")
    assert opening(bare, [bare]) is bare


def test_the_sample_assistant_states_a_named_documents_number_and_issuer(sample_assistant):
    reply = sample_assistant.answerer.answer("春风市政府采购合同签订与资金支付管理办法的文号是多少，哪个部门发的")
    first = reply.answer.splitlines()[0]
    assert reply.reason is None and "春财采〔2024〕7号" in first and "春风市财政局" in first, reply.answer
    assert "依据：《春风市政府采购合同签订与资金支付管理办法（示例）》" in reply.answer
    # an ordinary question on the same document is answered from its provisions
    other = sample_assistant.answerer.answer("春风市政府采购合同多少天内要签订")
    assert "文号为" not in other.answer


def test_a_forwarded_notice_does_not_take_the_forwarding_files_date():
    measure = _chunk("m", "示例中小企业扶持办法", parents="关于印发《示例中小企业扶持办法》的通知（财库〔2099〕9号）")
    assert own_date(measure) == "2099-05-20"  # attached to the notice that issued it
    forwarded = _chunk("f", "明湖市示例采购改进方案", number="明财采〔2099〕1号", date="2099-03-08",
                       parents="晴川县财政局关于转发《明湖市财政局关于印发示例采购改进方案的通知》的通知（晴财采〔2099〕2号）；关于印发明湖市示例采购改进方案的通知（明财采〔2099〕1号）")
    assert own_date(forwarded) == ""
    assert statement((DATE,), forwarded) == "《明湖市示例采购改进方案》知识库没有单独记录它的日期，请以原文落款为准。"
