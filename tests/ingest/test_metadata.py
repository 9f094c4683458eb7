from ingest.clean import clean_text
from ingest.metadata import extract, infer_jurisdiction, parse_date
from ingest.sidecar import parse_manifest
from ingest.structure import parse
from tests.fixtures.texts import CAIKU_NOTICE, FORWARDED_PLAN, law_md


def meta_of(text, **kw):
    lines = clean_text(text)
    return extract(lines, parse(lines), fallback_title="stem", **kw)


def test_notice_metadata_is_read_off_the_document():
    m = meta_of(CAIKU_NOTICE)
    assert (m.title, m.doc_number, m.issuer, m.date, m.jurisdiction) == (
        "关于印发《示例中小企业扶持办法》的通知", "财库〔2099〕9号", "财政部", "2099-05-20", "national",
    )


def test_forwarding_notice_metadata_uses_the_outer_document():
    m = meta_of(FORWARDED_PLAN)
    assert m.doc_number == "晴财采〔2099〕2号" and m.issuer == "晴川县财政局" and m.jurisdiction == "city"


def test_law_takes_its_latest_amendment_date():
    m = meta_of(law_md())
    assert m.title == "示例采购管理法" and m.date == "2099-06-30"


def test_order_number_in_the_annotation_line():
    text = "示例管理办法\n（2099年07月11日财政部令第99号公布，自2099年10月01日起施行。）\n第一章 总则\n第一条 为了规范，制定本办法。"
    m = meta_of(text)
    assert m.doc_number == "财政部令第99号" and m.issuer == "财政部" and m.date == "2099-07-11" and m.jurisdiction == "national"


def test_sidecar_and_front_matter_override():
    m = meta_of(CAIKU_NOTICE, front_matter={"issuer": "某某厅"}, sidecar={"title": "示例中小企业扶持办法", "date": "2099年6月1日", "jurisdiction": "省级"})
    assert m.title == "示例中小企业扶持办法" and m.issuer == "某某厅" and m.date == "2099-06-01" and m.jurisdiction == "provincial"


def test_manifest_parsing_and_helpers():
    rows = parse_manifest("file\ttitle\tdoc_number\tissuer\tdate\na.txt\t标题\t财库〔2099〕1号\t财政部\t2099-01-01\n")
    assert rows["a.txt"]["doc_number"] == "财库〔2099〕1号"
    assert parse_date("2023 年 5 月 16 日印发") == "2023-05-16" and parse_date("无日期") == ""
    assert infer_jurisdiction("河南省财政厅", "", "") == "provincial"
    assert infer_jurisdiction("许昌市财政局", "", "许财购〔2023〕1号") == "city"
    assert infer_jurisdiction("", "中华人民共和国政府采购法", "") == "national"
