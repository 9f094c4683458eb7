"""A document's own facts — its 文号, who issued it, its date — when a question asks them of a document
it names. Pure functions.

"政府采购促进中小企业发展管理办法的文号是多少", "许昌这个春风行动方案是哪个部门发的": the answer is no
sentence of any provision but the document's header, which ingest reads into every passage's metadata
(`Chunk.doc_number`, `issuer`, `date`) and keeps at the top of its opening passage. The best-matching
sentence would be wrong here ("…（财库﹝2011﹞181 号）同时废止" is another document's number), so the
answer states the facts and quotes the header instead. A fact must be asked of a document ("…管理办法是哪年
印发的", not "…办法规定中标公告什么时候发布"), and the question must name it — by a lookup
(kb.lookup: "质疑投诉办法", "87号令") or by sharing enough of its title — for its facts to be told:
"处理决定书文号是多少" asks about a case's paper, not a policy, and gets the ordinary answer path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.grounded import cn_date
from kb.models import Chunk
from kb.tokenize import Tokenizer

NUMBER, ISSUER, DATE = "number", "issuer", "date"

_ISSUED = r"(?:发布|印发|下发|出台|颁布|制定|发(?![放现生展票货起言]))"
_ASKED: dict[str, re.Pattern[str]] = {
    NUMBER: re.compile(r"文号|发文字号|文件号"),
    ISSUER: re.compile(
        rf"(?:哪个|哪一个|什么|哪些)(?:部门|单位|机关|机构){_ISSUED}|谁{_ISSUED}的|由谁{_ISSUED}"
        r"|(?:发文|印发|制定|发布)(?:机关|单位|部门)"
    ),
    DATE: re.compile(
        rf"(?:什么时候|啥时候|何时|哪天|哪一天|哪年|哪一年|几月|几号){_ISSUED}|(?:印发|发布|成文|发文|出台|颁布)(?:日期|时间)"
    ),
}
# a question names a document without a lookup when this many of its bigrams, and this share of them, are its title's
MIN_SHARED_BIGRAMS = 4
MIN_SHARED_SHARE = 0.5


# what a fact is asked of must be a document: "…管理办法是哪年印发的", "这个文件的文号", not "中标公告什么时候发布"
# or "投诉处理决定书的文号"; between the two only such words as 的, 是, 这个 may stand
_DOCUMENT_BEFORE = re.compile(
    # "具体实施办法由谁制定" asks a provision who will make the rules, not who issued a document
    r"(?:(?<!具体)(?<!实施)(?<!配套)(?<![其各])(?:办法|细则|规则)|(?<!办)法|条例|通知|方案|文件|规定|意见|令|号文|指引"
    r"|〔\d{4}〕\s*\d+\s*号|令第\s*\d+\s*号)"  # or its 文号: "财库〔2019〕38号是谁发的"
    r"(?:的|是|是在|是由|由|于|这个|这份|该|最早|当初|，|,|\s)*$"
)


def asked_facts(question: str) -> tuple[str, ...]:
    """Which of the document's facts (NUMBER, ISSUER, DATE) the question asks for, in that order: none
    unless one of them is asked right after naming a document (then the others asked with it count too)."""
    found = {kind: [m.start() for m in pattern.finditer(question)] for kind, pattern in _ASKED.items()}
    if not any(_DOCUMENT_BEFORE.search(question[:at]) for starts in found.values() for at in starts):
        return ()
    return tuple(kind for kind, starts in found.items() if starts)


def _title_words(question: str) -> set[str]:
    """The question's bigrams, without those of the words that ask for the facts (文号, 哪个部门发)."""
    rest = question
    for pattern in _ASKED.values():
        rest = pattern.sub(" ", rest)
    return set(Tokenizer.query_bigrams(rest))


def named_document(question: str, chunks: Iterable[Chunk], named_title: str | None = None) -> Chunk | None:
    """The passage whose (sub-)document the question names: the one a lookup resolved (`named_title`),
    else the title sharing the most bigrams with the question (at least MIN_SHARED_BIGRAMS, and
    MIN_SHARED_SHARE of the question's: "春风市合同签订与资金支付管理办法" does not name a 春风行动 plan;
    a shorter title wins a tie, being the more exact name)."""
    chunks = list(chunks)
    if named_title is not None:
        return next((c for c in chunks if c.title == named_title), None)
    words = _title_words(question)
    best: tuple[int, float, Chunk] | None = None
    for c in chunks:
        title = set(Tokenizer.bigrams(c.title))
        shared = len(words & title)
        if shared >= MIN_SHARED_BIGRAMS and shared >= MIN_SHARED_SHARE * len(words) and title:
            key = (shared, shared / len(title))
            if best is None or key > best[:2]:
                best = (*key, c)
    return best[2] if best else None


def own_date(doc: Chunk) -> str:
    """The document's date, when it is its own: a file's date is that of its outermost document, so a notice
    forwarded inside another (许财购〔2023〕1号 inside 禹财购〔2023〕3号) does not have it; a measure attached
    to the notice that issued it does."""
    outermost = doc.parents.split("；")[0] if doc.parents else ""
    m = re.search(r"（([^（）]*)）$", outermost)
    return doc.date if (m.group(1) if m else doc.doc_number) == doc.doc_number else ""


def statement(kinds: Iterable[str], doc: Chunk) -> str:
    """One sentence telling the facts asked for, and saying so when the knowledge base does not record one."""
    issuer = "、".join(doc.issuer.split())
    date = own_date(doc)
    told = {
        NUMBER: f"文号为{doc.doc_number}" if doc.doc_number else "知识库中的文本没有载明文号",
        ISSUER: f"由{issuer}发布" if issuer else "知识库中的文本没有载明发文机关",
        DATE: f"文件所载日期为{cn_date(date)}" if date else "知识库没有单独记录它的日期，请以原文落款为准",
    }
    return f"《{doc.title}》" + "，".join(told[k] for k in kinds) + "。"


def opening(doc: Chunk, chunks: Iterable[Chunk]) -> Chunk:
    """The passage that opens the document with its header (the 文号 line), else its first passage."""
    chunks = sorted((c for c in chunks if c.doc_id == doc.doc_id), key=lambda c: c.ordinal)
    if doc.doc_number:
        held = next((c for c in chunks if doc.doc_number in c.text), None)
        if held is not None:
            return held
    return next((c for c in chunks if c.title == doc.title), doc)
