"""Direct lookups: "政府采购法第二十二条", "87号令第四十三条", "实施条例第33条", a 文号 on its own.

A question that names a provision should get that provision, not whatever is most similar to it.
The document is resolved through aliases built from the registry: the title, the title without
"中华人民共和国", the titles of attached measures, the 文号 and its short forms (87号令, 46号文).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb.cn_numerals import NUMERAL_CHARS, cn_to_int
from kb.docnumber import short_forms
from kb.models import Chunk
from kb.textnorm import normalize

_ARTICLE_REF = re.compile(rf"第?\s*([{NUMERAL_CHARS}\d]+)\s*条")
_REF_BEFORE_ARTICLE = re.compile(rf"([\u4e00-\u9fff]{{3,16}}?)(?:的)?第\s*[{NUMERAL_CHARS}\d]+\s*条")
_LEADING_WORDS = re.compile(r"^(?:请问|请|问一下|根据|依据|按照|按|关于|看看|查一下|查查|帮我查|我想问|想问)+")
# the domain this assistant serves: an ambiguous short name ("实施条例") means the procurement one
DOMAIN_HINT = "政府采购"
_ORDER_SHORT = re.compile(r"(\d+)\s*号\s*(?:令|文)")
# a measure named by a shortened title, with no article: "质疑投诉办法是什么时候施行的"
_NAMED_MEASURE = re.compile(r"[\u4e00-\u9fff0-9]{2,16}?(?:办法|条例|通知|方案)")
MIN_SHORT_NAME = 5  # characters of a shortened title, its ending (办法) included
MIN_SHORT_SHARE = 0.4  # …and at least this share of the title it shortens


@dataclass
class Target:
    """One (sub-)document that can be named: a document or an attached measure inside it."""

    doc_id: str
    title: str
    doc_number: str
    aliases: set[str] = field(default_factory=set)
    articles: dict[int, list[str]] = field(default_factory=dict)  # article → chunk ids (all parts)
    first_chunks: list[str] = field(default_factory=list)


@dataclass
class LookupResult:
    target: Target
    article: int | None
    chunk_ids: list[str]  # the named article's chunks; empty when only the document was named
    alias: str


def _aliases(title: str, number: str) -> set[str]:
    out: set[str] = set()
    t = normalize(title).strip("《》")
    if t:
        out.add(t)
        if t.startswith("中华人民共和国"):
            out.add(t[len("中华人民共和国") :])
        # "政府采购货物和服务招标投标管理办法" is often called "…招标投标管理办法" or "…办法"; keep whole titles only
    if number:
        out.add(normalize(number))
        out.update(normalize(f) for f in short_forms(number))
    return {a for a in out if len(a) >= 3}


class ArticleLookup:
    """Built from all chunks; rebuild it when the registry's generation changes."""

    def __init__(self, chunks: list[Chunk]) -> None:
        targets: dict[tuple[str, str], Target] = {}
        for c in chunks:
            key = (c.doc_id, c.title)
            t = targets.get(key)
            if t is None:
                t = targets[key] = Target(c.doc_id, c.title, c.doc_number, _aliases(c.title, c.doc_number))
            if c.article is not None:
                t.articles.setdefault(c.article, []).append(c.id)
            if len(t.first_chunks) < 3:
                t.first_chunks.append(c.id)
        # a document number alias belongs to the document, and to its attached measure when the
        # covering notice has no articles of its own (财库〔2020〕46号 → 办法 第九条)
        self.targets = list(targets.values())

    def _resolve(self, text: str) -> tuple[Target, str] | None:
        best: tuple[int, Target, str] | None = None
        for t in self.targets:
            for a in t.aliases:
                if a in text:
                    score = len(a) * 2 + (1 if t.articles else 0)
                    if best is None or score > best[0]:
                        best = (score, t, a)
        return (best[1], best[2]) if best else None

    def _resolve_partial(self, text: str) -> tuple[Target, str] | None:
        """A shortened title: before 第X条 ("实施条例", "质疑投诉办法" — a subsequence of the title), or a
        measure named without an article ("质疑投诉办法是什么时候施行的"), which must be longer and
        unambiguous: two documents it could shorten equally well name neither."""
        m = _REF_BEFORE_ARTICLE.search(text)
        if m:
            return self._shortened(_LEADING_WORDS.sub("", m.group(1)), 3, 0.0, with_articles=True)
        m = _NAMED_MEASURE.search(text)
        if m:
            return self._shortened(_LEADING_WORDS.sub("", m.group(0)), MIN_SHORT_NAME, MIN_SHORT_SHARE, with_articles=False)
        return None

    def _shortened(self, ref: str, min_len: int, min_share: float, *, with_articles: bool) -> tuple[Target, str] | None:
        for start in range(len(ref) - min_len + 1):
            piece = ref[start:]
            scored: list[tuple[float, Target]] = []
            for t in self.targets:
                if with_articles and not t.articles:
                    continue
                title = normalize(t.title).removeprefix("中华人民共和国")
                if not _subsequence(piece, title) or len(piece) / len(title) < min_share:
                    continue
                scored.append((len(piece) / len(title) + (0.5 if DOMAIN_HINT in title else 0.0) + (0.2 if piece in title else 0.0), t))
            if not scored:
                continue
            scored.sort(key=lambda st: -st[0])
            if not with_articles and len(scored) > 1 and scored[1][0] == scored[0][0] and scored[1][1].doc_id != scored[0][1].doc_id:
                return None
            return scored[0][1], piece
        return None

    def find(self, question: str) -> LookupResult | None:
        text = normalize(question)
        m_short = _ORDER_SHORT.search(text)
        found = self._resolve(text) or self._resolve_partial(text)
        if found is None and m_short:
            # "87号令" when the registry spells it "财政部令第87号"
            num = m_short.group(1)
            for t in self.targets:
                if t.doc_number and re.search(rf"(令第{num}号|〕{num}号)$", t.doc_number):
                    found = (t, m_short.group(0))
                    break
        if found is None:
            return None
        target, alias = found
        rest = text.replace(alias, " ")
        m = _ARTICLE_REF.search(rest)
        if m:
            try:
                n = cn_to_int(m.group(1))
            except ValueError:
                n = None
            if n is not None:
                ids = target.articles.get(n)
                if ids is None:
                    # the notice was named but the article lives in its attached measure
                    for t in self.targets:
                        if t.doc_id == target.doc_id and n in t.articles:
                            target, ids = t, t.articles[n]
                            break
                if ids:
                    return LookupResult(target, n, list(ids), alias)
        # the document is named without an article (or with one it does not have): retrieval
        # prefers its chunks instead of pinning any of them
        return LookupResult(target, None, [], alias)


def _subsequence(short: str, long: str) -> bool:
    """True when the characters of `short` appear in `long` in order."""
    it = iter(long)
    return all(ch in it for ch in short)
