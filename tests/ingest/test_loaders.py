"""Loaders: each format in, plain text of the contract out; broken files raise coded errors."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest

from chunfeng.errors import FileLoadError, SkippedFile
from ingest.loaders import load
from ingest.loaders.encoding import decode_bytes
from tests.fixtures.make_files import (
    make_corrupt_pdf,
    make_docx,
    make_encrypted_pdf,
    make_pdf,
    make_scanned_pdf,
    write_text,
)

CHINESE = "第一条　为了规范政府采购行为〔2022〕3号、“公开透明”（试行）。\n第二条 本法所称政府采购，是指ABC 123。\n"


# --- encoding -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gb18030", "gb18030"),
        ("gbk", "gb18030"),
        ("utf-16", "utf-16-le"),  # Python writes a little-endian BOM on this platform
        ("utf-16-le", "utf-16-le"),  # no BOM
        ("utf-16-be", "utf-16-be"),  # no BOM
    ],
)
def test_text_encodings_round_trip(tmp_path: Path, encoding: str, detected: str) -> None:
    path = write_text(tmp_path / "a.txt", CHINESE.replace("\n", "\r\n"), encoding)
    loaded = load(path)
    assert loaded.text == CHINESE  # CRLF normalised, BOM stripped
    assert loaded.encoding == detected
    assert loaded.format == "txt"


def test_utf16_be_with_bom() -> None:
    text, name = decode_bytes(b"\xfe\xff" + "政府采购".encode("utf-16-be"))
    assert (text, name) == ("政府采购", "utf-16-be")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_despite_zero_bytes_on_the_wrong_side(encoding: str) -> None:
    # 一 (U+4E00) and 丈 (U+4E08) put zero bytes where the other byte order has its ASCII zeros
    text = "第一条　一一丈一〔一〕，一一一一。\n"
    data = text.encode(encoding)
    assert decode_bytes(data) == (text, encoding)


def test_gbk_is_not_mistaken_for_utf16() -> None:
    data = "政府采购管理办法".encode("gbk")
    assert decode_bytes(data) == ("政府采购管理办法", "gb18030")


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(0x80, 0x100)),  # neither UTF-8 nor GB18030
        b"abc\x81",  # a GBK lead byte cut off at the end
        b"\xef\xbb\xbf\xff\xfe\xfd",  # a UTF-8 BOM followed by non-UTF-8
    ],
)
def test_undecodable_bytes(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(FileLoadError) as info:
        load(path)
    assert info.value.code == "bad_encoding"
    assert "UTF-8" in info.value.message and "GB18030" in info.value.message


def test_binary_with_nuls_is_not_text() -> None:
    with pytest.raises(FileLoadError) as info:
        decode_bytes(b"PK\x03\x04\x00\x00\x01\x02\x03")
    assert info.value.code == "bad_encoding"


# --- txt / md -------------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"  \n\r\n\t "])
@pytest.mark.parametrize("suffix", [".txt", ".md"])
def test_empty_text_file(tmp_path: Path, content: bytes, suffix: str) -> None:
    path = tmp_path / f"a{suffix}"
    path.write_bytes(content)
    with pytest.raises(FileLoadError) as info:
        load(path)
    assert info.value.code == "empty"
    assert "文件为空" in info.value.message


def test_txt_front_matter(tmp_path: Path) -> None:
    path = write_text(tmp_path / "a.txt", "---\ntitle: 政府采购法\ndate: 2022-01-14\n---\n第一条 正文\n")
    loaded = load(path)
    assert loaded.front_matter == {"title": "政府采购法", "date": "2022-01-14"}
    assert loaded.text == "第一条 正文\n"


def test_txt_dashes_without_closing_line_are_text(tmp_path: Path) -> None:
    path = write_text(tmp_path / "a.txt", "---\n第一条 正文\n")
    assert load(path).text == "---\n第一条 正文\n"


def test_md_markup(tmp_path: Path) -> None:
    md = (
        "---\ntitle: 政府采购法\nissuer: 全国人大常委会\n---\n"
        "# 中华人民共和国政府采购法\n"
        "<!-- 内部备注\n不要导入 -->\n"
        "> 示例文件，不能作为办事依据。\n"
        "## 第一章 **总则**\n"
        "第一条 依据[《预算法》](https://example.gov.cn/a)和__有关规定__制定。\n"
        "\n"
        "| 序号 | 采购方式 |\n"
        "|:---:|---|\n"
        "| 1 | 公开招标 |\n"
        "| 2 | 竞争性谈判 \\| 磋商 |\n"
        "\n"
        "第二条 正文。\n"
    )
    loaded = load(write_text(tmp_path / "a.md", md))
    assert loaded.format == "md"
    assert loaded.front_matter == {"title": "政府采购法", "issuer": "全国人大常委会"}
    assert loaded.title_hint == "中华人民共和国政府采购法"
    lines = loaded.text.split("\n")
    assert lines[0] == "# 中华人民共和国政府采购法"  # heading markers are kept
    assert "## 第一章 总则" in lines
    assert "示例文件，不能作为办事依据。" in lines  # blockquote marker dropped
    assert "第一条 依据《预算法》和有关规定制定。" in lines
    assert "序号\t采购方式" in lines
    assert "1\t公开招标" in lines
    assert "2\t竞争性谈判 | 磋商" in lines
    assert not any("---" in line or "内部备注" in line or "不要导入" in line for line in lines)
    assert "title:" not in loaded.text


def test_md_without_front_matter_or_heading(tmp_path: Path) -> None:
    loaded = load(write_text(tmp_path / "a.md", "第一条 正文\n", "gb18030"))
    assert (loaded.front_matter, loaded.title_hint, loaded.text) == ({}, None, "第一条 正文\n")


@pytest.mark.parametrize(
    ("front", "fragment"),
    [
        ("title: 政府采购法: 第二版\n  缩进错误\n", "第 2 行"),
        ("title: [未闭合\n", "行"),
        ("- 列表\n- 不是键值\n", "键: 值"),
    ],
)
@pytest.mark.parametrize("suffix", [".md", ".txt"])
def test_bad_front_matter(tmp_path: Path, front: str, fragment: str, suffix: str) -> None:
    path = write_text(tmp_path / f"a{suffix}", f"---\n{front}---\n正文\n")
    with pytest.raises(FileLoadError) as info:
        load(path)
    assert info.value.code == "bad_front_matter"
    assert fragment in info.value.message


# --- html -----------------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>关于政府采购的通知_财政部</title>
<meta name="ArticleTitle" content="关于进一步规范政府采购的通知">
<meta name="PubDate" content="2022-1-14 10:30">
<meta name="ContentSource" content="国库司">
<style>p { color: red }</style>
<script>var secret = "脚本内容";</script>
</head><body>
<header>网站顶部</header><nav><a href="/">首页</a> 导航</nav>
<div class="article">
  <h1>关于进一步规范政府采购的通知</h1>
  <!-- 注释内容 -->
  <div class="body">
    <p>第一条　为了规范<b>政府采购</b>行为，
    提高效益。</p>
    <p>第二条 适用本法。<br>第二款&nbsp;另起一行</p>
    <div>外层<div>内层</div>外层之后</div>
  </div>
  <h2>采购方式</h2>
  <ul><li>公开招标</li><li>邀请<span>招标</span></li></ul>
  <table>
    <tr><th>序号</th><th>采购
        方式</th><th>Open   Tender\n  (A)</th></tr>
    <tr><td>1</td><td><p>货物</p><p>工程</p></td></tr>
  </table>
  <noscript>请启用脚本</noscript>
</div>
<footer>版权所有</footer>
</body></html>"""


def test_html_structure(tmp_path: Path) -> None:
    path = tmp_path / "a.html"
    path.write_bytes(PAGE.encode("gbk"))
    loaded = load(path)
    assert loaded.format == "html"
    assert loaded.encoding == "gb18030"  # the declared gb2312 is read with its superset
    assert loaded.title_hint == "关于政府采购的通知_财政部"
    assert loaded.front_matter == {"title": "关于进一步规范政府采购的通知", "date": "2022-01-14", "issuer": "国库司"}
    assert loaded.text.split("\n") == [
        "# 关于进一步规范政府采购的通知",
        "第一条\u3000为了规范政府采购行为，提高效益。",
        "第二条 适用本法。",
        "第二款 另起一行",
        "外层",
        "内层",
        "外层之后",
        "## 采购方式",
        "公开招标",
        "邀请招标",
        "序号\t采购方式\tOpen Tender (A)",  # a source line break between Chinese characters is no space
        "1\t货物 工程",
    ]


def test_html_drops_invisible_parts(tmp_path: Path) -> None:
    path = tmp_path / "a.htm"
    path.write_bytes(PAGE.encode("gbk"))
    text = load(path).text
    for hidden in ("脚本内容", "color", "网站顶部", "导航", "版权所有", "注释内容", "请启用脚本", "财政部"):
        assert hidden not in text


def test_html_nested_blocks_not_duplicated(tmp_path: Path) -> None:
    html = "<div><div><p>甲段</p><div><p>乙段</p>丙</div></div></div>"
    path = tmp_path / "a.html"
    path.write_text(html, encoding="utf-8")
    assert load(path).text == "甲段\n乙段\n丙"


def test_html_stale_charset_declaration(tmp_path: Path) -> None:
    # declared gbk but saved as UTF-8 by an editor
    path = tmp_path / "a.html"
    path.write_bytes('<meta charset="gbk"><p>政府采购〔2022〕</p>'.encode("utf-8"))
    loaded = load(path)
    assert (loaded.text, loaded.encoding) == ("政府采购〔2022〕", "utf-8")


def test_html_without_declaration_uses_guessing(tmp_path: Path) -> None:
    path = tmp_path / "a.html"
    path.write_bytes("<html><body><h3>附件</h3><p>采购清单</p></body></html>".encode("gb18030"))
    loaded = load(path)
    assert loaded.text == "### 附件\n采购清单"
    assert loaded.encoding == "gb18030"
    assert loaded.title_hint is None


def test_html_title_from_h1(tmp_path: Path) -> None:
    path = tmp_path / "a.html"
    path.write_text("<body><h1>政府采购法</h1><p>正文</p></body>", encoding="utf-8")
    assert load(path).title_hint == "政府采购法"


def test_html_without_visible_text(tmp_path: Path) -> None:
    path = tmp_path / "a.html"
    html = "<html><head><title>空</title></head><body><script>x()</script> <p>&nbsp;</p></body></html>"
    path.write_text(html, encoding="utf-8")
    with pytest.raises(FileLoadError) as info:
        load(path)
    assert info.value.code == "empty"


# --- docx -----------------------------------------------------------------------------------------


def test_docx_order_and_table(tmp_path: Path) -> None:
    path = make_docx(
        tmp_path / "a.docx",
        ["第一条　为了规范政府采购行为。", "第二条\t适用本法。"],
        table=[["序号", "采购方式"], ["1", "公开招标"]],
        title="政府采购法",
        after_table=["第三条 表格之后的段落。"],
    )
    loaded = load(path)
    assert loaded.format == "docx"
    assert loaded.title_hint == "政府采购法"
    assert loaded.text.split("\n") == [
        "第一条\u3000为了规范政府采购行为。",
        "第二条 适用本法。",  # a tab in running text would look like a table row
        "序号\t采购方式",
        "1\t公开招标",
        "第三条 表格之后的段落。",
    ]


def test_docx_merged_cells_and_cell_paragraphs(tmp_path: Path) -> None:
    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    for r in range(2):
        for c in range(3):
            table.cell(r, c).text = f"格{r}{c}"
    merged = table.cell(0, 0).merge(table.cell(0, 1))
    merged.text = "合并单元格"
    table.cell(1, 2).add_paragraph("第二段")
    path = tmp_path / "m.docx"
    document.save(str(path))
    loaded = load(path)
    assert loaded.text.split("\n") == ["合并单元格\t格02", "格10\t格11\t格12 第二段"]
    assert loaded.title_hint is None


def test_docx_tracked_changes(tmp_path: Path) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def wrap(run, tag: str) -> None:
        change = OxmlElement(tag, attrs={qn("w:id"): "1", qn("w:author"): "审核人"})
        run._r.addprevious(change)
        change.append(run._r)

    document = docx.Document()
    paragraph = document.add_paragraph("第一条 采购人")
    wrap(paragraph.add_run("应当"), "w:ins")  # an insertion not yet accepted: visible text
    deleted = paragraph.add_run("可以")
    for t in deleted._r.iter(qn("w:t")):
        t.tag = qn("w:delText")
    wrap(deleted, "w:del")  # a deletion: not visible
    paragraph.add_run("公开采购信息。")
    path = tmp_path / "tracked.docx"
    document.save(str(path))
    assert load(path).text == "第一条 采购人应当公开采购信息。"


def test_docx_without_text(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "e.docx", ["", "  "])
    with pytest.raises(SkippedFile) as info:
        load(path)
    assert info.value.code == "no_text"
    assert info.value.message == "Word 文件中没有文字"


def test_docx_zero_bytes(tmp_path: Path) -> None:
    path = tmp_path / "z.docx"
    path.write_bytes(b"")
    with pytest.raises(FileLoadError) as info:
        load(path)
    assert info.value.code == "empty"


def test_docx_that_is_plain_text(tmp_path: Path) -> None:
    path = write_text(tmp_path / "t.docx", "这其实是一个文本文件")
    with pytest.raises(FileLoadError) as info:
        load(path)
    assert info.value.code == "corrupt"
    assert "无法读取 Word 文件" in info.value.message
    assert "另存为 .docx" in info.value.message


def test_docx_zip_without_document_xml(tmp_path: Path) -> None:
    good = make_docx(tmp_path / "good.docx", ["正文"])
    bad = tmp_path / "bad.docx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for name in src.namelist():
            if name != "word/document.xml":
                dst.writestr(name, src.read(name))
    with pytest.raises(FileLoadError) as info:
        load(bad)
    assert info.value.code == "corrupt"
    assert str(tmp_path) not in info.value.message  # short detail, no full path


def test_old_doc_renamed_to_docx(tmp_path: Path) -> None:
    path = tmp_path / "old.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    with pytest.raises(FileLoadError) as info:
        load(path)
    assert info.value.code == "corrupt"
    assert ".doc" in info.value.message


# --- pdf ------------------------------------------------------------------------------------------

PDF_PAGE_1 = "第一条　为了规范政府采购行为，提高政府采购资金的使用效益〔2022〕。\n第二条 “政府采购”（含货物、工程和服务）ABC 123４５６。"
PDF_PAGE_2 = "第三条 政府采购应当遵循公开透明原则、公平竞争原则。"


def test_pdf_fixture_round_trips_through_pypdf(tmp_path: Path) -> None:
    from pypdf import PdfReader

    # strict: a wrong xref offset would be an error instead of a silent repair
    reader = PdfReader(make_pdf(tmp_path / "a.pdf", [PDF_PAGE_1, PDF_PAGE_2], title="政府采购法"), strict=True)
    assert [page.extract_text() for page in reader.pages] == [PDF_PAGE_1, PDF_PAGE_2]
    assert reader.metadata.title == "政府采购法"
    scan = PdfReader(make_scanned_pdf(tmp_path / "scan.pdf", n_pages=2), strict=True)
    assert [page.extract_text() for page in scan.pages] == ["", ""]


def test_pdf_fixture_xref_offsets(tmp_path: Path) -> None:
    data = make_pdf(tmp_path / "a.pdf", [PDF_PAGE_1], title="标题").read_bytes()
    xref = data.rindex(b"\nxref\n") + 1
    assert int(data.rsplit(b"startxref\n", 1)[1].split(b"\n")[0]) == xref
    offsets = [int(line[:10]) for line in data[xref:].split(b"\n") if line.endswith(b" n ")]
    assert offsets
    for number, offset in enumerate(offsets, start=1):
        assert data[offset:].startswith(b"%d 0 obj" % number)


def test_pdf_text(tmp_path: Path) -> None:
    loaded = load(make_pdf(tmp_path / "a.pdf", [PDF_PAGE_1, PDF_PAGE_2], title="政府采购法"))
    assert loaded.format == "pdf"
    assert loaded.pages == 2
    assert loaded.text == PDF_PAGE_1 + "\n\n" + PDF_PAGE_2
    assert loaded.title_hint == "政府采购法"


def test_pdf_page_number_lines_dropped(tmp_path: Path) -> None:
    pages = [
        "— 1 —\n第一条 正文内容足够长，不会被当作扫描件。\n7\n第二条 中间的数字行不是页码。\n- 1 -",
        "第 2 页\n第三条 正文。\n第2页 共10页",
        "3\n第四条 正文。\n第 3 页，共 10 页",
    ]
    text = load(make_pdf(tmp_path / "a.pdf", pages)).text
    assert text.split("\n") == [
        "第一条 正文内容足够长，不会被当作扫描件。",
        "7",  # a lone number mid-page may be a table cell: kept
        "第二条 中间的数字行不是页码。",
        "",
        "第三条 正文。",
        "",
        "第四条 正文。",
    ]


def test_scanned_pdf_is_skipped(tmp_path: Path) -> None:
    with pytest.raises(SkippedFile) as info:
        load(make_scanned_pdf(tmp_path / "scan.pdf", n_pages=3))
    assert info.value.code == "no_text_layer"
    assert "no text layer" in info.value.message
    assert "OCR" in info.value.message


def test_pdf_with_only_page_numbers_is_skipped(tmp_path: Path) -> None:
    with pytest.raises(SkippedFile) as info:
        load(make_pdf(tmp_path / "a.pdf", ["- 1 -", "第 2 页"]))
    assert info.value.code == "no_text_layer"


def test_corrupt_pdf(tmp_path: Path) -> None:
    with pytest.raises(FileLoadError) as info:
        load(make_corrupt_pdf(tmp_path / "bad.pdf"))
    assert info.value.code == "corrupt"
    assert "PDF 文件已损坏或无法解析" in info.value.message


@pytest.mark.parametrize("content", [b"<html>not a pdf</html>", b"\x00" * 64])
def test_not_a_pdf(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "fake.pdf"
    path.write_bytes(content)
    with pytest.raises(FileLoadError) as info:
        load(path)
    assert info.value.code == "corrupt"


def test_zero_byte_pdf(tmp_path: Path) -> None:
    path = tmp_path / "z.pdf"
    path.write_bytes(b"")
    with pytest.raises(FileLoadError) as info:
        load(path)
    assert info.value.code == "empty"


def test_encrypted_pdf_with_password(tmp_path: Path) -> None:
    with pytest.raises(FileLoadError) as info:
        load(make_encrypted_pdf(tmp_path / "locked.pdf", [PDF_PAGE_1], user_password="secret"))
    assert info.value.code == "encrypted"
    assert "密码" in info.value.message


def test_encrypted_pdf_with_empty_password_opens(tmp_path: Path) -> None:
    loaded = load(make_encrypted_pdf(tmp_path / "restricted.pdf", [PDF_PAGE_1], user_password=""))
    assert loaded.text == PDF_PAGE_1


def test_bad_pdf_does_not_log(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(FileLoadError):
        load(make_corrupt_pdf(tmp_path / "bad.pdf"))
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]


# --- dispatcher -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["表格.xlsx", "旧文件.doc", "无扩展名"])
def test_unsupported_type(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"whatever")
    with pytest.raises(SkippedFile) as info:
        load(path)
    assert info.value.code == "unsupported_type"


def test_suffix_is_case_insensitive(tmp_path: Path) -> None:
    path = write_text(tmp_path / "A.TXT", "政府采购")
    assert load(path).text == "政府采购"
