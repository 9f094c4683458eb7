"""Contact values a question asks for, and whether the passages found hold them. Pure functions.

"岚江市财政局政府采购监管科电话多少", "交易中心的保证金账户是哪个银行的 账号多少",
"植保无人机项目的采购人联系人是谁": each asks for a value — a telephone number, an address, a bank
account, an e-mail address, a contact person — that a policy text does not contain, however well its
words match ("受理投诉" finds the article on complaints). When none of the best passages holds such a
value, the question is about one case and the assistant says where such facts are published (bot.scope's
CASE_TOPIC); when one does (a local FAQ that gives the complaints line, 0000-8800123), it answers.

A value is *asked for* when the value word is followed by what asks for it (多少, 是啥, 是谁, 发我 …)
or, for a telephone, ends the message ("鹿鸣县采购中心质疑受理窗口电话"). A sentence that is a yes/no
or rule question ("公告要留联系人电话吗", "质疑函里要不要写地址") asks whether a value must be given, not
for the value, and is not read; neither is a telephone someone made or took ("供应商打我们办公室电话").
On the 18,180 bank questions and about 2,200 in-scope gold and training questions no value is found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

PHONE, ADDRESS, ACCOUNT, EMAIL, CONTACT = "phone", "address", "account", "email", "contact"

_WHAT = r"(?:是|分别是|又是|到底是|具体是)?(?:多少|几号|啥|什么|给我|发我|告诉我|给一下|发一下)"
_PHONE_WORD = r"(?<![打接听通回来去拨留写])(?:电话|热线|手机号|座机)(?:号码|号)?"
_ASKED: dict[str, re.Pattern[str]] = {
    PHONE: re.compile(rf"{_PHONE_WORD}{_WHAT}|联系方式{_WHAT}"),
    ADDRESS: re.compile(rf"(?<!邮箱)(?<!邮件)地址(?:在哪|{_WHAT})|(?:办公室|办公地点)在(?:几楼|哪)|在几楼"),
    ACCOUNT: re.compile(rf"(?:账号|帐号|账户|帐户|户名|开户行)(?:是哪个银行|{_WHAT})"),
    EMAIL: re.compile(rf"(?:邮箱|电子邮件)(?:地址)?{_WHAT}"),
    CONTACT: re.compile(r"(?:联系人|经办人|负责人)(?:是|分别是|到底是)?(?:谁|哪位|叫什么)"),
}
_PHONE_AT_END = re.compile(rf"{_PHONE_WORD}$")
# a sentence that asks whether, may, must … asks about a rule, not for a value
_YES_NO = re.compile(r"吗|(?<![什怎这那多要])么|要不要|是否|有没有|能不能|能否|可不可以|可以|需不需要|会不会|行不行|应当|应该|合规|合法|正常|算不算|必须|一定")
_SENTENCE = re.compile(r"(?<=[。？?！!；;])")
_CLAUSE = re.compile(r"[，,、。？?！!；;\s]+")

_HELD: dict[str, re.Pattern[str]] = {
    PHONE: re.compile(r"\d{3,4}-\d{7,8}|(?<!\d)1\d{10}(?!\d)|(?<!\d)\d{7,8}(?![\d元万%])|(?<!\d)123\d{2}(?!\d)"),
    ADDRESS: re.compile(r"[路街巷道]\d+号|\d+号楼|大厦|\d+[楼层]|\d+室"),
    ACCOUNT: re.compile(r"(?<!\d)\d{10,}(?!\d)"),
    EMAIL: re.compile(r"[\w.-]+@[\w-]+\.[\w.]+"),
    CONTACT: re.compile(r"联系人[:：]?\s*[\u4e00-\u9fff]{2,3}[，,、\s（(]"),
}


def asked_values(question: str) -> tuple[str, ...]:
    """The kinds of contact value `question` asks for (PHONE, ADDRESS, ACCOUNT, EMAIL, CONTACT), in a
    fixed order; () for a question about rules."""
    found: set[str] = set()
    sentences = [s for s in _SENTENCE.split(question.strip()) if s.strip()]
    for i, sentence in enumerate(sentences):
        if _YES_NO.search(sentence):
            continue
        clauses = [c for c in _CLAUSE.split(sentence) if c]
        for j, clause in enumerate(clauses):
            found |= {kind for kind, pattern in _ASKED.items() if pattern.search(clause)}
            if i == len(sentences) - 1 and j == len(clauses) - 1 and _PHONE_AT_END.search(clause):
                found.add(PHONE)
    return tuple(kind for kind in _ASKED if kind in found)


def holds(kind: str, text: str) -> bool:
    """Does `text` contain a value of `kind` (a number that can be dialled, a street address …)?"""
    return bool(_HELD[kind].search(text))


def unheld(kinds: Iterable[str], texts: Iterable[str]) -> tuple[str, ...]:
    """The kinds of value asked for (`asked_values`) that none of `texts` holds."""
    texts = list(texts)
    return tuple(kind for kind in kinds if not any(holds(kind, t) for t in texts))
