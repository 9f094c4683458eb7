from kb.ranking import (
    DEFAULT_WEIGHTS,
    FEATURES,
    LinearRanker,
    legal_level,
    length_feature,
    place_match,
    places,
    tendering_features,
    works_question,
)


def test_legal_hierarchy_of_documents():
    assert legal_level("中华人民共和国政府采购法", "", "national") == "law"
    assert legal_level("中华人民共和国政府采购法实施条例", "国务院令第658号", "national") == "regulation"
    assert legal_level("保障中小企业款项支付条例", "国务院令第802号", "national") == "regulation"
    assert legal_level("政府采购货物和服务招标投标管理办法", "财政部令第87号", "national") == "rule"
    assert legal_level("政府采购促进中小企业发展管理办法", "财库〔2020〕46号", "national") == "normative"
    assert legal_level("2023年度许昌市优化政府采购营商环境“春风行动”工作方案", "许财购〔2023〕1号", "city") == "local"


def test_places_and_place_match():
    assert places("许昌市财政局 禹州市财政局") == {"许昌", "禹州"}
    assert place_match("许昌这边签合同要几天", {"许昌"}) == 1.0
    assert place_match("签合同要几天", {"许昌"}) == 0.0
    assert place_match("许昌", set()) == 0.0


def test_tendering_regime_against_what_the_question_is_about():
    assert works_question("工程施工项目的评标专家要什么资格？")
    assert works_question("按招投标法，投标截止前多久能改标书")
    assert not works_question("中标以后能把一部分活分包给别的公司做吗？")
    law = "中华人民共和国招标投标法实施条例"
    assert tendering_features(law, works=True) == {"tendering_works": 1.0, "tendering_other": 0.0}
    assert tendering_features(law, works=False) == {"tendering_works": 0.0, "tendering_other": 1.0}
    # 87号令 is a government-procurement rule although its title says 招标投标
    both = tendering_features("政府采购货物和服务招标投标管理办法", works=False)
    assert both == {"tendering_works": 0.0, "tendering_other": 0.0}
    assert tendering_features("中华人民共和国政府采购法", works=True) == both


def test_linear_ranker_scores_and_round_trips(tmp_path):
    r = LinearRanker({f: 0.0 for f in FEATURES} | {"coverage": 2.0}, bias=-1.0)
    assert r.score({"coverage": 1.0}) == 1.0 and r.score({}) == -1.0
    path = tmp_path / "ranker.json"
    r.save(path)
    again = LinearRanker.load(path)
    assert again.weights["coverage"] == 2.0 and again.bias == -1.0
    assert LinearRanker.load(tmp_path / "missing.json").weights == DEFAULT_WEIGHTS
    assert 0.0 < length_feature("短") < length_feature("长" * 300) <= 1.0


def test_shipped_weights_cover_every_feature():
    shipped = LinearRanker.load()
    assert set(shipped.weights) == set(FEATURES)
    # what a reader relies on must count for a passage, not against it
    assert shipped.weights["coverage"] > 0 and shipped.weights["bigram_coverage"] > 0
    # the assistant's own regime is preferred unless the question is about construction works
    assert shipped.weights["tendering_works"] > shipped.weights["tendering_other"]
