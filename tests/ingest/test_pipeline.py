"""Ingest over real files of every format: bad files are named with a reason, the rest go in."""

from pathlib import Path

from tests.fixtures.make_files import make_corrupt_pdf, make_docx, make_pdf, make_scanned_pdf, write_text
from tests.fixtures.texts import CAIKU_NOTICE, law_md
from tests.kb.helpers import ingest, open_kb


def test_every_format_ingests_and_bad_files_are_reported(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_text(corpus / "law.md", law_md(), "utf-8")
    write_text(corpus / "notice-gbk.txt", CAIKU_NOTICE, "gb18030")
    write_text(corpus / "notice-utf16.txt", CAIKU_NOTICE.replace("示例中小企业扶持办法", "示例创新扶持办法"), "utf-16")
    (corpus / "page.html").write_text(
        "<html><head><title>示例公告</title></head><body><h1>示例公告</h1><p>第一条 采购人不得收取保证金。</p></body></html>",
        encoding="utf-8",
    )
    make_docx(corpus / "rules.docx", ["示例细则", "第一条 供应商可以在网上免费下载采购文件。", "第二条 本细则自发布之日起施行。"])
    make_pdf(corpus / "measure.pdf", ["示例付款办法\n第一条 采购人应当在收到发票后十个工作日内付款。", "第二条 本办法自发布之日起施行。"])
    make_scanned_pdf(corpus / "scan.pdf")
    make_corrupt_pdf(corpus / "broken.pdf")
    (corpus / "empty.docx").write_bytes(b"")
    (corpus / "table.xlsx").write_bytes(b"PK\x03\x04")
    (corpus / "README.md").write_text("# 说明\n这里放政策文件。", encoding="utf-8")

    kb = open_kb(tmp_path / "kb")
    report = ingest(kb, corpus)
    status = {f.source: (f.status, f.reason_code) for f in report.files}
    assert status["broken.pdf"] == ("failed", "corrupt")
    assert status["empty.docx"] == ("failed", "empty")
    assert status["scan.pdf"] == ("skipped", "no_text_layer")
    assert status["table.xlsx"] == ("skipped", "unsupported_type")
    assert status["README.md"] == ("skipped", "readme")
    for name in ("law.md", "notice-gbk.txt", "notice-utf16.txt", "page.html", "rules.docx", "measure.pdf"):
        assert status[name] == ("ingested", ""), name
    assert report.exit_code == 1
    reasons = {f.source: f.reason for f in report.files}
    assert "no text layer" in reasons["scan.pdf"] and "PDF" in reasons["broken.pdf"]
    texts = " ".join(c.text for c in kb.registry.iter_chunks())
    assert "十个工作日内付款" in texts and "免费下载采购文件" in texts and "不得收取保证金" in texts
    pdf_doc = next(d for d in kb.documents() if d.source == "measure.pdf")
    assert pdf_doc.format == "pdf" and pdf_doc.extra["pages"] == 2


def test_all_good_files_exit_zero_and_manifest_metadata_applies(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_text(corpus / "law.md", law_md(), "utf-8")
    (corpus / "MANIFEST.tsv").write_text(
        "file\ttitle\tdoc_number\tissuer\tdate\tjurisdiction\nlaw.md\t示例采购管理法\t示例令第1号\t示例市人大常委会\t2099-06-30\tcity\n",
        encoding="utf-8",
    )
    kb = open_kb(tmp_path / "kb")
    report = ingest(kb, corpus)
    assert report.exit_code == 0
    assert [f.status for f in report.files if f.source == "MANIFEST.tsv"] == ["skipped"]
    doc = kb.documents()[0]
    assert (doc.doc_number, doc.issuer, doc.jurisdiction) == ("示例令第1号", "示例市人大常委会", "city")
    art = next(c for c in kb.registry.iter_chunks() if c.article == 3)
    assert art.doc_number == "示例令第1号" and art.jurisdiction == "city"
    # editing the sidecar alone re-ingests the file
    (corpus / "MANIFEST.tsv").write_text(
        "file\ttitle\tdoc_number\tissuer\tdate\tjurisdiction\nlaw.md\t示例采购管理法\t示例令第2号\t示例市人大常委会\t2099-06-30\tcity\n",
        encoding="utf-8",
    )
    again = ingest(kb, corpus)
    assert [f.status for f in again.files if f.source == "law.md"] == ["ingested"]


def test_missing_path_is_reported(tmp_path: Path):
    kb = open_kb(tmp_path / "kb")
    report = ingest(kb, tmp_path / "nope")
    assert report.exit_code == 1 and report.files[0].reason_code == "not_found"
