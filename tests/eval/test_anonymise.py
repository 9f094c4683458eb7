import json
import re

import pytest

from eval.anonymise import anonymise, main, reused_places


ROWS = [
    {"id": "a", "question": "临川市财政局的电话是多少？项目编号QHCG-2024-0317", "scope": "out"},
    {"id": "b", "question": "临川市那个项目谁中标了？我们在城市里的小区旁边", "scope": "out"},
    {"id": "c", "question": "桐安县的项目只出现一次，超市不是地名", "scope": "out"},
]


def test_only_reused_place_names_are_names_to_replace():
    assert reused_places([r["question"] for r in ROWS]) == {"临川"}  # 桐安 once; 城市, 小区, 超市 are words


def test_reused_names_and_codes_are_replaced_and_nothing_else_changes():
    out = anonymise(ROWS, seed=3)
    assert [r["id"] for r in out] == ["a", "b", "c"] and all(r["scope"] == "out" for r in out)
    assert not any("临川" in r["question"] or "QHCG" in r["question"] for r in out)
    assert re.fullmatch(r"[\u4e00-\u9fff]{2}市财政局的电话是多少？项目编号[A-Z]{4}-2024-0317", out[0]["question"])
    assert out[2]["question"] == ROWS[2]["question"]
    assert anonymise(ROWS, seed=3) == out  # the same seed, the same output


def test_the_command_writes_json_lines(tmp_path, capsys):
    src = tmp_path / "drafts.jsonl"
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in ROWS) + "\n", encoding="utf-8")
    main([str(src), "--seed", "3"])
    assert [json.loads(line) for line in capsys.readouterr().out.splitlines()] == anonymise(ROWS, seed=3)


@pytest.mark.parametrize("content, says", [
    ('{"id": "a", "question": "临川市的项目"}\n{"id": "b", "question": \n', "第 2 行不是合法的 JSON"),
    ('{"id": "a", "text": "临川市的项目"}\n', "第 1 行缺少文字类型的 question 字段"),
])
def test_a_bad_line_is_named_and_nothing_is_written(tmp_path, capsys, content, says):
    src = tmp_path / "drafts.jsonl"
    src.write_text(content, encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main([str(src)])
    assert says in str(exc.value) and capsys.readouterr().out == ""
    with pytest.raises(SystemExit) as missing:
        main([str(tmp_path / "none.jsonl")])
    assert "找不到文件" in str(missing.value)
