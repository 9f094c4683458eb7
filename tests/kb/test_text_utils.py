import pytest

from kb.cn_numerals import cn_to_int, int_to_cn
from kb.docnumber import find_all, short_forms
from kb.textnorm import compact, normalize


@pytest.mark.parametrize("n", [1, 9, 10, 11, 19, 20, 22, 99, 100, 101, 110, 119, 200, 203, 999, 1000, 1010])
def test_numerals_round_trip(n):
    assert cn_to_int(int_to_cn(n)) == n


def test_numerals_known_forms():
    assert int_to_cn(46) == "四十六" and int_to_cn(110) == "一百一十" and int_to_cn(203) == "二百零三"
    assert cn_to_int("两") == 2 and cn_to_int("二〇二三") == 2023 and cn_to_int("33") == 33
    with pytest.raises(ValueError):
        cn_to_int("条")


def test_document_numbers_in_every_bracket_shape():
    assert find_all("财库﹝2020﹞46 号") == ["财库〔2020〕46号"]
    assert find_all("财库[2019]38号与财库（2021）22号") == ["财库〔2019〕38号", "财库〔2021〕22号"]
    assert find_all("（2017年07月11日财政部令第87号公布）") == ["财政部令第87号"]
    assert find_all("中华人民共和国国务院令第658号") == ["国务院令第658号"]
    assert find_all("主席令第十四号") == ["主席令第14号"]
    assert "87号令" in short_forms("财政部令第87号") and "46号文" in short_forms("财库〔2020〕46号")


def test_normalize_for_matching():
    assert normalize("投标保证金不得超过２％") == "投标保证金不得超过2%"
    assert normalize("政府 采购 法") == "政府采购法"
    assert normalize("2023 年") == "2023年"
    assert normalize("财库［2020］46号") == "财库〔2020〕46号"
    assert compact(" a \n b\u3000c ") == "abc"
