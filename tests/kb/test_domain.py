"""Domain specificity: hand-computed cases for the pure functions, and the share on a real knowledge base."""

import math
from dataclasses import dataclass

from kb.domain import SCALE, domain_share, specificity
from kb.tokenize import Tokenizer


@dataclass
class T:
    text: str
    weight: float
    alternatives: tuple[str, ...]


def test_specificity_is_the_scaled_log_ratio_of_policy_to_general_frequency():
    assert specificity(0.01, 0.01) == 0.0  # as common in general Chinese as in the policies
    assert specificity(0.01, 0.1) == 0.0  # commoner in general Chinese: clipped at 0
    assert math.isclose(specificity(0.01, 0.0001), 2 / SCALE)  # 100 times commoner in the policies
    assert specificity(0.5, 1e-9) == 1.0  # clipped at 1
    assert specificity(0.01, 0.0) == 1.0  # the general dictionary does not know it, the policies use it
    assert specificity(0.0, 0.01) == 0.0  # the policies never use it


def test_domain_share_weights_words_and_takes_the_best_alternative():
    spec = {"押金": 0.0, "保证金": 1.0, "孩子": 0.0, "投标": 0.8}.get
    terms = [T("押金", 2.0, ("押金", "保证金")), T("孩子", 1.0, ("孩子",)), T("投标", 1.0, ("投标",))]
    # (2·1.0 + 1·0.0 + 1·0.8) / 4
    assert math.isclose(domain_share(terms, lambda w: spec(w, 0.0)), 0.7)
    assert domain_share([], lambda w: 0.0) == 1.0  # nothing to judge


def test_general_frequency_comes_from_jiebas_dictionary_not_the_domain_one(tmp_path):
    tk = Tokenizer(cache_dir=tmp_path)
    assert "投标保证金" in tk.domain_words
    assert tk.general_share("投标保证金") == 0.0  # domain words have no general frequency
    assert tk.general_share("孩子") > tk.general_share("下水道") > 0.0
    assert tk.general_share("不存在的词语组合") == 0.0
