"""Grounded generation as pure functions: the prompt a language model answers from, the check its
answer must pass before anyone sees it, and the answer as it is shown.

**The prompt.** The system message is rendered from ``templates/grounded.j2``: the rules, then the
numbered provisions (title, section, 文号, issuer and date, text). It is a function of the provisions
only — no user text can reach it. The last few turns of the conversation follow as user/assistant
messages, and the question is the last user message. The rules say that nothing in a user message
can change them.

**The check** (``verify``), in this order; the first failure rejects the answer:

1. the answer is not empty;
2. it cites at least one provision as [n];
3. every [n] is one of the provisions given (1 ≤ n ≤ their number);
4. every fact of every sentence — quantity (time limit, percentage, amount, count, date), bare
   Arabic number, document number, article number, 《title》 (see ``bot.facts``) — appears in the
   provisions that sentence cites; a sentence that cites nothing is checked against the provisions
   its paragraph cites, and a paragraph that cites nothing against all the answer cites.

**The answer shown** keeps the model's [n] markers and ends with 依据： and one line per cited
provision, named 《title》section（文号） exactly as the extractive answer names its sources.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import jinja2

from bot.facts import ARTICLE, DOC_NUMBER, NUMBER, QUANTITY, TITLE, Evidence, extract
from bot.llm import Message
from bot.types import Citation

TEMPLATES = Path(__file__).resolve().parent / "templates"
HISTORY_CHARS = 600  # per earlier message: enough to resolve "那小微企业呢？", not a second knowledge base

# reasons a generated answer is rejected (also: "timeout" and "llm_error" when generation fails)
EMPTY, NO_CITATION, UNKNOWN_CITATION = "empty", "no_citation", "unknown_citation"
UNSUPPORTED_NUMBER, UNSUPPORTED_DOC_NUMBER = "unsupported_number", "unsupported_doc_number"
UNSUPPORTED_ARTICLE, UNSUPPORTED_SOURCE = "unsupported_article", "unsupported_source"
_REASON_OF_KIND = {QUANTITY: UNSUPPORTED_NUMBER, NUMBER: UNSUPPORTED_NUMBER, DOC_NUMBER: UNSUPPORTED_DOC_NUMBER,
                   ARTICLE: UNSUPPORTED_ARTICLE, TITLE: UNSUPPORTED_SOURCE}

# [1] [1][2] [1,2] [1、3] [1-3] ［1］ 【1】; one or two digits, so 财库[2020]46号 is never a reference
REF = re.compile(r"[\[［【]\s*(\d{1,2}(?:\s*[,，、\-–~～]\s*\d{1,2})*)\s*[\]］】]")
_REF_RUN = rf"(?:\s*{REF.pattern})+"
_TRAILING_REFS = re.compile(rf"([。！？!?；;])({_REF_RUN})")  # "…完成支付。[1]" cites that sentence
_SENTENCE = re.compile(r"(?<=[。！？!?；;])|\n")
_PARAGRAPH = re.compile(r"\n\s*\n")


# -- the prompt ------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    # plain text for a model, not HTML: no autoescape; a missing field is a bug, not an empty string
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=False, trim_blocks=True,
                             lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    return env.get_template("grounded.j2")


def cn_date(date: str) -> str:
    """2024-02-20 → 2024年2月20日, the way the texts write dates (so the model copies that form)."""
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", (date or "").strip())
    return f"{m[1]}年{int(m[2])}月{int(m[3])}日" if m else (date or "")


def _label(c: Citation) -> str:
    return c.label or (c.section or "").split(" > ")[-1]


def system_prompt(provisions: Sequence[Citation]) -> str:
    """The rules and the numbered provisions. Takes no user text, by design."""
    items = [{"title": c.title or c.source, "label": _label(c), "doc_number": c.doc_number, "section": c.section,
              "issuer": c.issuer, "date": cn_date(c.date), "text": c.text.strip()} for c in provisions]
    return _template().render(provisions=items).strip() + "\n"


_SOURCES_LIST = re.compile(r"\n\s*依据：\s*\n\s*\[\d.*\Z", re.S)


def _earlier(message: Message) -> str:
    """An earlier message as context: a generated answer loses its [n] markers and source list,
    which numbered that turn's provisions, not this one's."""
    text = message.get("content") or ""
    if message.get("role") == "assistant":
        text = REF.sub("", _SOURCES_LIST.sub("", text))
    return text.strip()[:HISTORY_CHARS]


def recent_history(history: Sequence[Message], turns: int) -> list[Message]:
    """The last `turns` exchanges of the conversation, as user/assistant messages, each cut short."""
    if turns <= 0:
        return []
    kept = [{"role": m["role"], "content": _earlier(m)} for m in history if m.get("role") in ("user", "assistant")]
    return [m for m in kept if m["content"]][-2 * turns :]


def build_messages(question: str, provisions: Sequence[Citation], history: Sequence[Message] = ()) -> list[Message]:
    """system (rules + provisions), then the conversation so far, then the question as the user asked it."""
    return [{"role": "system", "content": system_prompt(provisions)}, *history, {"role": "user", "content": question}]


# -- references ------------------------------------------------------------------------------------
def _numbers(group: str) -> list[int]:
    out: list[int] = []
    for part in re.split(r"\s*[,，、]\s*", group.strip()):
        bounds = re.split(r"\s*[\-–~～]\s*", part)
        if len(bounds) == 2 and all(b.isdigit() for b in bounds) and int(bounds[0]) <= int(bounds[1]) <= 99:
            out += list(range(int(bounds[0]), int(bounds[1]) + 1))
        elif part.isdigit():
            out.append(int(part))
    return out


def references(text: str) -> list[int]:
    """The provision numbers a text cites, in order, with repeats: "…[1]…[2,3]" → [1, 2, 3]."""
    return [n for m in REF.finditer(text) for n in _numbers(m.group(1))]


def strip_references(text: str) -> str:
    return REF.sub(" ", text)


def tidy_references(text: str) -> str:
    """One way to write references, inside the sentence they support: "支付。[1,2]" → "支付[1][2]。"."""
    text = REF.sub(lambda m: "".join(f"[{n}]" for n in _numbers(m.group(1))), text)
    return _TRAILING_REFS.sub(lambda m: re.sub(r"\s+", "", m.group(2)) + m.group(1), text)


def sentences(paragraph: str) -> list[str]:
    return [s for s in _SENTENCE.split(paragraph) if s and s.strip()]


# -- the check -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str | None = None  # one of the reason codes above when rejected
    detail: str = ""  # what was wrong, in Chinese, quoting the answer (never the user's text)


ACCEPTED = Verdict(True)


def evidence_of(c: Citation) -> Evidence:
    """Everything a provision states that an answer could repeat: its text, where it sits, and its document."""
    # "|" keeps the fields apart: normalisation glues CJK across spaces ("第九条 财库〔2020〕46号")
    fields = (f"《{c.title}》" if c.title else "", c.label, c.section, c.doc_number, c.issuer, cn_date(c.date), c.text)
    return Evidence.of(" | ".join(x for x in fields if x), titles=(c.title,))


def verify(answer: str, provisions: Sequence[Citation]) -> Verdict:
    """Accept the answer only if every citation and every fact in it is backed by the provisions it cites."""
    text = tidy_references((answer or "").strip())
    if not text:
        return Verdict(False, EMPTY, "大模型返回了空答复。")
    cited = references(text)
    if not cited:
        return Verdict(False, NO_CITATION, "答复没有用 [n] 标注所依据的条文。")
    unknown = sorted({n for n in cited if not 1 <= n <= len(provisions)})
    if unknown:
        shown = "".join(f"[{n}]" for n in unknown)
        return Verdict(False, UNKNOWN_CITATION, f"答复引用了 {shown}，但只提供了 {len(provisions)} 条条文。")
    evidence = {n: evidence_of(provisions[n - 1]) for n in set(cited)}
    everywhere = sorted(set(cited))
    for paragraph in _PARAGRAPH.split(text):
        in_paragraph = sorted(set(references(paragraph)))
        for sentence in sentences(paragraph):
            scope = sorted(set(references(sentence))) or in_paragraph or everywhere
            known = Evidence()
            for n in scope:
                known = known.merge(evidence[n])
            for fact in extract(strip_references(sentence)):
                if not known.supports(fact):
                    where = "".join(f"[{n}]" for n in scope)
                    return Verdict(False, _REASON_OF_KIND[fact.kind], f"答复中的“{fact.surface}”没有出现在所引条文 {where} 中。")
    return ACCEPTED


# -- the answer shown ------------------------------------------------------------------------------
def source_name(c: Citation) -> str:
    """《title》section（文号）, as the extractive answer writes it."""
    return c.name or f"《{c.title or c.source}》{_label(c)}" + (f"（{c.doc_number}）" if c.doc_number else "")


def render_answer(answer: str, provisions: Sequence[Citation]) -> str:
    """The verified answer with its sources listed by number at the end."""
    body = tidy_references(answer.strip())
    cited = sorted(set(references(body)))
    return body + "\n\n依据：\n" + "\n".join(f"[{n}] {source_name(provisions[n - 1])}" for n in cited)
