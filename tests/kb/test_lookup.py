"""Direct lookups resolve documents by title, short title, 文号 and their abbreviations."""

from kb.lookup import ArticleLookup
from kb.models import Chunk


def _chunks():
    out = []
    docs = [
        ("d1", "中华人民共和国政府采购法", ""),
        ("d2", "中华人民共和国政府采购法实施条例", "国务院令第658号"),
        ("d3", "中华人民共和国招标投标法实施条例", "国务院令第613号"),
        ("d4", "政府采购质疑和投诉办法", "财政部令第94号"),
    ]
    for doc_id, title, number in docs:
        for n in (1, 2, 33):
            out.append(Chunk(id=f"{doc_id}-{n}", doc_id=doc_id, source=f"{doc_id}.md", ordinal=n, kind="article",
                             text=f"第{n}条 …", section=f"{title} > 第{n}条", label=f"第{n}条", title=title,
                             doc_number=number, article=n))
    return out


LOOKUP = ArticleLookup(_chunks())


def test_full_and_short_titles_win_by_length():
    assert LOOKUP.find("政府采购法第二条").chunk_ids == ["d1-2"]
    assert LOOKUP.find("政府采购法实施条例第2条").chunk_ids == ["d2-2"]
    assert LOOKUP.find("中华人民共和国招标投标法实施条例第三十三条").chunk_ids == ["d3-33"]


def test_ambiguous_short_name_prefers_the_procurement_document():
    assert LOOKUP.find("实施条例第三十三条").chunk_ids == ["d2-33"]
    assert LOOKUP.find("招标投标法实施条例第三十三条").chunk_ids == ["d3-33"]


def test_abbreviated_titles_and_order_numbers():
    assert LOOKUP.find("质疑投诉办法第二条").chunk_ids == ["d4-2"]
    assert LOOKUP.find("94号令第一条").chunk_ids == ["d4-1"]
    assert LOOKUP.find("658号令第33条").chunk_ids == ["d2-33"]


def test_naming_a_document_without_an_article_only_prefers_it():
    res = LOOKUP.find("政府采购质疑和投诉办法讲了什么")
    assert res.target.doc_id == "d4" and res.chunk_ids == [] and res.article is None
    assert LOOKUP.find("第一百条是什么") is None


def test_a_measure_named_by_a_shortened_title_without_an_article_is_preferred():
    res = LOOKUP.find("质疑投诉办法是什么时候开始施行的")
    assert res.target.doc_id == "d4" and res.chunk_ids == [] and res.alias == "质疑投诉办法"


def test_everyday_words_ending_like_a_title_name_no_document():
    for question in ("有没有什么好办法让采购人快点付款", "你们的处理方案是什么", "投诉办法"):
        assert LOOKUP.find(question) is None, question


def test_a_shortened_title_two_documents_share_names_neither():
    def notice(doc_id, year):
        title = f"关于开展{year}年政府采购专项整治工作的通知"
        return Chunk(id=f"{doc_id}-1", doc_id=doc_id, source=f"{doc_id}.md", ordinal=1, kind="text", text="一、工作重点 …",
                     section=f"{title} > 一、工作重点", label="一、工作重点", title=title, doc_number="")
    lookup = ArticleLookup([notice("n23", 2023), notice("n25", 2025)])
    assert lookup.find("专项整治工作的通知要求抽查几个项目") is None
    assert lookup.find("2025年专项整治工作的通知要求抽查几个项目").target.doc_id == "n25"
