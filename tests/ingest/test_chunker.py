from ingest.chunker import Chunker, DocInfo
from ingest.clean import clean_text
from ingest.structure import parse
from tests.fixtures.texts import CAIKU_NOTICE, FORWARDED_PLAN, LONG_ARTICLE_PARAGRAPHS, law_md

DOC = DocInfo(doc_id="doc1", source="x.txt", title="文件标题", doc_number="", issuer="", date="2099-01-01", jurisdiction="city")


def chunks_of(text, **kw):
    return Chunker(**kw).run(parse(clean_text(text)), DOC)


def test_every_article_is_one_chunk_with_its_section_path():
    chunks = [c for c in chunks_of(law_md(), max_chars=2000) if c.kind == "article"]
    assert [c.article for c in chunks] == [1, 2, 3, 4, 5, 6]
    c3 = chunks[2]
    assert c3.section == "示例采购管理法 > 第二章 采购程序 > 第三条"
    assert c3.label == "第三条" and c3.title == "示例采购管理法" and c3.headings == "第二章 采购程序"
    assert c3.citation_name() == "《示例采购管理法》第三条"


def test_short_article_is_never_split_and_long_one_is_split_with_overlap_and_labels():
    chunks = chunks_of(law_md(), max_chars=400)
    art4 = [c for c in chunks if c.article == 4]
    assert len(art4) == 1 and "（三）拒绝接受监督检查的。" in art4[0].text
    art5 = [c for c in chunks if c.article == 5]
    assert len(art5) >= 2
    assert all(c.group and c.group == art5[0].group for c in art5)
    assert [c.part for c in art5] == list(range(1, len(art5) + 1)) and all(c.parts == len(art5) for c in art5)
    assert art5[0].label == f"第五条（第1/{len(art5)}部分）"
    # nothing is lost: every paragraph's sentences appear somewhere
    joined = "".join(c.text for c in art5)
    for paragraph in LONG_ARTICLE_PARAGRAPHS:
        assert paragraph[:30] in joined
    # consecutive parts overlap: the next part starts with the end of the previous one
    for prev, nxt in zip(art5, art5[1:]):
        assert prev.text.endswith(nxt.text.splitlines()[0])


def test_plan_items_table_rows_and_parent_numbers():
    chunks = chunks_of(FORWARDED_PLAN)
    items = {c.label: c for c in chunks if c.kind == "item"}
    c1 = items["1. 加快合同签订"]
    assert c1.section.endswith("明湖市示例采购改进方案 > 二、主要任务 > （一）压缩办理时间 > 1. 加快合同签订")
    assert c1.doc_number == "明财采〔2099〕1号" and c1.title == "明湖市示例采购改进方案"
    assert "晴财采〔2099〕2号" in c1.parents and "明财采〔2099〕1号" in c1.parents
    assert c1.issuer == "明湖市财政局"
    rows = [c for c in chunks if c.kind == "row"]
    assert len(rows) == 4
    assert rows[0].label == "第1行（加快合同签订）" and rows[0].text.startswith("序号：1\n主要任务：加快合同签订")
    assert "一、压缩办理时间" in rows[0].section


def test_chunk_ids_are_deterministic_and_unique():
    a = chunks_of(law_md())
    b = chunks_of(law_md())
    assert [c.id for c in a] == [c.id for c in b]
    assert len({c.id for c in a}) == len(a)
    changed = chunks_of(law_md().replace("二十日内", "十五日内"))
    assert len({c.id for c in a} - {c.id for c in changed}) == 1


def test_attached_measure_chunks_cite_the_measure_with_the_notice_number():
    chunks = chunks_of(CAIKU_NOTICE)
    art3 = next(c for c in chunks if c.article == 3)
    assert art3.title == "示例中小企业扶持办法" and art3.doc_number == "财库〔2099〕9号"
    assert art3.citation_name() == "《示例中小企业扶持办法》第三条（财库〔2099〕9号）"
    assert "关于印发《示例中小企业扶持办法》的通知" in art3.section


def test_a_notice_opens_with_its_red_header_and_number_so_they_can_be_quoted():
    openings = [c for c in chunks_of(FORWARDED_PLAN) if c.kind == "text" and not c.headings]
    forwarding, issued = openings[0], openings[1]
    assert forwarding.text.startswith("晴川县财政局文件\n晴财采〔2099〕2号\n各预算单位：")
    assert issued.text.startswith("明湖市财政局文件\n明财采〔2099〕1号\n各县（区）财政局")
    # a notice without a red header opens with its number only, said once
    notice = next(c for c in chunks_of(CAIKU_NOTICE) if c.kind == "text")
    assert notice.text.startswith("财库〔2099〕9号\n各省") and notice.text.count("财库〔2099〕9号") == 1
    # articles stay as they are
    assert all(not c.text.startswith("财库") for c in chunks_of(CAIKU_NOTICE) if c.kind == "article")
