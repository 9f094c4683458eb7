"""Import of historical 12345 records (hotline/importer.py): the pure parsing and decisions, CSV in
both encodings and XLSX, and the drafts written to a real FAQ store."""

from __future__ import annotations

import io
import random
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from bot.db import Database
from bot.faq import FaqStore, similarity
from chunfeng.errors import InvalidInput, TooLarge
from hotline import importer
from hotline.importer import (
    Known, Record, SimilarityIndex, find_header, import_records, map_columns, normalize_question, parse_date, plan,
    read_table,
)
from kb.embed import HashNgramEmbedder


@pytest.fixture()
def faq() -> FaqStore:
    return FaqStore(Database(":memory:"))


def xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- pure parsing -----------------------------------------------------------------------------------
def test_normalize_question_ignores_punctuation_spaces_and_width():
    assert normalize_question("中标通知书发出后，多久签合同？") == normalize_question("中标通知书发出后多久签合同")
    assert normalize_question("ＰＰＰ项目 能否 采购？") == normalize_question("ppp项目能否采购")
    assert normalize_question("？！。") == ""


@pytest.mark.parametrize("value, expected", [
    ("2024-03-05", date(2024, 3, 5)), ("2024/3/5", date(2024, 3, 5)), ("2024.03.05", date(2024, 3, 5)),
    ("2024年3月5日", date(2024, 3, 5)), ("2024-03-05 09:30:00", date(2024, 3, 5)), ("2024/3/5 9:30", date(2024, 3, 5)),
    ("20240305", date(2024, 3, 5)), ("２０２４－０３－０５", date(2024, 3, 5)), (datetime(2024, 3, 5, 9), date(2024, 3, 5)),
    (date(2024, 3, 5), date(2024, 3, 5)), (45356, date(2024, 3, 5)), ("", None), (None, None),
])
def test_parse_date(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["下周一", "2024-13-01", "2024-02-30", "3/5/2024", "12345"])
def test_parse_date_refuses(value):
    with pytest.raises(ValueError):
        parse_date(value)


def test_map_columns_accepts_aliases_and_prefers_the_canonical_name():
    assert map_columns(["受理时间", "问题", "办理结果", "类别"]) == {"question": 1, "answer": 2, "category": 3, "date": 0}
    assert map_columns(["内容", "诉求内容（必填）", "答复内容*", "回复"]) == {"question": 1, "answer": 2}
    assert map_columns([" 诉求 ", "答复", "诉求分类", "来电时间"]) == {"question": 0, "answer": 1, "category": 2, "date": 3}


def test_find_header_below_a_title_line_and_naming_what_is_missing():
    at, mapping = find_header([["2024年热线记录"], [], ["序号", "诉求内容", "答复内容"], ["1", "问", "答"]])
    assert at == 2 and mapping == {"question": 1, "answer": 2}
    with pytest.raises(InvalidInput, match="诉求内容.*答复内容.*标题、正文"):
        find_header([["标题", "正文"], ["a", "b"]])


def test_read_table_decodes_utf8_bom_and_gb18030_and_sniffs_the_delimiter():
    text = "诉求内容\t答复内容\n保证金怎么退\t按合同约定退还\n"
    for data, encoding in ((text.encode("utf-8-sig"), "utf-8-sig"), (text.encode("utf-8"), "utf-8"),
                           (text.encode("gb18030"), "gb18030"), (text.encode("utf-16"), "utf-16")):
        rows, fmt, enc = read_table(data, "a.csv")
        assert (fmt, enc) == ("csv", encoding)
        assert rows[1] == ["保证金怎么退", "按合同约定退还"]


def test_read_table_refuses_empty_and_xls_and_broken_xlsx():
    with pytest.raises(InvalidInput, match="空的"):
        read_table(b"  \n", "a.csv")
    with pytest.raises(InvalidInput, match=r"\.xls"):
        read_table(b"\xd0\xcf\x11\xe0" + b"\0" * 100, "old.xls")
    with pytest.raises(InvalidInput, match="Excel"):
        read_table(b"PK\x03\x04 not really a zip", "broken.xlsx")


# -- pure decisions ---------------------------------------------------------------------------------
def test_plan_decides_each_row_without_writing():
    existing = [Known("采购人可以要求中标供应商交履约保证金吗？", faq_id="faq_1", status="published")]
    records = [
        Record(2, "采购人可以要求中标供应商交履约保证金吗", "可以"),  # the same as the FAQ entry
        Record(3, "采购人能否要求中标供应商缴纳履约保证金？", "可以"),  # alike the FAQ entry
        Record(4, "中标通知书发出后多久签合同？", "4个工作日内", date="2024-03-05"),
        Record(5, "中标通知书发出后多久签合同", "四个工作日", date="2024/3/6"),  # the same as row 4
        Record(6, "中标通知书发出后几天内签合同", "四个工作日"),  # alike row 4
        Record(7, "我的电话13812345678，保证金什么时候退", "按合同约定"),
        Record(8, "", "答复"), Record(9, "问题", ""), Record(10, "问题", "答复", date="昨天"), Record(11, "？？", "答复"),
    ]
    out = plan(records, existing, threshold=0.72)
    assert [o.status for o in out] == ["duplicate", "near_duplicate", "imported", "duplicate", "near_duplicate", "imported",
                                       "skipped", "skipped", "skipped", "skipped"]
    assert out[0].duplicate_of == {"faq_id": "faq_1", "faq_status": "已发布", "question": existing[0].question}
    assert out[1].resembles["faq_id"] == "faq_1" and out[1].resembles["score"] >= 0.72
    assert out[3].duplicate_of == {"row": 4, "question": "中标通知书发出后多久签合同？"}
    assert out[4].resembles["row"] == 4
    assert out[5].question == "我的电话138****5678，保证金什么时候退"  # masked in the report and the draft
    assert out[2].date == "2024-03-05" and out[3].date == "2024-03-06"
    assert "诉求内容为空" in out[6].reason and "答复内容为空" in out[7].reason and "昨天" in out[8].reason
    assert "标点" in out[9].reason
    assert all(o.faq_id is None for o in out)


def test_plan_can_keep_near_duplicates_and_a_lower_threshold_finds_more():
    records = [Record(2, "中标通知书发出后多久签合同？", "a"), Record(3, "中标通知书发出后几天内签合同", "b"),
               Record(4, "中标通知书发出以后多长时间内签订合同", "c")]
    assert [o.status for o in plan(records, [], threshold=0.72)] == ["imported", "near_duplicate", "imported"]
    assert [o.status for o in plan(records, [], threshold=0.5)] == ["imported", "near_duplicate", "near_duplicate"]
    kept = plan(records, [], threshold=0.72, import_near_duplicates=True)
    assert [o.status for o in kept] == ["imported", "near_duplicate", "imported"]


def test_similarity_index_gives_exactly_what_comparing_with_every_text_gives():
    embedder = HashNgramEmbedder()
    base = ["采购人可以要求中标供应商交履约保证金吗", "中标通知书发出后多久签合同", "小微企业价格扣除比例是多少", "供应商质疑的期限是多久"]
    rng = random.Random(7)

    def variant(text: str) -> str:
        chars = list(text)
        for _ in range(rng.randint(0, 4)):
            i = rng.randrange(len(chars))
            op = rng.random()
            if op < 0.3:
                del chars[i]
            elif op < 0.6:
                chars.insert(i, rng.choice("的了呢吗请问政府采购"))
            else:
                chars[i] = rng.choice("款项合同期限")
        return "".join(chars)

    texts = [variant(rng.choice(base)) for _ in range(150)]
    for threshold in (0.4, 0.6, 0.72, 0.9):
        index = SimilarityIndex()
        for i, text in enumerate(texts):
            got = index.best(text, threshold)
            brute = None
            for j, other in enumerate(index.texts):
                score = similarity(text, other, embedder)
                if score >= threshold and (brute is None or score > brute[1]):
                    brute = (index.items[j], score)
            actual = (got[0], round(got[1], 6)) if got else None
            expected = (brute[0], round(brute[1], 6)) if brute else None
            assert actual == expected, (text, threshold)
            if got is None or i % 3 == 0:
                index.add(text, i)


# -- writing drafts ---------------------------------------------------------------------------------
CSV = """2024年12345热线政府采购类诉求
诉求内容,办理结果,诉求分类,来电时间
中标通知书发出后多久签合同？,采购单位应当在中标通知书发出后4个工作日内签订合同。,合同与履约,2024-03-05
中标通知书发出后多久签合同,4个工作日内。,,2024-03-06
预付款比例是多少,不低于合同金额的30%。,,2024-03-07
"""


def test_import_records_from_bytes_creates_reviewable_drafts(faq):
    report = import_records(CSV.encode("gb18030"), faq)
    assert report.summary["imported"] == 2 and report.summary["duplicate"] == 1 and report.summary["drafts_created"] == 2
    assert report.summary["columns"] == {"诉求内容": "诉求内容", "答复内容": "办理结果", "分类": "诉求分类", "日期": "来电时间"}
    drafts = faq.list()
    assert {(d.question, d.status, d.created_by) for d in drafts} == {
        ("中标通知书发出后多久签合同？", "draft", "12345导入"), ("预付款比例是多少", "draft", "12345导入")}
    assert {r["faq_id"] for r in report.to_dict()["rows"] if r["status"] == "imported"} == {d.id for d in drafts}
    assert report.to_dict()["rows"][0]["category"] == "合同与履约"  # given in the file
    assert report.to_dict()["rows"][2]["category"] == "资金支付"  # classified


def test_import_records_dry_run_writes_nothing(faq):
    report = import_records(CSV.encode("utf-8"), faq, dry_run=True)
    assert report.summary["imported"] == 2 and report.summary["dry_run"] is True and faq.list() == []


def test_import_records_from_an_xlsx_path(faq, tmp_path):
    path = tmp_path / "记录.xlsx"
    path.write_bytes(xlsx([["热线记录导出"], ["序号", "问题", "回复", "类别", "受理时间"],
                           [1, "中标通知书发出后多久签合同？", "4个工作日内。", None, datetime(2024, 3, 5, 9, 30)],
                           [2, "履约保证金收多少", "本市不收取履约保证金。", "保证金与费用", "2024/03/06"],
                           [None, None, None, None, None],
                           [3, "质疑期限", "七个工作日", None, "不详"]]))
    report = import_records(path, faq)
    rows = report.to_dict()["rows"]
    assert report.summary["format"] == "xlsx" and report.summary["encoding"] is None
    assert [(r["row"], r["status"]) for r in rows] == [(3, "imported"), (4, "imported"), (6, "skipped")]
    assert rows[0]["date"] == "2024-03-05" and rows[1]["category"] == "保证金与费用"
    assert len(faq.list()) == 2


def test_import_records_against_the_existing_faq_and_with_near_duplicates_kept(faq):
    faq.draft("中标通知书发出后多久签合同？", "4个工作日内。", created_by="admin1")
    data = "诉求内容,答复内容\n中标通知书发出后几天内签合同,4个工作日内。\n".encode("utf-8")
    report = import_records(data, faq)
    assert report.rows[0].status == "near_duplicate" and report.rows[0].resembles["faq_status"] == "待审核"
    assert len(faq.list()) == 1
    report = import_records(data, faq, import_near_duplicates=True)
    assert report.rows[0].status == "near_duplicate" and report.rows[0].faq_id and len(faq.list()) == 2


def test_import_records_limits(faq, monkeypatch, tmp_path):
    with pytest.raises(InvalidInput, match="无法读取文件"):
        import_records(tmp_path / "missing.csv", faq)
    with pytest.raises(InvalidInput, match="0 到 1"):
        import_records(CSV.encode(), faq, threshold=1.5)
    monkeypatch.setattr(importer, "MAX_ROWS", 2)
    with pytest.raises(TooLarge, match="3 行.*上限 2 行"):
        import_records(CSV.encode(), faq)
