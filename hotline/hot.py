"""Hot questions (热点问题) over a date range: what people ask, on every channel, and what the
knowledge base could not settle.

Sources:

* conversations of every channel — each ``user`` message and the ``assistant`` message that
  answers it (its meta carries ``kind``, ``confidence``, ``reason``); the channel is the session's.
  Greetings, thanks, "转人工" requests and messages written while a person already holds the
  conversation are not questions to the knowledge base and are left out;
* 12345 work orders (``hotline_workorders``: content, category, created_at), channel ``hotline``.
  A work order made from a conversation (it carries ``ticket_id`` or ``session_id``) is left out:
  its question is already counted from the conversation. A work order counts as answered when the
  knowledge base gave a suggested answer, as unanswered ("无建议答复") when it did not, and as
  out of scope when it is not about procurement.

Outcomes: *answered* (reply kind ``answer``/``faq``), *unanswered* (kind ``not_found``, or a handoff
for ``low_confidence``/``out_of_scope``), *handed over* (a handoff for another reason, e.g. a
dispute); *low confidence* are answered questions with confidence < 0.6.

Clusters: identical questions (after normalisation) are grouped, then, most frequent first, each
group joins the cluster whose label it is most alike (``bot.faq.similarity`` ≥ the threshold) or
starts a new one; a cluster is labelled with its most frequent question. Deterministic.

Days are days in China time (UTC+8), both ends included. Every question text returned is masked
(phone and ID numbers). Collection reads the database; everything else here is pure.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Iterable

from bot import intents
from bot.db import Database, iso
from bot.sessions import CHANNEL_NAMES
from chunfeng.errors import InvalidInput
from chunfeng.masking import mask
from hotline.categories import Categories
from hotline.importer import SimilarityIndex, normalize_question
from hotline.workorders import CHINA

HOTLINE = "hotline"
SOURCE_NAMES = {"chat": "在线咨询", "workorder": "热线工单"}
ANSWERED, UNANSWERED, HANDED_OVER, UNKNOWN = "answered", "unanswered", "handed_over", "unknown"
OUTCOME_NAMES = {ANSWERED: "已答复", UNANSWERED: "未答复", HANDED_OVER: "已转人工", UNKNOWN: "未知"}
REASON_NAMES = {"not_found": "知识库未找到答案", "low_confidence": "置信度低", "out_of_scope": "超出咨询范围",
                "no_suggestion": "知识库无建议答复"}
UNANSWERED_REASONS = ("low_confidence", "out_of_scope")
LOW_CONFIDENCE = 0.6
CLUSTER_THRESHOLD = 0.6
MAX_DAYS = 366
LIST_LIMIT = 200
EXAMPLES = 3
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Asked:
    """One question someone asked, and what became of it."""

    question: str  # as asked (unmasked; mask before showing)
    at: str  # ISO-8601, UTC, as stored
    channel: str
    source: str  # chat | workorder
    kind: str | None = None  # the reply's kind (None for a work order or a message without reply)
    confidence: float | None = None
    reason: str | None = None
    category: str = ""
    ref: str = ""  # message id or work-order number

    @property
    def outcome(self) -> str:
        return judge(self)[0]


# -- pure: dates ------------------------------------------------------------------------------------
def parse_day(value: str, name: str) -> date:
    """A YYYY-MM-DD query parameter; InvalidInput naming the parameter and the format."""
    text = (value or "").strip()
    try:
        if not _DAY.match(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"参数 {name} 的值“{value}”不是有效日期：应为 YYYY-MM-DD 格式（如 2026-03-01）。请改正后重试。") from exc


def date_range(date_from: str | None, date_to: str | None, today: date, max_days: int = MAX_DAYS) -> tuple[date, date]:
    """The (from, to) days asked for; by default the 30 days up to today."""
    end = parse_day(date_to, "to") if date_to else today
    start = parse_day(date_from, "from") if date_from else end - timedelta(days=29)
    if start > end:
        raise InvalidInput(f"参数 from（{start}）晚于 to（{end}）：开始日期不能晚于结束日期，请调换或改正。")
    if (end - start).days + 1 > max_days:
        raise InvalidInput(f"日期范围 {start} 至 {end} 共 {(end - start).days + 1} 天，超过上限 {max_days} 天。请缩短范围分段查询。")
    return start, end


def bounds(start: date, end: date) -> tuple[str, str]:
    """[since, until) as stored ISO strings (UTC) for China-time days start..end."""
    since = datetime(start.year, start.month, start.day, tzinfo=CHINA)
    until = datetime(end.year, end.month, end.day, tzinfo=CHINA) + timedelta(days=1)
    return iso(since), iso(until)


def local_time(at: str) -> datetime:
    return datetime.fromisoformat(at).astimezone(CHINA)


# -- pure: outcomes ---------------------------------------------------------------------------------
def judge(a: Asked) -> tuple[str, str | None]:
    """(outcome, reason the knowledge base did not answer)."""
    if a.source == "workorder":
        if a.reason:
            return UNANSWERED, a.reason
        return ANSWERED, None
    if a.kind is None:
        return UNKNOWN, None
    if a.kind == "not_found":
        return UNANSWERED, a.reason if a.reason in REASON_NAMES else "not_found"
    if a.kind == "handoff" and a.reason in UNANSWERED_REASONS:
        return UNANSWERED, a.reason
    if a.kind in ("answer", "faq"):
        return ANSWERED, None
    return HANDED_OVER, None


def is_low_confidence(a: Asked, limit: float = LOW_CONFIDENCE) -> bool:
    return judge(a)[0] == ANSWERED and a.confidence is not None and a.confidence < limit


# -- pure: clusters ---------------------------------------------------------------------------------
@dataclass
class Cluster:
    label: str  # the most frequent question (as asked)
    members: list[int] = field(default_factory=list)  # indices into the questions given


def cluster(questions: list[str], threshold: float = CLUSTER_THRESHOLD) -> list[Cluster]:
    """Greedy clustering of question texts; clusters by size, then by first appearance."""
    groups: dict[str, list[int]] = {}
    for i, q in enumerate(questions):
        groups.setdefault(normalize_question(q) or q, []).append(i)
    # most frequent first; ties by first appearance
    ordered = sorted(groups.values(), key=lambda idx: (-len(idx), idx[0]))
    clusters: list[Cluster] = []
    labels = SimilarityIndex()
    for idx in ordered:
        top = Counter(questions[i] for i in idx).most_common(1)[0][0]  # ties: the first asked
        found = labels.best(top, threshold)
        if found is None:
            clusters.append(Cluster(top, list(idx)))
            labels.add(top, len(clusters) - 1)
        else:
            clusters[found[0]].members.extend(idx)
    order = sorted(range(len(clusters)), key=lambda c: (-len(clusters[c].members), min(clusters[c].members)))
    return [clusters[c] for c in order]


# -- pure: the report -------------------------------------------------------------------------------
def _entry(a: Asked) -> dict[str, Any]:
    return {"question": mask(a.question), "at": local_time(a.at).isoformat(timespec="seconds"), "channel": a.channel,
            "channel_name": CHANNEL_NAMES.get(a.channel, a.channel), "source": a.source, "category": a.category}


def categorise(asked: Iterable[Asked], categories: Categories) -> None:
    for a in asked:
        if not a.category:
            a.category = categories.classify(a.question)


def summarize(asked: list[Asked], start: date, end: date, *, threshold: float = CLUSTER_THRESHOLD,
              limit: int = 20, list_limit: int = LIST_LIMIT, low_confidence: float = LOW_CONFIDENCE,
              channel: str | None = None) -> dict[str, Any]:
    """The hot-question report of already categorised questions (see module docstring)."""
    asked = sorted(asked, key=lambda a: (a.at, a.ref))
    cats = Counter(a.category for a in asked)
    clusters = cluster([mask(a.question) for a in asked], threshold)  # one question, whoever's number is in it
    out_clusters = []
    for c in clusters[:limit]:
        members = [asked[i] for i in c.members]
        texts = Counter(mask(a.question) for a in members)
        label = c.label
        category = Counter(a.category for a in members).most_common(1)[0][0]
        out_clusters.append({"label": label, "count": len(members), "category": category,
                             "examples": [t for t, _ in texts.most_common() if t != label][:EXAMPLES],
                             "unanswered": sum(1 for a in members if judge(a)[0] == UNANSWERED)})
    unanswered, low = [], []
    for a in asked:
        outcome, reason = judge(a)
        if outcome == UNANSWERED:
            unanswered.append({**_entry(a), "reason": reason, "reason_name": REASON_NAMES.get(reason or "", reason)})
        elif is_low_confidence(a, low_confidence):
            low.append({**_entry(a), "confidence": round(float(a.confidence or 0.0), 4)})
    unanswered.sort(key=lambda e: e["at"], reverse=True)
    low.sort(key=lambda e: e["at"], reverse=True)
    low.sort(key=lambda e: e["confidence"])  # stable: the lowest first, then the latest
    days = Counter(local_time(a.at).date() for a in asked)
    outcomes = Counter(judge(a)[0] for a in asked)
    return {
        "from": start.isoformat(), "to": end.isoformat(), "channel": channel, "total": len(asked),
        "outcomes": {k: outcomes.get(k, 0) for k in OUTCOME_NAMES},
        "by_category": [{"category": k, "count": v} for k, v in sorted(cats.items(), key=lambda kv: (-kv[1], kv[0]))],
        "by_channel": [{"channel": k, "channel_name": CHANNEL_NAMES.get(k, k), "count": v}
                       for k, v in sorted(Counter(a.channel for a in asked).items(), key=lambda kv: (-kv[1], kv[0]))],
        "clusters": out_clusters, "clusters_total": len(clusters), "threshold": threshold,
        "unanswered": unanswered[:list_limit], "unanswered_total": len(unanswered),
        "low_confidence": low[:list_limit], "low_confidence_total": len(low),
        "by_day": [{"date": (start + timedelta(days=d)).isoformat(), "count": days.get(start + timedelta(days=d), 0)}
                   for d in range((end - start).days + 1)],
    }


CSV_HEADER = ("日期", "时间", "渠道", "来源", "分类", "问题", "相似问题归类", "答复情况", "未答复原因", "置信度")


def _cell(text: str) -> str:
    """A text cell Excel will not run as a formula."""
    return "'" + text if text.startswith(_FORMULA) else text


def to_csv(asked: list[Asked], threshold: float = CLUSTER_THRESHOLD) -> bytes:
    """The questions as CSV for Excel: UTF-8 with BOM, Chinese headers, one row per question."""
    asked = sorted(asked, key=lambda a: (a.at, a.ref))
    label_of: dict[int, str] = {}
    for c in cluster([mask(a.question) for a in asked], threshold):
        for i in c.members:
            label_of[i] = c.label
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_HEADER)
    for i, a in enumerate(asked):
        t = local_time(a.at)
        outcome, reason = judge(a)
        w.writerow([t.date().isoformat(), t.strftime("%H:%M:%S"), CHANNEL_NAMES.get(a.channel, a.channel),
                    SOURCE_NAMES.get(a.source, a.source), a.category, _cell(mask(a.question)), _cell(label_of[i]),
                    OUTCOME_NAMES[outcome], REASON_NAMES.get(reason or "", reason or ""),
                    "" if a.confidence is None else f"{a.confidence:.2f}"])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


# -- reading the database ---------------------------------------------------------------------------
_MESSAGES = """
SELECT u.id, u.session_id, u.seq, u.text, u.created_at, s.channel,
       (SELECT a.meta FROM messages a WHERE a.session_id = u.session_id AND a.role = 'assistant' AND a.seq > u.seq
        ORDER BY a.seq LIMIT 1) AS reply
FROM messages u JOIN sessions s ON s.id = u.session_id
WHERE u.role = 'user' AND u.created_at >= ? AND u.created_at < ? {channel}
ORDER BY u.created_at, u.session_id, u.seq
"""


def known_channels(db: Database) -> list[str]:
    seen = [r[0] for r in db.query("SELECT DISTINCT channel FROM sessions ORDER BY channel")]
    return list(dict.fromkeys([*CHANNEL_NAMES, *seen]))


def check_channel(db: Database, channel: str | None) -> str | None:
    if channel is None or not channel.strip():
        return None
    channel = channel.strip()
    allowed = known_channels(db)
    if channel not in allowed:
        raise InvalidInput(f"参数 channel 的值“{channel}”无效：应为 {'、'.join(allowed)} 之一（不填表示全部渠道）。")
    return channel


def collect(db: Database, start: date, end: date, channel: str | None = None) -> list[Asked]:
    """Every question asked in the China-time days start..end (both included), on one channel or all."""
    since, until = bounds(start, end)
    out: list[Asked] = []
    params: tuple = (since, until, channel) if channel else (since, until)
    for r in db.query(_MESSAGES.format(channel="AND s.channel = ?" if channel else ""), params):
        asked = _from_message(db, r)
        if asked is not None:
            out.append(asked)
    if channel in (None, HOTLINE) and db.one("SELECT 1 FROM sqlite_master WHERE type='table' AND name='hotline_workorders'"):
        rows = db.query("SELECT ticket_no, content, category, created_at, suggested_answer, procurement_related"
                        " FROM hotline_workorders WHERE created_at >= ? AND created_at < ?"
                        " AND COALESCE(ticket_id, '') = '' AND COALESCE(session_id, '') = '' ORDER BY created_at, ticket_no",
                        (since, until))
        for r in rows:
            reason = None if r["suggested_answer"] else "no_suggestion"
            if not r["procurement_related"]:
                reason = "out_of_scope"
            out.append(Asked(r["content"], r["created_at"], HOTLINE, "workorder", reason=reason, category=r["category"] or "",
                             ref=r["ticket_no"]))
    return out


def _from_message(db: Database, r) -> Asked | None:
    text = (r["text"] or "").strip()
    if not text or intents.classify(text) != intents.QUESTION:
        return None  # greetings, thanks, asking for a person
    reply = json.loads(r["reply"]) if r["reply"] else None
    if reply is not None and reply.get("reply_to") not in (None, r["id"]):
        reply = None  # the next assistant message answers another message
    if reply is None:
        return Asked(text, r["created_at"], r["channel"], "chat", ref=r["id"])
    if reply.get("kind") == "smalltalk":
        return None
    ticket = reply.get("ticket")
    ticket_id = ticket.get("ticket_id") if isinstance(ticket, dict) else ticket
    if ticket_id and db.one("SELECT 1 FROM messages WHERE session_id=? AND seq<? AND instr(meta, ?) > 0",
                            (r["session_id"], r["seq"], str(ticket_id))):
        return None  # written to a person who already holds the conversation
    confidence = reply.get("confidence")
    return Asked(text, r["created_at"], r["channel"], "chat", kind=reply.get("kind"),
                 confidence=float(confidence) if isinstance(confidence, (int, float)) else None,
                 reason=reply.get("reason"), ref=r["id"])


def report(db: Database, categories: Categories, start: date, end: date, *, channel: str | None = None,
           threshold: float = CLUSTER_THRESHOLD, limit: int = 20) -> dict[str, Any]:
    asked = collect(db, start, end, channel)
    categorise(asked, categories)
    return summarize(asked, start, end, threshold=threshold, limit=limit, channel=channel)


def export_csv(db: Database, categories: Categories, start: date, end: date, *, channel: str | None = None,
               threshold: float = CLUSTER_THRESHOLD) -> bytes:
    asked = collect(db, start, end, channel)
    categorise(asked, categories)
    return to_csv(asked, threshold)
