from ingest.clean import clean_text
from ingest.structure import parse
from tests.fixtures.texts import CAIKU_NOTICE, FORWARDED_PLAN, law_md


def _parts(root):
    return [n for n in root.walk() if n.kind == "part"]


def test_forwarding_chain_keeps_every_level_with_its_number():
    root = parse(clean_text(FORWARDED_PLAN))
    parts = _parts(root)
    assert [p.meta["doc_number"] for p in parts[:2]] == ["晴财采〔2099〕2号", "明财采〔2099〕1号"]
    assert parts[0].meta["issuer"] == "晴川县财政局" and parts[1].meta["issuer"] == "明湖市财政局"
    assert parts[2].meta["title"] == "明湖市示例采购改进方案"
    # the plan sits inside the notice that issues it, which sits inside the forwarding notice
    assert parts[2] in parts[1].children and parts[1] in parts[0].children


def test_plan_outline_nests_by_marker_order():
    root = parse(clean_text(FORWARDED_PLAN))
    items = [n for n in root.walk() if n.kind == "item"]
    labels = [i.label for i in items]
    assert labels[:4] == ["一、总体目标", "二、主要任务", "（一）压缩办理时间", "1. 加快合同签订"]
    task = next(i for i in items if i.label == "二、主要任务")
    assert [c.label for c in task.children] == ["（一）压缩办理时间", "（二）降低参与成本"]
    assert [c.label for c in task.children[0].children] == ["1. 加快合同签订", "2. 加快资金支付"]


def test_table_rows_use_header_names_groups_and_merge_page_breaks():
    root = parse(clean_text(FORWARDED_PLAN))
    table = next(n for n in root.walk() if n.kind == "table")
    assert table.label == "明湖市示例采购改进方案任务分解表"
    rows = table.children
    assert len(rows) == 4
    assert rows[0].meta["group"] == "一、压缩办理时间" and rows[2].meta["group"] == "二、降低参与成本"
    first = "\n".join(rows[0].lines)
    assert "主要任务：加快合同签订" in first
    # the continuation after the page break lands in the right column
    assert "不得拖延或者附加不合理条件。" in first and "牵头单位：市财政局" in first


def test_law_chapters_articles_and_items():
    root = parse(clean_text(law_md()))
    assert root.meta["title"] == "示例采购管理法"
    chapters = [n.label for n in root.walk() if n.kind == "heading"]
    assert chapters == ["第一章 总则", "第二章 采购程序", "第三章 附则"]
    articles = [n for n in root.walk() if n.kind == "article"]
    assert [a.number for a in articles] == [1, 2, 3, 4, 5, 6]
    art4 = articles[3]
    # 项 stay inside their article
    assert len(art4.lines) == 4 and art4.lines[1].startswith("（一）") and not art4.children
    # 款: the second paragraph of 第二条 belongs to it
    assert articles[1].lines[1].startswith("本法所称货物")


def test_caiku_notice_with_attached_measure():
    root = parse(clean_text(CAIKU_NOTICE))
    assert root.meta["doc_number"] == "财库〔2099〕9号"
    assert root.meta["title"] == "关于印发《示例中小企业扶持办法》的通知"
    measure = root.children[0]
    assert measure.kind == "part" and measure.meta["title"] == "示例中小企业扶持办法"
    assert measure.meta.get("attachment") == "附件"
    assert [a.number for a in measure.walk() if a.kind == "article"] == [1, 2, 3, 4, 5]
    # the covering notice's attachment list stays in the notice
    assert any(line.startswith("附件：") for line in root.lines)


def test_cross_reference_at_line_start_is_not_an_article():
    lines = ["示例办法", "第一章 总则", "第一条 正文。", "第二条 正文。", "第五条规定的情形除外。", "第三条 正文。"]
    root = parse(lines)
    assert [n.number for n in root.walk() if n.kind == "article"] == [1, 2, 3]


# -- the real documents, when ../shared is present ----------------------------------------------


def test_seed_plan_items_and_table(shared_dir):
    text = (shared_dir / "seeds" / "000_98bbf80dba3e0d92.txt").read_text(encoding="utf-8")
    root = parse(clean_text(text))
    numbered = [n for n in root.walk() if n.kind == "item" and n.marker == "num"]
    assert [n.number for n in numbered] == list(range(1, 31))
    item18 = numbered[17]
    assert item18.label == "18. 提升合同履行效率"
    assert "2个工作日内签订政府采购合同" in item18.lines[0]
    table = next(n for n in root.walk() if n.kind == "table")
    assert "责任分解表" in table.label
    assert len(table.children) == 30
    row3 = "\n".join(table.children[2].lines)
    assert "主要任务：平等对待内外资企业" in row3 and "对内资企业或外商投资企业实行差别待遇" in row3
    parts = _parts(root)
    assert [p.meta["doc_number"] for p in parts[:2]] == ["禹财购〔2023〕3号", "许财购〔2023〕1号"]


def test_procurement_law_structure(shared_dir):
    root = parse(clean_text((shared_dir / "corpus" / "procurement-law.md").read_text(encoding="utf-8")))
    articles = [n for n in root.walk() if n.kind == "article"]
    assert [a.number for a in articles] == list(range(1, 89))
    assert len([n for n in root.walk() if n.kind == "heading"]) == 9


def test_caiku_46_notice_and_measure(shared_dir):
    text = (shared_dir / "corpus" / "caiku-2020-46-sme-promotion.txt").read_text(encoding="utf-8")
    root = parse(clean_text(text))
    assert root.meta["doc_number"] == "财库〔2020〕46号"
    measure = root.children[0]
    assert measure.meta["title"] == "政府采购促进中小企业发展管理办法"
    assert [a.number for a in measure.walk() if a.kind == "article"] == list(range(1, 26))
