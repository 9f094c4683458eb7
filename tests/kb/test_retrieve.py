"""Hybrid retrieval over a real knowledge base: lookups, glossary, filters, structure."""

import pytest

from kb.retrieve import Filters


def top(retriever, q, **kw):
    return retriever.search(q, k=5, **kw).hits


@pytest.mark.parametrize(
    "question, source, label",
    [
        ("示例采购管理法第三条", "sample-law.md", "第三条"),
        ("示例采购管理法第4条讲了什么", "sample-law.md", "第四条"),
        ("财库〔2099〕9号第三条", "caiku-notice.txt", "第三条"),
        ("9号文第四条", "caiku-notice.txt", "第四条"),
        ("示例中小企业扶持办法第二条", "caiku-notice.txt", "第二条"),
    ],
)
def test_direct_lookups_pin_the_named_provision(retriever, question, source, label):
    hit = top(retriever, question)[0]
    assert (hit.chunk.source, hit.chunk.label) == (source, label) and hit.signals["lookup"] == 1.0


def test_lookup_of_a_missing_article_does_not_invent_one(retriever):
    hits = top(retriever, "示例采购管理法第九十九条")
    assert not any(h.signals["lookup"] for h in hits)


def test_colloquial_question_finds_the_provision(retriever):
    hits = top(retriever, "中标了多久要签合同？")
    assert hits[0].chunk.source == "sample-law.md" and hits[0].chunk.article == 3


def test_glossary_expansion_is_applied(retriever):
    res = retriever.search("交押金吗", k=5)
    assert "保证金" in res.expansions
    assert any("保证金" in h.chunk.text for h in res.hits[:3])


def test_filters_by_document_jurisdiction_and_date(retriever):
    docs = {d.source: d for d in retriever.kb.documents()}
    law = docs["sample-law.md"]
    hits = top(retriever, "签订合同", filters=Filters(doc_ids=frozenset({law.doc_id})))
    assert hits and all(h.chunk.source == "sample-law.md" for h in hits)
    hits = top(retriever, "保证金", filters=Filters(jurisdictions=frozenset({"national"})))
    assert hits and all(h.chunk.jurisdiction == "national" for h in hits)
    hits = top(retriever, "保证金", filters=Filters(date_from="2099-05-01", date_to="2099-05-31"))
    assert hits and all(h.chunk.date.startswith("2099-05") for h in hits)
    assert top(retriever, "保证金", filters=Filters(date_from="2200-01-01")) == []


def test_unknown_words_are_reported_for_confidence(retriever):
    res = retriever.search("明天会下雨吗", k=5)
    assert res.unknown_share > 0.9
    res = retriever.search("采购人收取保证金", k=5)
    assert res.unknown_share == 0.0


@pytest.mark.parametrize(
    "question, low",
    [("孩子出生了生育津贴怎么领", True), ("下水道堵了找谁", True), ("投标保证金最多交多少", False)],
)
def test_everyday_questions_have_a_low_domain_share(retriever, question, low):
    """kb.domain: the share of a question that is procurement vocabulary."""
    share = retriever.search(question, k=3).domain_share
    assert (share < 0.2) == low, share
