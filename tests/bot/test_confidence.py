import math

from bot.answer import faq_answer
from bot.confidence import CONFIDENCE_FEATURES, LOOKUP_CONFIDENCE, ConfidenceModel, confidence_features
from kb.models import Chunk
from kb.retrieve import Hit, SearchResult


def result(signals, unknown=0.0, hits=True, domain=1.0):
    c = Chunk(id="x", doc_id="d", source="s", ordinal=0, kind="item", text="t", section="S", label="L", title="T")
    return SearchResult("q", [Hit(c, 0.9, signals)] if hits else [], [], [], None, [], unknown, domain)


def test_everyday_vocabulary_holds_confidence_below_the_threshold():
    model = ConfidenceModel(threshold=0.5, min_domain_share=0.2)
    assert model.held_to_domain(0.9, result({}, domain=0.5)) == 0.9  # enough procurement vocabulary
    held = model.held_to_domain(0.9, result({}, domain=0.1))
    assert math.isclose(held, 0.99 * 0.5 * 0.1 / 0.2) and not model.confident(held)
    assert model.held_to_domain(0.2, result({}, domain=0.1)) == 0.2  # never raised
    assert model.held_to_domain(0.97, result({"lookup": 1.0}, domain=0.0)) == 0.97  # a named provision stands
    assert ConfidenceModel().held_to_domain(0.9, result({}, domain=0.0)) == 0.9  # no floor configured


def test_features_and_probability():
    r = result({"logit": 2.0, "coverage": 0.5, "bigram_coverage": 0.4, "heading_coverage": 0.1, "vector": 0.2}, unknown=0.3)
    assert confidence_features(r) == [2.0, 0.5, 0.4, 0.1, 0.2, 0.3]
    model = ConfidenceModel({f: 0.0 for f in CONFIDENCE_FEATURES} | {"coverage": 2.0}, bias=-1.0, threshold=0.5)
    assert model.score(r) == 0.5 and model.confident(0.5) and not model.confident(0.49)
    assert math.isclose(model.score(result({}, hits=False)), 1 / (1 + math.exp(1.0)))
    assert model.score(result({"lookup": 1.0})) == LOOKUP_CONFIDENCE


def test_the_shipped_model_declines_what_it_has_never_seen(tmp_path):
    model = ConfidenceModel.load()
    strong = result({"logit": 9.0, "coverage": 1.0, "bigram_coverage": 0.9, "heading_coverage": 0.5, "vector": 0.4})
    unknown = result({"logit": 1.0, "coverage": 0.0, "bigram_coverage": 0.0, "heading_coverage": 0.0, "vector": 0.0}, unknown=1.0)
    assert model.confident(model.score(strong)) and not model.confident(model.score(unknown))
    path = tmp_path / "c.json"
    model.save(path)
    assert ConfidenceModel.load(path).threshold == model.threshold
    assert ConfidenceModel.load(path).min_domain_share == model.min_domain_share > 0


def test_a_faq_entry_answers_with_the_text_under_its_question():
    c = Chunk(id="x", doc_id="d", source="faq.md", ordinal=0, kind="item", text="2. CA数字证书在哪里办？\n可以到一楼窗口现场办理。",
              section="FAQ > 2. CA数字证书在哪里办？", label="2. CA数字证书在哪里办？", title="FAQ")
    picked = faq_answer(Hit(c, 0.9, {"heading_coverage": 0.8}))
    assert picked is not None and picked.sentence == "可以到一楼窗口现场办理。"
    assert faq_answer(Hit(c, 0.9, {"heading_coverage": 0.1})) is None  # the question does not match its heading
