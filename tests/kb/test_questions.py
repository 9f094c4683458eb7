"""The question bank (kb.questions): reading, attaching to passages, its index, and what it does to
retrieval over a real knowledge base."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chunfeng.errors import ConfigError
from kb.glossary import Glossary
from kb.models import Chunk
from kb.questions import NO_DOCUMENT, NO_EVIDENCE, BankEntry, Neighbours, QuestionIndex, attach, builtin_bank, read_bank
from kb.ranking import BANK_FEATURES
from kb.retrieve import Filters, HybridRetriever
from kb.tokenize import Tokenizer
from tests.kb.helpers import ingest, open_kb, write_corpus


def write_bank(folder: Path, name: str, rows: list[dict | str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows]
    (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def chunk(cid: str, text: str, title: str = "示例采购管理法", source: str = "sample-law.md") -> Chunk:
    return Chunk(id=cid, doc_id="d1", source=source, ordinal=0, kind="article", text=text, section="", label="", title=title,
                 doc_number="", headings="", parents="", article=None, group="", part=0, parts=0, issuer="", date="", jurisdiction="national")


ROW = {"document": "示例采购管理法", "evidence": "提供虚假材料的", "question": "造假的公司还能来投标吗？"}


# -- reading -------------------------------------------------------------------------------------
def test_reads_every_jsonl_file_of_a_folder_in_order(tmp_path):
    folder = write_bank(tmp_path, "b.jsonl", [ROW])
    write_bank(folder, "a.jsonl", ["", {**ROW, "question": "第二个问题是什么呢"}])
    (folder / "notes.txt").write_text("不是问题库", encoding="utf-8")
    entries = read_bank([folder])
    assert [e.question for e in entries] == ["第二个问题是什么呢", "造假的公司还能来投标吗？"]
    assert entries[0].origin == "a.jsonl:2" and entries[1].origin == "b.jsonl:1"


@pytest.mark.parametrize(
    "line, says",
    [
        ('{"document": "示例采购管理法", "evidence": ', "第 1 行不是合法的 JSON"),
        (json.dumps({"document": "示例采购管理法", "question": "造假能投标吗"}), "缺少字段 evidence"),
        (json.dumps({**ROW, "question": "  "}), "缺少字段 question"),
        (json.dumps({**ROW, "evidence": "虚假"}), "太短"),
        ('["not", "an", "object"]', "缺少字段 document, evidence, question"),
    ],
)
def test_a_malformed_line_names_the_file_line_and_fix(tmp_path, line, says):
    write_bank(tmp_path, "bad.jsonl", [line])
    with pytest.raises(ConfigError) as err:
        read_bank([tmp_path])
    assert says in err.value.message and "bad.jsonl" in err.value.message


def test_a_file_saved_with_a_bom_reads_like_any_other(tmp_path):
    (tmp_path / "bom.jsonl").write_text(json.dumps(ROW, ensure_ascii=False) + "\n", encoding="utf-8-sig")
    assert [e.question for e in read_bank([tmp_path])] == [ROW["question"]]


def test_a_missing_folder_says_which_setting_to_check(tmp_path):
    with pytest.raises(ConfigError, match="CHUNFENG_QUESTION_BANK"):
        read_bank([tmp_path / "nowhere"])


# -- attaching -----------------------------------------------------------------------------------
def test_entries_attach_by_title_or_file_name_ignoring_whitespace_and_width():
    chunks = [
        chunk("c4", "第四条 供应商有下列情形之一的，不得参加：\n（一）提供虚假\n材料的；"),
        chunk("c3", "第三条 采购人应当在中标通知书发出之日起二十日内签订合同。"),
    ]
    entries = [
        BankEntry("示例采购管理法", "提供 虚假材料的", "造假的公司还能来投标吗", "t:1"),
        BankEntry("sample-law.md", "二十日内签订合同", "中标后多久签合同", "t:2"),
        BankEntry("示例采购管理法", "二十日内签订合同", "合同要几天内签", "t:3"),
        BankEntry("示例采购管理法", "三十日内支付款项", "多久付款", "t:4"),
        BankEntry("另一部法", "二十日内签订合同", "合同多久签", "t:5"),
    ]
    result = attach(entries, chunks)
    assert {cid: [e.question for e in es] for cid, es in result.questions.items()} == {
        "c4": ["造假的公司还能来投标吗"], "c3": ["中标后多久签合同", "合同要几天内签"]}
    assert [(e.origin, why) for e, why in result.unattached] == [("t:4", NO_EVIDENCE), ("t:5", NO_DOCUMENT)]
    assert result.per_document(entries) == {"示例采购管理法": (2, 3), "sample-law.md": (1, 1), "另一部法": (0, 1)}


def test_the_index_matches_questions_by_their_bigrams_and_words():
    tok = Tokenizer()
    entry = lambda q, ev: BankEntry("示例采购管理法", ev, q, "t")  # noqa: E731
    index = QuestionIndex({"c4": [entry("造假的公司还能来投标吗", "提供虚假材料的"), entry("弄虚作假被查出来怎么办", "拒绝接受监督检查的")],
                           "c3": [entry("中标后多久签合同", "二十日内签订合同")]}, tok.tokens, tok.query_bigrams)
    assert len(index) == 2 and index.size == 3
    q = set(tok.query_bigrams("公司造假还能投标吗"))
    assert index.match("c4", q) > 0.5 and index.match("c3", q) == 0.0 and index.match("nope", q) == 0.0
    assert index.best("c4", q) == (index.match("c4", q), "提供虚假材料的")  # the evidence of the question that matched
    assert index.best("c3", q) == (0.0, "")
    ids, scores = index.search(tok.tokens("造假 投标"), 5)
    assert ids == ["c4"] and scores["c4"] > 0
    assert index.search(tok.tokens("造假 投标"), 5, accepts=lambda cid: cid != "c4")[0] == []
    assert index.questions("c4")[0] == "造假的公司还能来投标吗"


def test_neighbours_vote_by_their_share_of_the_score_and_keep_each_passage_s_nearest():
    # scores 4, 3, 2, 1 (best first): c1 holds 4 + 1 of 10, c2 holds 3 + 2
    n = Neighbours.of([("c1", 4.0), ("c2", 3.0), ("c2", 2.0), ("c1", 1.0)])
    assert n.vote == pytest.approx({"c1": 0.5, "c2": 0.5})
    assert n.nearest == pytest.approx({"c1": 1.0, "c2": 0.75})
    # two middling questions of one passage outvote a single better one of another
    n = Neighbours.of([("c1", 5.0), ("c2", 4.0), ("c2", 4.0)])
    assert n.vote["c2"] > n.vote["c1"] and n.nearest["c1"] > n.nearest["c2"]
    assert Neighbours.of([]) == Neighbours({}, {})


def test_the_index_finds_the_nearest_single_questions():
    tok = Tokenizer()
    entry = lambda q: BankEntry("示例采购管理法", "x", q, "t")  # noqa: E731
    index = QuestionIndex({"c4": [entry("造假的公司还能来投标吗"), entry("弄虚作假的供应商还能投标吗")],
                           "c3": [entry("中标后多久签合同"), entry("投标保证金什么时候退")]}, tok.tokens, tok.query_bigrams)
    n = index.neighbours(tok.tokens("造假公司能投标吗"))
    assert n.nearest["c4"] == 1.0 and n.vote["c4"] > n.vote.get("c3", 0.0)
    assert sum(n.vote.values()) == pytest.approx(1.0)
    assert index.neighbours(tok.tokens("造假公司能投标吗"), n=1).vote == {"c4": 1.0}
    assert index.neighbours([]) == Neighbours({}, {})
    found = index.query(tok.tokens("造假公司能投标吗"), 5)
    assert found.ranked[0] == "c4" and found.relative["c4"] == 1.0 and found.reciprocal_rank("c4") == 1.0
    assert found.neighbours == n and found.reciprocal_rank("nope") == 0.0
    assert all(0 < v <= 1 for v in found.relative.values())
    assert QuestionIndex({}, tok.tokens, tok.query_bigrams).neighbours(tok.tokens("投标")) == Neighbours({}, {})


# -- retrieval -----------------------------------------------------------------------------------
# The sample law's 第四条 says "提供虚假材料的 … 不得参加"; the question below shares none of its
# content words, so only a bank question in the same everyday words can lead to it.
QUESTION = "弄虚作假被抓到过的公司还能来竞标吗？"


@pytest.fixture(scope="module")
def sample_kb(tmp_path_factory):
    root = tmp_path_factory.mktemp("bankkb")
    kb = open_kb(root / "kb")
    ingest(kb, write_corpus(root / "corpus"))
    return kb


def rank_of_article_4(retriever, question=QUESTION, **kw):
    hits = retriever.search(question, k=10, **kw).hits
    return next((i for i, h in enumerate(hits, 1) if h.chunk.source == "sample-law.md" and h.chunk.article == 4), None)


def test_a_bank_question_leads_an_everyday_question_to_its_provision(sample_kb):
    bank = [BankEntry("示例采购管理法", "提供虚假材料的", "以前弄虚作假被抓到的公司，还能不能参加竞标？", "t:1")]
    with_bank = HybridRetriever(sample_kb, Glossary.load(), questions=bank)
    without = HybridRetriever(sample_kb, Glossary.load())
    assert rank_of_article_4(with_bank) == 1
    assert rank_of_article_4(without) != 1  # the control: the words alone do not get there
    hit = with_bank.search(QUESTION, k=1).hits[0]
    assert hit.signals["bank_match"] > 0.5 and hit.signals["bank_rr"] == 1.0
    assert hit.signals["bank_bm25"] == 1.0 and hit.signals["bank_vote"] == 1.0 and hit.signals["bank_nearest"] == 1.0
    other = with_bank.search(QUESTION, k=10).hits[1]  # a passage no bank question speaks for
    assert all(other.signals[f] == 0.0 for f in BANK_FEATURES)


def test_the_bank_search_obeys_the_filters(sample_kb):
    bank = [BankEntry("示例采购管理法", "提供虚假材料的", "以前弄虚作假被抓到的公司，还能不能参加竞标？", "t:1")]
    retriever = HybridRetriever(sample_kb, Glossary.load(), questions=bank)
    other = Filters(sources=frozenset({"caiku-notice.txt"}))
    hits = retriever.search(QUESTION, k=10, filters=other).hits
    assert hits and all(h.chunk.source == "caiku-notice.txt" for h in hits)


def test_the_bank_follows_the_knowledge_base_generation(tmp_path):
    kb = open_kb(tmp_path / "kb")
    corpus = write_corpus(tmp_path / "corpus")
    ingest(kb, corpus)
    bank = [BankEntry("示例采购管理法", "提供虚假材料的", "以前弄虚作假被抓到的公司，还能不能参加竞标？", "t:1")]
    retriever = HybridRetriever(kb, Glossary.load(), questions=bank)
    retriever.warm()  # what the server does at start
    first = retriever.question_index()
    assert len(first) == 1 and retriever.question_index() is first  # built once per generation
    (corpus / "sample-law.md").unlink()
    ingest(kb, corpus, prune=True)
    assert len(retriever.question_index()) == 0  # the document left; its questions went with it


# -- the built-in bank ---------------------------------------------------------------------------
def test_the_built_in_bank_reads_cleanly():
    entries = read_bank([builtin_bank()])
    assert len(entries) > 1000
    assert len({e.question for e in entries}) > 0.98 * len(entries)
