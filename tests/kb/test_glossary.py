from pathlib import Path

import pytest

from chunfeng.errors import ConfigError
from kb.glossary import Glossary
from kb.textnorm import compact
from tests.conftest import REPO


def test_shipped_glossary_maps_colloquial_terms():
    g = Glossary.load()
    assert {"保证金", "投标保证金"} <= set(g.expanded_terms("交了押金多久能退？"))
    assert "签订合同" in g.expanded_terms("中标了多久签合同")
    assert "资金支付" in g.expanded_terms("货到了什么时候付款")
    assert "中小企业" in g.expanded_terms("小企业有优惠吗") or "小微企业" in g.expanded_terms("小企业有优惠吗")
    assert "无效投标" in g.expanded_terms("我们被废标了")


def test_longest_term_wins_and_terms_already_present_are_not_added(tmp_path: Path):
    p = tmp_path / "g.tsv"
    p.write_text("# comment\n押金\t保证金\n退押金\t退还保证金\n合同\t合同\n", encoding="utf-8")
    g = Glossary.load(p)
    found = g.expand("退押金要多久")
    assert [e.term for e in found] == ["退押金"]
    assert g.expanded_terms("合同什么时候签") == []


def test_full_width_question_still_matches(tmp_path: Path):
    p = tmp_path / "g.tsv"
    p.write_text("CA\t数字证书\n", encoding="utf-8")
    assert Glossary.load(p).expanded_terms("ＣＡ证书丢了") == ["数字证书"]


def test_malformed_line_names_the_line_and_the_fix(tmp_path: Path):
    p = tmp_path / "g.tsv"
    p.write_text("押金 保证金\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        Glossary.load(p)
    assert "第 1 行" in exc.value.message and "<Tab>" in exc.value.message


def test_a_repeated_term_names_both_lines(tmp_path: Path):
    p = tmp_path / "g.tsv"
    p.write_text("押金\t保证金\n标书\t投标文件\n押金\t履约保证金\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        Glossary.load(p)
    assert "第 3 行" in exc.value.message and "第 1 行" in exc.value.message and "合并" in exc.value.message


def test_the_concept_section_points_at_words_the_official_texts_use(shared_texts):
    """Every policy term of the by-concept section occurs in ../shared's texts: a term no text uses
    cannot lead a question to an article."""
    texts = "".join(shared_texts.values())
    lines = (REPO / "kb" / "data" / "glossary.tsv").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("# --- by concept"))
    unused = [
        (line.split("\t")[0], term)
        for line in lines[start:] if "\t" in line and not line.startswith("#")
        for term in line.split("\t", 1)[1].split("|") if compact(term) not in texts
    ]
    assert not unused
