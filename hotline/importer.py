"""Import of historical 12345 records (诉求内容 + 答复内容) as FAQ candidates for admin review.

    report = import_records(Path("2024年热线记录.xlsx"), faq_store)
    report.summary  # {"total": …, "imported": …, "duplicate": …, "near_duplicate": …, "skipped": …}
    report.rows     # one outcome per data row, with the row number of the file

Files: CSV (UTF-8, with or without BOM, or GB18030/GBK; comma, tab or semicolon separated) or
XLSX (the first sheet). The header row may sit below a title line; columns are found by name:
诉求内容, 答复内容, 分类, 日期 and their common aliases (see ``COLUMNS``). Only the question and the
answer are required.

Each row becomes one of:

* ``imported`` — a new FAQ draft (``created_by`` "12345导入"), to be reviewed and published by an admin;
* ``duplicate`` — the same question (after :func:`normalize_question`) as an FAQ entry or an earlier row;
* ``near_duplicate`` — alike enough (``bot.faq.similarity`` ≥ the threshold, by default the FAQ
  matching threshold) to an FAQ entry or an earlier imported row; named in ``resembles``; not
  imported unless asked to;
* ``skipped`` — with a reason: an empty question or answer, a date that cannot be read, a text too long.

Parsing, normalisation and the per-row decisions are pure functions; only :func:`import_records`
touches the FAQ store. The caller's question text is masked (phone and ID numbers) before it is
stored or reported; the answer is the official reply and is kept as written.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from bot.faq import STATUS_NAMES as FAQ_STATUS_NAMES, FaqStore, similarity
from chunfeng.errors import InvalidInput, TooLarge
from chunfeng.masking import mask
from hotline.categories import Categories
from kb.embed import HashNgramEmbedder
from kb.textnorm import normalize
from kb.tokenize import Tokenizer

IMPORTER = "12345导入"
MAX_ROWS = 20000
MAX_QUESTION = 2000  # the FAQ editor's limits
MAX_ANSWER = 4000
HEADER_SCAN = 10  # rows searched for the header (exports often start with a title line)

# field -> accepted column names, preferred first
COLUMNS: dict[str, tuple[str, ...]] = {
    "question": ("诉求内容", "内容", "诉求", "问题", "来电内容", "咨询内容", "诉求描述", "问题描述", "问题内容"),
    "answer": ("答复内容", "答复", "回复", "办理结果", "回复内容", "答复意见", "处理结果", "办理情况", "答复口径"),
    "category": ("分类", "类别", "诉求分类", "问题分类", "业务分类", "诉求类别"),
    "date": ("日期", "时间", "受理时间", "来电时间", "受理日期", "来电日期", "登记时间", "创建时间"),
}
FIELD_NAMES = {"question": "诉求内容", "answer": "答复内容", "category": "分类", "date": "日期"}

IMPORTED, DUPLICATE, NEAR_DUPLICATE, SKIPPED = "imported", "duplicate", "near_duplicate", "skipped"
STATUS_NAMES = {IMPORTED: "已导入（待审核）", DUPLICATE: "重复", NEAR_DUPLICATE: "近似重复", SKIPPED: "已跳过"}

_NOT_WORD = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff*]+")
_HEADER_JUNK = re.compile(r"[\s*＊:：]|[（(【〔\[].*?[)）】〕\]]")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[\sT]+\d{1,2}[:：]\d{1,2}(?:[:：]\d{1,2}(?:\.\d+)?)?)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\d{4,6})?$")
_EXCEL_EPOCH = datetime(1899, 12, 30)


# -- records ------------------------------------------------------------------------------------
@dataclass
class Record:
    """One data row of the file, with its 1-based row number in the file."""

    row: int
    question: str
    answer: str
    category: str = ""
    date: Any = None  # as read: a string, a date/datetime (XLSX) or a number


@dataclass
class RowOutcome:
    row: int
    status: str
    question: str = ""  # masked
    category: str = ""
    date: str | None = None
    reason: str = ""
    duplicate_of: dict[str, Any] | None = None  # {"faq_id"} or {"row"}, plus the question
    resembles: dict[str, Any] | None = None  # the same, plus "score"
    faq_id: str | None = None
    answer: str = field(default="", repr=False)  # what a draft would be created with

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"row": self.row, "status": self.status, "status_name": STATUS_NAMES[self.status],
                               "question": self.question, "category": self.category, "date": self.date}
        for key in ("reason", "duplicate_of", "resembles", "faq_id"):
            value = getattr(self, key)
            if value:
                out[key] = value
        return out


@dataclass
class ImportReport:
    rows: list[RowOutcome]
    format: str
    encoding: str | None
    columns: dict[str, str]
    threshold: float
    dry_run: bool = False

    @property
    def summary(self) -> dict[str, Any]:
        counts = {s: sum(1 for r in self.rows if r.status == s) for s in STATUS_NAMES}
        return {"total": len(self.rows), **counts, "drafts_created": sum(1 for r in self.rows if r.faq_id),
                "format": self.format, "encoding": self.encoding, "columns": self.columns, "threshold": self.threshold,
                "dry_run": self.dry_run}

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary, "rows": [r.to_dict() for r in self.rows]}


# -- pure parsing -------------------------------------------------------------------------------
def normalize_question(text: str) -> str:
    """The form two questions are compared in: NFKC, lower case, no spaces or punctuation."""
    return _NOT_WORD.sub("", normalize(text or ""))


def clean_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"[ \t\u3000]+", " ", str(value).replace("\r\n", "\n").replace("\r", "\n")).strip()


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding) of a CSV file: UTF-8 (BOM or not), UTF-16 with BOM, else GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise InvalidInput("无法识别文件的文字编码：CSV 文件应为 UTF-8 或 GB18030（GBK）编码。"
                           "请在 Excel 或 WPS 中“另存为”CSV UTF-8 后重新上传，或直接上传 .xlsx 文件。") from exc


def csv_rows(text: str) -> list[list[str]]:
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", "\t", ";", "，"), key=first.count) if first else ","
    if first.count(delimiter) == 0:
        delimiter = ","
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def xlsx_rows(data: bytes) -> list[list[Any]]:
    """The first sheet's rows, cell values as openpyxl reads them (dates as datetime)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InvalidInput("无法读取该 Excel 文件：文件可能已损坏或不是 .xlsx 格式。请用 Excel 或 WPS 打开后另存为 .xlsx 再上传。") from exc
    try:
        sheet = book.worksheets[0]
        rows: list[list[Any]] = []
        for values in sheet.iter_rows(values_only=True):
            rows.append(list(values))
            if len(rows) > MAX_ROWS + HEADER_SCAN + 1:
                break
        return rows
    finally:
        book.close()


def read_table(data: bytes, filename: str | None = None) -> tuple[list[list[Any]], str, str | None]:
    """(rows, format, encoding) of an uploaded CSV or XLSX file."""
    name = (filename or "").lower()
    if not data.strip():
        raise InvalidInput("上传的文件是空的。请选择包含“诉求内容”“答复内容”两列的 CSV 或 Excel（.xlsx）文件。")
    if data.startswith(b"\xd0\xcf\x11\xe0") or name.endswith(".xls"):
        raise InvalidInput("不支持旧版 Excel（.xls）文件。请在 Excel 或 WPS 中另存为 .xlsx 或 CSV（UTF-8）后重新上传。")
    if data.startswith(b"PK\x03\x04") or name.endswith((".xlsx", ".xlsm")):
        return xlsx_rows(data), "xlsx", None
    text, encoding = decode_text(data)
    return csv_rows(text), "csv", encoding


def _header_key(cell: Any) -> str:
    return _HEADER_JUNK.sub("", normalize(clean_cell(cell)))


def map_columns(header: list[Any]) -> dict[str, int]:
    """Field -> column index for the fields this header row names (preferred names first)."""
    keys = [_header_key(c) for c in header]
    found: dict[str, int] = {}
    for fieldname, names in COLUMNS.items():
        for name in names:
            if name in keys and keys.index(name) not in found.values():
                found[fieldname] = keys.index(name)
                break
    return found


def find_header(rows: list[list[Any]]) -> tuple[int, dict[str, int]]:
    """(index of the header row, its column map); InvalidInput naming what is missing."""
    for i, row in enumerate(rows[:HEADER_SCAN]):
        mapping = map_columns(row)
        if "question" in mapping and "answer" in mapping:
            return i, mapping
    first = next((r for r in rows[:HEADER_SCAN] if any(clean_cell(c) for c in r)), [])
    seen = "、".join(clean_cell(c) for c in first if clean_cell(c)) or "（空）"
    raise InvalidInput(
        f"找不到必需的列：表头应包含“诉求内容”（或 {'/'.join(COLUMNS['question'][1:4])}）和“答复内容”"
        f"（或 {'/'.join(COLUMNS['answer'][1:4])}）两列，可选“分类”“日期”。文件首行是：{seen}。请修改表头后重新上传。"
    )


def records_of(rows: list[list[Any]]) -> tuple[list[Record], dict[str, str]]:
    """The data rows as records (blank lines dropped), and the column names that were used."""
    at, mapping = find_header(rows)
    header = rows[at]

    def cell(row: list[Any], fieldname: str) -> Any:
        i = mapping.get(fieldname)
        return row[i] if i is not None and i < len(row) else None

    records = []
    for offset, row in enumerate(rows[at + 1:], start=at + 2):
        if not any(clean_cell(c) for c in row):
            continue
        records.append(Record(offset, clean_cell(cell(row, "question")), clean_cell(cell(row, "answer")),
                              clean_cell(cell(row, "category")), cell(row, "date")))
    if len(records) > MAX_ROWS:
        raise TooLarge(f"文件有 {len(records)} 行记录，超过单次导入上限 {MAX_ROWS} 行。请拆分成几个文件分批导入。")
    return records, {FIELD_NAMES[f]: clean_cell(header[i]) for f, i in mapping.items()}


def parse_date(value: Any) -> date | None:
    """A record's date, or None when the cell is empty; ValueError when it cannot be read.
    Accepts 2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日, 20240305 (each with an optional time),
    Excel dates and Excel day numbers."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 20000 <= value <= 80000:  # an Excel serial day number (1954..2119)
            return (_EXCEL_EPOCH + timedelta(days=float(value))).date()
        value = clean_cell(value)
    text = normalize(str(value))
    m = _DATE.match(text) or _COMPACT_DATE.match(text)
    if not m:
        raise ValueError(text)
    return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


# -- similar questions ----------------------------------------------------------------------------
class SimilarityIndex:
    """The most similar of the texts added so far, by ``bot.faq.similarity``, without calling it
    for every pair: the n-gram cosines are one matrix product and the bigram Dice coefficients come
    from postings; only texts that can reach the threshold are then scored by ``similarity`` itself,
    so the result is exactly what comparing with every text would give (ties: the earliest text)."""

    def __init__(self) -> None:
        self._embedder = HashNgramEmbedder()
        self._vectors: dict[str, np.ndarray] = {}
        self._matrix = np.zeros((64, self._embedder.dim), dtype=np.float32)
        self._sizes = np.zeros(64, dtype=np.float32)
        self._postings: dict[str, list] = {}  # bigram -> [array of text indices, used length]
        self.texts: list[str] = []
        self.items: list[Any] = []

    def embed_query(self, text: str) -> np.ndarray:
        """The embedder ``similarity`` is given: each text's vector is computed once."""
        vec = self._vectors.get(text)
        if vec is None:
            vec = self._vectors[text] = self._embedder.embed_query(text)
        return vec

    def similarity(self, a: str, b: str) -> float:
        return similarity(a, b, self)  # type: ignore[arg-type]

    def __len__(self) -> int:
        return len(self.texts)

    def add(self, text: str, item: Any) -> None:
        i = len(self.texts)
        if i == len(self._matrix):
            self._matrix = np.vstack([self._matrix, np.zeros_like(self._matrix)])
            self._sizes = np.concatenate([self._sizes, np.zeros_like(self._sizes)])
        grams = set(Tokenizer.query_bigrams(text))
        self._matrix[i] = self.embed_query(text)
        self._sizes[i] = len(grams)
        for g in grams:
            post = self._postings.setdefault(g, [np.zeros(8, dtype=np.int64), 0])
            if post[1] == len(post[0]):
                post[0] = np.concatenate([post[0], np.zeros_like(post[0])])
            post[0][post[1]] = i
            post[1] += 1
        self.texts.append(text)
        self.items.append(item)

    def best(self, text: str, threshold: float) -> tuple[Any, float] | None:
        """(item, score) of the most similar text with similarity ≥ threshold, or None."""
        n = len(self.texts)
        if n == 0:
            return None
        cos = self._matrix[:n] @ self.embed_query(text)
        candidates = cos >= threshold - 1e-4
        grams = set(Tokenizer.query_bigrams(text))
        lists = [p[0][: p[1]] for g in grams if (p := self._postings.get(g))]
        if lists:
            shared = np.bincount(np.concatenate(lists), minlength=n)[:n]
            candidates |= 2 * shared / (len(grams) + self._sizes[:n]) >= threshold - 1e-4
        best: tuple[int, float] | None = None
        for i in np.nonzero(candidates)[0]:
            score = self.similarity(text, self.texts[int(i)])
            if score >= threshold and (best is None or score > best[1]):
                best = (int(i), score)
        return (self.items[best[0]], best[1]) if best else None


@dataclass
class Known:
    """A question already there: an FAQ entry (faq_id) or an earlier row of the file (row)."""

    question: str
    faq_id: str | None = None
    row: int | None = None
    status: str | None = None

    def ref(self, score: float | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"faq_id": self.faq_id} if self.faq_id else {"row": self.row}
        if self.status:
            out["faq_status"] = FAQ_STATUS_NAMES.get(self.status, self.status)
        out["question"] = mask(self.question)
        if score is not None:
            out["score"] = round(score, 3)
        return out


def plan(records: Iterable[Record], existing: list[Known], *, threshold: float, categories: Categories | None = None,
         import_near_duplicates: bool = False) -> list[RowOutcome]:
    """What to do with each record, in file order. Pure: nothing is written."""
    by_norm: dict[str, Known] = {}
    compare = SimilarityIndex()  # near-duplicate candidates: the FAQ and the rows imported so far
    for k in existing:
        by_norm.setdefault(normalize_question(k.question), k)
        compare.add(k.question, k)
    out: list[RowOutcome] = []
    for rec in records:
        question = mask(rec.question)
        outcome = RowOutcome(rec.row, SKIPPED, question=question, category=rec.category, answer=rec.answer)
        try:
            day = parse_date(rec.date)
            outcome.date = day.isoformat() if day else None
        except ValueError:
            outcome.reason = (f"日期“{clean_cell(rec.date)}”无法识别：应为 YYYY-MM-DD（如 2024-03-05），"
                              "也可写作 2024/3/5、2024年3月5日。请改正后重新导入该行。")
            out.append(outcome)
            continue
        if not rec.question:
            outcome.reason = "诉求内容为空：没有问题的记录无法作为常见问题。"
        elif not rec.answer:
            outcome.reason = "答复内容为空：请补充答复后再导入该行。"
        elif len(rec.question) > MAX_QUESTION:
            outcome.reason = f"诉求内容太长（{len(rec.question)} 字），常见问题的问题应在 {MAX_QUESTION} 字以内，请精简后再导入。"
        elif len(rec.answer) > MAX_ANSWER:
            outcome.reason = f"答复内容太长（{len(rec.answer)} 字），常见问题的答复应在 {MAX_ANSWER} 字以内，请精简后再导入。"
        elif not normalize_question(rec.question):
            outcome.reason = "诉求内容只有标点或空白，无法作为常见问题。"
        if outcome.reason:
            out.append(outcome)
            continue
        if not outcome.category and categories is not None:
            outcome.category = categories.classify(rec.question)
        norm = normalize_question(question)
        same = by_norm.get(norm)
        if same is not None:
            outcome.status, outcome.duplicate_of = DUPLICATE, same.ref()
            out.append(outcome)
            continue
        me = Known(question, row=rec.row)
        by_norm[norm] = me
        best = compare.best(question, threshold)
        if best is not None:
            outcome.status, outcome.resembles = NEAR_DUPLICATE, best[0].ref(best[1])
            if import_near_duplicates:
                compare.add(question, me)
        else:
            outcome.status = IMPORTED
            compare.add(question, me)
        out.append(outcome)
    return out


# -- the one function that writes -----------------------------------------------------------------
def import_records(source: Path | str | bytes, faq_store: FaqStore, *, filename: str | None = None,
                   threshold: float | None = None, import_near_duplicates: bool = False, dry_run: bool = False,
                   categories: Categories | None = None, created_by: str = IMPORTER) -> ImportReport:
    """Read a CSV/XLSX file (a path or its bytes), decide each row, and create the FAQ drafts.

    ``threshold`` defaults to the FAQ store's matching threshold: a row that alike to an entry
    would be answered by that entry anyway. ``import_near_duplicates`` also creates drafts for
    near-duplicates (still reported as such); ``dry_run`` writes nothing.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InvalidInput(f"无法读取文件 {path}：{exc.strerror or exc}。请检查路径。") from exc
        filename = filename or path.name
    else:
        data = bytes(source)
    threshold = faq_store.threshold if threshold is None else threshold
    if not 0.0 < threshold <= 1.0:
        raise InvalidInput(f"相似度阈值 {threshold} 无效：应在 0 到 1 之间（如 0.72）。")
    rows, fmt, encoding = read_table(data, filename)
    records, columns = records_of(rows)
    existing = [Known(e.question, faq_id=e.id, status=e.status) for e in faq_store.list()]
    outcomes = plan(records, existing, threshold=threshold,
                    categories=categories or Categories.load(), import_near_duplicates=import_near_duplicates)
    if not dry_run:
        for o in outcomes:
            if o.status == IMPORTED or (o.status == NEAR_DUPLICATE and import_near_duplicates):
                o.faq_id = faq_store.draft(o.question, o.answer, [], source_ticket=None, created_by=created_by).id
    return ImportReport(outcomes, fmt, encoding, columns, threshold, dry_run)
