"""Extractive answers with exact citations — no language model needed.

The answer leads with the one sentence that answers the question (the time limit, the percentage,
the 可以/不得/应当), then quotes the provision it comes from and names every source as
《title》section（文号）. When retrieval is not confident the answer says so plainly, offers a
person, and invents nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from bot import docfacts, values
from bot.confidence import ConfidenceModel
from bot.generate import GroundedWriter
from bot.llm import Message
from bot.scope import CASE_TOPIC, PRIVATE_TOPIC, UNLISTED, ScopeGuard
from kb.cues import NUMBER, PERMISSION, TIME, question_types, sentence_cue
from bot.types import Citation, Reply
from kb.models import Chunk
from kb.retrieve import Filters, Hit, HybridRetriever, SearchResult, Term
from kb.questions import match_key
from kb.textnorm import normalize

NOT_FOUND = (
    "抱歉，知识库里没有找到能直接回答这个问题的政策规定。为避免给您不准确的信息，我不作推测。"
    "您可以换个说法再问，或转人工客服，由工作人员为您解答。"
)
OUT_OF_SCOPE = (
    "这个问题属于“{category}”方面，不在政府采购政策知识库的范围内，我无法给出可靠答复。"
    "您可以拨打 12345 政务服务便民热线，由相关部门解答；如需帮助，也可以转人工客服。"
)
CASE_SPECIFIC = (
    "这个问题问的是具体项目、单位或个案的情况（如中标结果、联系方式、办理进度、价格行情、平台操作），"
    "政策文件里没有这类信息，我不作推测。具体项目请查看中国政府采购网或本地公共资源交易平台发布的公告，"
    "或直接联系该项目的采购人、采购代理机构；如需帮助，也可以转人工客服。"
)
PRIVATE_MATTER = (
    "这个问题看起来是企业内部或个人之间的采购、招标、报价或合同事务，不属于政府采购，知识库里的政策文件没有针对它的规定，"
    "我不作推测。合同或消费纠纷可拨打 12348 法律服务热线或 12315 咨询；如需帮助，也可以转人工客服。"
)
OUT_OF_SCOPE_UNLISTED = (
    "这个问题看起来不是政府采购政策方面的问题，知识库里没有能可靠回答它的规定，我不作推测。"
    "您可以拨打 12345 政务服务便民热线，由相关部门解答；如需帮助，也可以转人工客服。"
)
UNLISTED_REPLIES = {UNLISTED: OUT_OF_SCOPE_UNLISTED, CASE_TOPIC: CASE_SPECIFIC, PRIVATE_TOPIC: PRIVATE_MATTER}
QUOTE_LIMIT = 320
SEE_ALSO_MARGIN = 1.0  # a runner-up within this many log-odds of the main passage is shown too

_SPLIT = re.compile(r"(?<=[。！？!?])|\n")
_CLAUSE = re.compile(r"(?<=[；;])")
LONG_SENTENCE = 150
_LEADING_LABEL = re.compile(
    r"^(?:第[\u4e00-\u9fff\d]{1,6}条\s*|[（(][一二三四五六七八九十\d]{1,3}[）)]\s*|[一二三四五六七八九十\d]{1,3}[、．.](?!\d)\s*"
    r"|[^：:\n\d]{1,12}[：:](?=\S))"
)


def citation_of(hit: Hit) -> Citation:
    c = hit.chunk
    return Citation(
        source=c.source,
        title=c.title,
        doc_number=c.doc_number,
        section=c.section,
        text=c.text,
        score=round(float(hit.score), 4),
        label=c.label,
        name=c.citation_name(),
        issuer=c.issuer,
        date=c.date,
        jurisdiction=c.jurisdiction,
        chunk_id=c.id,
    )


def sentences(text: str) -> list[str]:
    """Sentences of a passage; a very long one is cut at its semicolons so the answer stays short."""
    out: list[str] = []
    for s in _SPLIT.split(text):
        s = (s or "").strip()
        if len(s) > LONG_SENTENCE:
            out += [c.strip() for c in _CLAUSE.split(s) if len(c.strip()) >= 4]
        elif len(s) >= 4:
            out.append(s)
    return out


def sentence_overlap(sentence: str, terms: list[Term]) -> float:
    total = sum(t.weight for t in terms)
    if not total:
        return 0.0
    norm = normalize(sentence)
    return sum(t.weight for t in terms if t.found_in(norm)) / total


@dataclass
class Picked:
    hit: Hit
    sentence: str
    score: float


def faq_answer(hit: Hit) -> Picked | None:
    """A question-and-answer passage whose question matches: its answer is the text under it."""
    c = hit.chunk
    if not c.label.rstrip().endswith(("？", "?")) or hit.signals.get("heading_coverage", 0.0) < 0.5:
        return None
    body = [s for s in sentences(c.text) if not s.rstrip().endswith(("？", "?"))]
    return Picked(hit, body[0], 1.0) if body else None


EVIDENCE_WEIGHT = 0.5  # dev-3 answer accuracy 0.819 / 0.840 / 0.844 at 0 / 0.5 / 1.0; dev lost one at 1.0


VALUE_WEIGHT = 1.0  # a sentence holding the telephone number (address …) asked for is the answer (bot.values)


def evidence_bonus(hit: Hit, sentence: str) -> float:
    """A sentence holding the evidence of the passage's best-matching bank question (kb.questions)
    answers a question like this one: worth as much as that question matches."""
    if not hit.evidence:
        return 0.0
    evidence, text = match_key(hit.evidence), match_key(sentence)
    holds = evidence in text or (len(text) >= 8 and text in evidence)  # the evidence may span two sentences
    return EVIDENCE_WEIGHT * hit.signals.get("bank_match", 0.0) if holds else 0.0


def pick_sentence(hits: list[Hit], terms: list[Term], question: str, depth: int = 3) -> Picked | None:
    """The sentence, among the best passages, that most directly answers the question."""
    if hits:
        direct = faq_answer(hits[0])
        if direct is not None:
            return direct
    types = question_types(question)
    asked = values.asked_values(question)
    best: Picked | None = None
    for rank, hit in enumerate(hits[:depth]):
        prior = 1.0 - 0.2 * rank
        label = normalize(hit.chunk.label)
        for s in sentences(hit.chunk.text):
            # a question (a FAQ entry's own heading) is never the answer to a question
            if s.rstrip().endswith(("？", "?")) or (label and normalize(s).endswith(label[-12:]) and len(s) <= len(hit.chunk.label) + 2):
                continue
            held = VALUE_WEIGHT if asked and all(values.holds(kind, s) for kind in asked) else 0.0
            # the words naming the passage's document ("74号令") are the sentence's too
            overlap = sentence_overlap(f"{s} {hit.named}", terms)
            score = prior * (overlap + 0.6 * sentence_cue(s, types) + evidence_bonus(hit, s) + held)
            if best is None or score > best.score:
                best = Picked(hit, s, score)
    return best


def direct_sentence(sentence: str) -> str:
    """The sentence as a reader wants it: no article number or outline marker in front."""
    s = sentence.strip()
    for _ in range(2):
        stripped = _LEADING_LABEL.sub("", s, count=1).strip()
        if len(stripped) >= 6:
            s = stripped
    return s


def quote(chunk: Chunk, around: str | None = None, limit: int = QUOTE_LIMIT) -> str:
    """The provision's text, cut to `limit` characters around the answering sentence."""
    text = chunk.text.strip()
    if len(text) <= limit:
        return text
    start = text.find(around) if around else -1
    if start < 0:
        return text[:limit].rstrip() + "…"
    left = max(0, start - (limit - len(around)) // 2)
    piece = text[left : left + limit]
    return ("…" if left > 0 else "") + piece.strip() + ("…" if left + limit < len(text) else "")


def locality(chunk: Chunk) -> str:
    """The place a local document belongs to ("许昌市"), from its issuer or title."""
    for text in (chunk.issuer, chunk.title, chunk.parents):
        m = re.search(r"([\u4e00-\u9fff]{2,4}?(?:市|县|区|省))", text or "")
        if m:
            return m.group(1)
    return "本地"


LOCAL = frozenset({"city", "provincial"})
RULE_TYPES = {TIME, PERMISSION, NUMBER}  # where local rules differ from national ones


def counterpart(main: Hit, other: SearchResult, question: str) -> Picked | None:
    """The best passage of the other level (local vs national) when it answers the same rule
    question (a time limit, a permission, an amount) nearly as well as the main one."""
    types = question_types(question)
    if not types & RULE_TYPES or not other.hits:
        return None
    h = other.hits[0]
    s = h.signals
    # absolute features only: log-odds from two different candidate sets are not comparable
    if s.get("coverage", 0) < max(0.6, main.signals.get("coverage", 0.0) - 0.4):
        return None
    if s.get("bigram_coverage", 0) < 0.4 or s.get("cue", 0) < 0.5:
        return None
    return pick_sentence([h], other.terms, question, depth=1)


def see_also(main: Picked, result: SearchResult, question: str, margin: float | None = None) -> Picked | None:
    """The runner-up provision when the ranker can hardly tell it from the main one: a provision of
    another article whose log-odds are within `margin` of the best passage, with its best sentence.
    Showing both costs the reader one line; showing only the wrong one costs an answer."""
    margin = SEE_ALSO_MARGIN if margin is None else margin
    if not result.hits:
        return None
    top = max(h.signals.get("logit", 0.0) for h in result.hits)
    for h in result.hits[:3]:
        if h.chunk.id == main.hit.chunk.id or where(h.chunk) == where(main.hit.chunk):
            continue
        if h.signals.get("logit", 0.0) < top - margin:
            return None
        picked = pick_sentence([h], result.terms, question, depth=1)
        if picked is not None and normalize(picked.sentence) != normalize(main.sentence):
            return picked
    return None


def related(hits: Sequence[Hit], shown: set[str], most: int = 4) -> list[str]:
    """The "相关规定" lines: the other provisions found, by name, none already shown in the answer."""
    names = [n for n in dict.fromkeys(where(h.chunk) for h in hits) if n not in shown][:most]
    return ["", "相关规定：" + "；".join(names)] if names else []


def where(chunk: Chunk) -> str:
    """《title》label（文号） for the answer text."""
    return chunk.citation_name()


class Answerer:
    """Retrieval plus extractive composition: the default answer path of every channel."""

    def __init__(
        self,
        retriever: HybridRetriever,
        confidence: ConfidenceModel | None = None,
        top_k: int = 5,
        scope: ScopeGuard | None = None,
        writer: GroundedWriter | None = None,
    ) -> None:
        self.retriever = retriever
        self.confidence = confidence or ConfidenceModel.load()
        self.scope = scope or ScopeGuard.load()
        self.top_k = max(5, top_k)
        self.writer = writer  # a language model that may rewrite confident answers fluently; None = extractive only

    def search(self, question: str, filters: Filters | None = None) -> SearchResult:
        return self.retriever.search(question, k=max(self.top_k, 8), filters=filters)

    def confidence_of(self, question: str, result: SearchResult) -> float:
        """Calibrated confidence that `result` answers `question`; a question without a procurement
        anchor must also be mostly procurement vocabulary (bot.confidence, kb.domain)."""
        conf = self.confidence.score(result)
        return conf if self.scope.anchored(question) else self.confidence.held_to_domain(conf, result)

    def unlisted_topic(self, question: str, result: SearchResult) -> str | None:
        """What the scope guard's learned checks make of a searched question, given how well the best of
        the top three passages covers it (bot.scope.ScopeGuard.learned_topic): in the texts' words, or in
        the askers' words of one of its bank questions (kb.questions) — "评委回避打电话说一声行不行" shares
        little with the article but much with a question the bank ties to it. A question that names a
        provision the knowledge base holds (财库〔2020〕46号第九条) is not theirs to judge, nor is a question
        asking a named document's 文号, issuer or date ("政府采购法的文号是多少").

        A question asking for a contact value (a telephone number, an address, an account: bot.values) is
        about one case when none of the top three passages holds such a value, and answered, whatever the
        checks make of it, when one does."""
        if not result.hits or (result.lookup and (result.lookup.chunk_ids or docfacts.asked_facts(question))):
            return None  # a named provision, or a named document's 文号, issuer or date (bot.docfacts)
        asked = values.asked_values(question)
        if asked:
            return CASE_TOPIC if values.unheld(asked, (h.chunk.text for h in result.hits[:3])) else None
        covered = max(max(h.signals.get("coverage", 0.0), h.signals.get("bank_coverage", 0.0)) for h in result.hits[:3])
        return self.scope.learned_topic(question, covered)

    def answer(
        self,
        question: str,
        filters: Filters | None = None,
        history: Sequence[Message] | None = None,
        on_delta: Callable[[str], None] | None = None,
    ) -> Reply:
        """The answer to one question. `history` (earlier user/assistant messages) and `on_delta`
        (receives the model's text as it is written) matter only when a language model is configured."""
        off = self.scope.off_topic(question)
        if off is not None:
            return Reply(OUT_OF_SCOPE.format(category=off.category), [], 0.0, True, "out_of_scope", "not_found", question,
                         extra={"topic": off.category})
        result = self.search(question, filters)
        hits = result.hits
        citations = [citation_of(h) for h in hits[: self.top_k]]
        if not hits:
            return Reply(NOT_FOUND, [], 0.0, True, "low_confidence", "not_found", question)
        topic = self.unlisted_topic(question, result)
        if topic is not None:
            return Reply(UNLISTED_REPLIES[topic], [], 0.0, True, "out_of_scope", "not_found", question, extra={"topic": topic})
        conf = self.confidence_of(question, result)
        if not self.confidence.confident(conf):
            return Reply(NOT_FOUND, citations, conf, True, "low_confidence", "not_found", question)
        told = self._document_facts(question, result)
        if told is not None:  # read off the document's header: nothing for a language model to word
            return Reply(told, citations, conf, False, None, "answer", question, extra={"document_facts": True})
        reply = Reply(self.compose(question, result), citations, conf, False, None, "answer", question)
        if self.writer is not None:
            self._generate(reply, history, on_delta)
        return reply

    def _generate(self, reply: Reply, history: Sequence[Message] | None, on_delta: Callable[[str], None] | None) -> None:
        """The model's answer from the provisions already cited, if it passes the check; else the extractive one stays."""
        assert self.writer is not None
        generation = self.writer.write(reply.question, reply.citations, history, on_delta)
        if generation.used:
            reply.answer = generation.text
        reply.extra["generation"] = generation.to_dict()

    def compose(self, question: str, result: SearchResult) -> str:
        hits = result.hits
        picked = pick_sentence(hits, result.terms, question) or Picked(hits[0], sentences(hits[0].chunk.text)[0], 0.0)
        main = picked.hit.chunk
        lines = [direct_sentence(picked.sentence), "", f"依据：{where(main)}", f"“{quote(main, picked.sentence)}”"]
        other = self._other_level(question, picked.hit)
        if other is not None:
            lines += self._both_levels(picked, other)
        also = see_also(picked, result, question)
        shown = {where(main)}
        if also is not None:
            shown.add(where(also.hit.chunk))
            lines += ["", f"另见：{where(also.hit.chunk)}：{direct_sentence(also.sentence)}"]
        return "\n".join(lines + related(hits[1 : self.top_k], shown))

    def _document_facts(self, question: str, result: SearchResult) -> str | None:
        """The 文号, issuer or date of a document the question names (bot.docfacts), with its header quoted."""
        kinds = docfacts.asked_facts(question)
        if not kinds:
            return None
        candidates = [h.chunk for h in result.hits[:3]]
        named = result.lookup.target if result.lookup else None
        if named is not None:
            candidates = list(self.retriever.kb.chunks(named.first_chunks).values()) + candidates
        doc = docfacts.named_document(question, candidates, named.title if named else None)
        if doc is None:
            return None
        head = docfacts.opening(doc, self.retriever.kb.registry.chunks_of(doc.doc_id))
        lines = [docfacts.statement(kinds, doc), "", f"依据：{where(head)}", f"“{quote(head)}”"]
        return "\n".join(lines + related(result.hits[: self.top_k], {where(head)}))

    def _other_level(self, question: str, main: Hit) -> Picked | None:
        is_local = main.chunk.jurisdiction in LOCAL
        levels = frozenset({"national"}) if is_local else LOCAL
        if not any(j in levels for j in self.retriever.kb.table().jurisdiction):
            return None
        return counterpart(main, self.retriever.search(question, k=3, filters=Filters(jurisdictions=levels)), question)

    @staticmethod
    def _both_levels(main: Picked, other: Picked) -> list[str]:
        """Show the national and the local rule side by side and say which governs locally."""
        local, national = (main, other) if main.hit.chunk.jurisdiction in LOCAL else (other, main)
        place = locality(local.hit.chunk)
        return [
            "",
            f"国家规定：{where(national.hit.chunk)}：{direct_sentence(national.sentence)}",
            f"{place}规定：{where(local.hit.chunk)}：{direct_sentence(local.sentence)}",
            f"适用说明：两者都有效。{place}的规定是在国家规定范围内提出的更严格或更便利的要求，在{place}办理时按{place}的规定执行；"
            f"{place}规定没有涉及的事项，按国家规定执行。",
        ]
