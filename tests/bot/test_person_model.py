"""The learned person-request check: features, a real (small) fit, its threshold, and the hook in classify."""

import json
import math

from bot import intents
from bot.person import PersonModel, default_model, grams
from eval.train_person import fit_person, training_messages
from tests.conftest import REPO


def test_grams_mark_the_start_and_end_of_the_message():
    g = grams("人工")
    assert {"^", "人", "工", "$", "^人", "人工", "工$", "^人工", "人工$"} == g
    assert "工$" not in grams("人工费")  # a message that *is* 人工 differs from one that mentions 人工费
    assert grams("Ren Gong") == grams("rengong")  # case and spaces do not matter


def test_an_empty_model_never_fires():
    assert PersonModel().threshold == math.inf and not PersonModel().wants_person("人工")


def test_fitting_separates_requests_from_questions_and_sets_the_threshold_above_unseen_questions():
    requests = ["帮我叫个管理员来", "管理员在哪，我要找管理员", "让管理员给我回电", "叫管理员出来说话", "我就要管理员"] * 3
    questions = ["管理费能算进报价吗", "评审专家可以是采购人的职工吗", "质疑要在几天内提出", "中标后多久签合同", "投标保证金最多多少"] * 3
    messages = [(t, "handoff") for t in requests] + [(t, "in") for t in questions]
    model = fit_person(messages, folds=3)
    assert all(model.wants_person(t) for t in set(requests))
    assert not any(model.wants_person(t) for t in set(questions))
    assert model.score("管理员过来一下") > model.score("管理费怎么算")


def test_classify_asks_the_model_about_what_the_rules_leave_as_a_question():
    model = PersonModel({"管理员": 5.0}, -1.0, 0.5, "test")
    assert intents.classify("麻烦管理员过来一下", model) == intents.HANDOFF
    assert intents.classify("麻烦管理员过来一下", PersonModel()) == intents.QUESTION
    # rules still decide first, and an individual (个人担保) is not a person to talk to
    assert intents.classify("你好", model) == intents.GREETING
    assert intents.classify("找个人担保管理员认可吗", model) == intents.QUESTION


def test_the_shipped_model_is_fitted_on_training_messages_only():
    texts = {t for t, _ in training_messages()}
    held_out = [json.loads(line)["question"] for line in (REPO / "eval" / "intents" / "person-test.jsonl").open(encoding="utf-8")]
    assert not texts & set(held_out)
    assert math.isfinite(default_model().threshold) and len(default_model().weights) > 1000



