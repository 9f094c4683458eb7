"""Mechanisms of ranking: glossary alternatives count as the word, glued words are repaired,
coverage is IDF-weighted and looks at headings separately."""

import pytest

from kb.models import Chunk
from kb.retrieve import HybridRetriever, Term
from kb.textnorm import normalize


def test_a_term_is_found_through_its_glossary_alternatives():
    t = Term("押金", ("押金", "保证金"), 2.0, True)
    assert t.found_in("不得收取投标保证金") and not t.found_in("不得收取费用")


def test_colloquial_words_are_weighted_by_the_policy_words_they_stand_for(retriever):
    terms = {t.text: t for t in retriever.search("签合同要几天", k=3).terms}
    assert "签合同" in terms and terms["签合同"].known  # unknown to the index, known through 签订合同
    assert "签订" in " ".join(terms["签合同"].alternatives)


def test_words_glued_to_a_function_character_are_repaired(retriever):
    keyword = retriever.kb.keyword_index()
    assert retriever._resegment("内签", keyword) == ["签"]  # 几天内签 → 签 (a glossary key)
    assert retriever._resegment("合同", keyword) == ["合同"]  # known words stay as they are


def test_coverage_is_idf_weighted_and_headings_count_separately():
    c = Chunk(id="x", doc_id="d", source="s", ordinal=0, kind="article", text="采购人应当在二十日内签订合同。",
              section="示例法 > 第三条", label="第三条", title="示例法", headings="第二章 采购程序")
    terms = [Term("签订", ("签订",), 3.0, True), Term("程序", ("程序",), 1.0, True), Term("罚款", ("罚款",), 1.0, True)]
    body, head = HybridRetriever._coverage(c, terms)
    assert body == pytest.approx(4 / 5) and head == pytest.approx(1 / 5)


def test_ranking_signals_are_bounded(retriever):
    for hit in retriever.search("中标以后多久签合同", k=5).hits:
        for name in ("coverage", "heading_coverage", "sentence_coverage", "focus_coverage", "bigram_coverage", "cue", "word_rr", "bigram_rr"):
            assert 0.0 <= hit.signals[name] <= 1.0, name
        assert 0.0 < hit.score < 1.0


def test_sentence_coverage_rewards_the_asked_things_stated_together():
    terms = [Term("投标", ("投标",), 1.0, True), Term("保证金", ("保证金", "押金"), 2.0, True), Term("退还", ("退还",), 3.0, True)]
    together = normalize("第一条 总则。采购人应当在五日内退还投标保证金。")
    apart = normalize("第二条 投标人应当交纳保证金。\n(一)采购人退还相关材料。")
    # both passages hold every word, but only one says them in one sentence
    assert all(t.found_in(together) and t.found_in(apart) for t in terms)
    assert HybridRetriever._focus(together, terms)[0] == pytest.approx(1.0)
    assert HybridRetriever._focus(apart, terms)[0] == pytest.approx(3 / 6)  # the list item (一) is a sentence of its own


def test_focus_coverage_looks_at_the_rarest_third_of_the_question():
    terms = [Term(w, (w,), idf, True) for w, idf in (("采购", 0.5), ("合同", 1.0), ("折旧", 6.0), ("年限", 4.0), ("设备", 1.5), ("规定", 0.2))]
    # the top third by weight: 折旧 and 年限
    assert HybridRetriever._focus("可以依法缩短折旧年限", terms)[1] == pytest.approx(1.0)
    assert HybridRetriever._focus("采购合同和设备的规定", terms)[1] == 0.0
    assert HybridRetriever._focus("缩短年限", terms)[1] == pytest.approx(4 / 10)
    assert HybridRetriever._focus("任何文字", []) == (0.0, 0.0)


def test_the_words_naming_a_document_count_as_found_in_its_passages(retriever):
    # "9号文" names 财库〔2099〕9号; both it and the sample law say when they take effect
    hits = {(h.chunk.source, h.chunk.label): h for h in retriever.search("9号文什么时候开始施行", k=10).hits}
    named, other = hits[("caiku-notice.txt", "第五条")], hits[("sample-law.md", "第六条")]
    assert named.signals["doc_named"] == 1.0 and other.signals["doc_named"] == 0.0
    assert named.signals["coverage"] > other.signals["coverage"] + 0.2
    assert retriever.search("9号文什么时候开始施行", k=1).hits[0].chunk.label == "第五条"
