"""What a message is: a request for a person, small talk, or a question. Functions of the text alone
(the learned check they consult keeps its weights as data).

Requests for a person are recognised by phrase families rather than a list of known sentences:
a person word (人工, 真人, 工作人员, 客服 …) together with a wish (转, 找, 联系, 打电话 …) in one
clause, or the fixed phrases 转人工 / 人工服务. ("对方换了新领导，钱要往后压，可以吗" has both words,
in different clauses: it is a question; so is "采购人的科长要求我们请他吃饭": a procurement party's staff is
whom the question is about.) A message that is nothing but a person word ("人工", "客服！", "人",
"rengong") is the commonest request of all: chat users type it the way phone callers press 0. Other
families: a person described by what they can do (管事的人, 能做主的, 经办的老师), an officer asked for by
title (张科长在吗), being put through (帮我转接, 把我转到财政局), presence checks (有人在吗, 有人值班吗),
and turning down automatic answers (不要机器人回复, 别给我念条文了). A message that merely addresses the
assistant ("客服您好，请问…") and asks a question is a question. What the rules leave as a question goes
to a learned model of the ways people ask for a person (bot.ngram_model) before it is answered.
"""

from __future__ import annotations

import re

from bot.ngram_model import PERSON, NgramModel, shipped

HANDOFF, GREETING, THANKS, QUESTION, EMPTY = "handoff", "greeting", "thanks", "question", "empty"

_FIXED = re.compile(
    r"转人工|人工客服|人工服务|人工坐席|人工座席|找人工|要人工|接人工|真人客服|人工回复|人工处理|人工帮办|人工咨询|人工接待"
    r"|安排专人|专人对接|专人联系|当面(说|谈|问|咨询|反映)|上门咨询|线下咨询|窗口咨询"
    r"|人工电话|人工热线|人工台|人工接听"
    r"|有没有(人工|真人|客服|工作人员)|有(没有)?能?[\u4e00-\u9fff]{0,8}(管事|做主|拍板|说上话|说得上话|负责)的人|有没有人(在|吗|呀|啊|[？?！!。]*$)|有(人工|真人|客服)吗|有人(吗|在吗|在不在|在没|值班)|(能|可以)找(得到|到)人|找得到人"
    r"|(人工|客服|工作人员|接线员|话务员|坐席|座席|专员|负责人|领导|经理|主任|科长|处长|局长|股长|老师|同志)(在吗|在不在|在没|呢)|(投诉|举报|反映)你们"
)
_PERSON = re.compile(
    r"人工|真人|活人|工作人员|客服|坐席|座席|专员|专人|经办人|负责人|接线员|话务员|同志|领导|经理|主任|科长|处长|局长|老师|小姐姐|小哥哥|你们的人"
    # a person described by what they do: 管事的人, 具体经办的人, 处理这个事的科室的人
    r"|值班人员|(?:负责|管事|经办|办事|值班|懂行|主管|分管|处理|说上话|说得上话|做主|拍板)[\u4e00-\u9fff]{0,8}的(?:人|同志|老师)"
)
_BARE_PERSON = re.compile(
    r"^(请|麻烦|我要|我想|给我)?(转|找|要|接|叫)?(个|一个|一下)?"
    r"(?:(人工|人工客服|客服|真人|活人|人工服务|工作人员|坐席|座席|话务员|接线员|人)(服务|一下)?)+(吧|呢|啊|呀|谢谢)?$"
)
# the same typed in pinyin: "rengong", "ren gong ke fu", "rg", "zhuan kefu"
_PINYIN_PERSON = re.compile(r"^(?:zhuan)?(?:rengong|rg|kefu|kf|zhenren)+$", re.I)
_CLAUSES = re.compile(r"[，。；！？、,;!?]")  # a wish and a person word must meet in one clause
# a procurement party's staff ("代理机构的工作人员", "采购人的科长") or an asked-about one ("哪个部门的
# 负责人") is who the question is about, not whom the user asks for; "你们单位的负责人" is ours, "财政局的
# 工作人员" is whom a 12345 caller wants to be put through to, and "值班的工作人员" describes the person wanted
_THEIR_PERSON = re.compile(
    r"((?:采购人|采购单位|采购方|代理机构|代理公司|招标公司|甲方|对方|他们|竞争对手|供应商|中标人|中标方|哪个?[\u4e00-\u9fff]{0,4}))"
    r"的(" + _PERSON.pattern + ")"
)
_PUNCT = re.compile(r"[\s!！。.,，~～?？、]+")
_WISH = re.compile(r"转|找|联系|接通|(?<![不没])接(个|一下)电话|能接(个|一下)?电话|接一下|面谈|约见|见个?面|打电话|来电|回电|回个电话|给我打|电话联系|和.{0,4}(说|聊|谈)|跟.{0,4}(说|聊|谈)|对接|叫|请(?!问)|要(?!求)|想|需要|帮我|安排|见")
_CALL_ME = re.compile(
    r"(打|回)(个)?电话给我|给我(打|回)(个)?电话|让.{0,6}(联系|打电话给|回复)我|联系我|电话多少|联系方式|留个?电话|留个?言|回个话"
    r"|电话(过来|回来)|打(个)?电话过来|回拨|来个电话|(跟|和|找|同)(个)?(人|真人|活人)(说|聊|谈|问|沟通)"
    r"|(找|叫|派|来|整|换)(个|一个)(人|真人|活人)(来|过来|出来|吧|帮|跟|和|给|打|接|$)|有没有人(能|可以|来)|(要|想)找(个|一个)?(人|真人|活人)[吧啊呀了。！!？?]*$"
    r"|(能不能|可不可以|能否|麻烦|请|让)有人(打电话|给我打|联系|跟我说|来)"
    r"|(帮我|给我|麻烦)(转接|接通|接一下|转一下)|(给我|帮我|把我)转(到|给|接到|接给)"
)
# a message that opens with a call for a person ("人工！", "客服客服，…") asks for one when it repeats
# the call or says no more than a complaint; "客服，请问质疑期限是多久" addresses the assistant and asks
_BREAK = re.compile(r"[，。；！？、,;!?\s]+")
_ASKS = re.compile(r"吗|[？?]|请问|怎么|怎样|如何|多少|多久|几|什么|哪|能否|可否|是否|可以|能不能")
_BOT_FAIL = re.compile(
    r"(机器人|机器|你|智能客服|AI|ai).{0,6}(听不懂|说不清|答不上|答不了|回答不了|没用|不行|不管用|答非所问|解决不了)|不想(再)?(跟|和|同|问|用)(机器|机器人|AI|ai)"
    # rejecting automatic answers: "不要机器人回复", "别给我念条文了", "什么破机器人"
    r"|(机器人|机器|AI|ai).{0,10}(没|不)(弄|搞|听|看|说)(明白|懂|清楚)"
    r"|(破|垃圾|什么|啥)(机器人|机器|AI|ai)|不要(机器人|机器|AI|ai|自动回复)|别(再)?(给我)?(自动回复|回模板|念条文|念政策|背条文|发链接)|不想听(政策|条文)"
)
_PRESENCE = re.compile(r"^(在吗|在不在|在没在|在没|有人吗|有人在吗)+$")  # "客服 在吗在吗" only asks whether someone is there
# "人工客服你好，请问…" addresses the assistant and asks it: the question counts, not the address
_VOCATIVE = re.compile(r"^(?:人工客服|客服|人工|小姐姐|小哥哥|小哥|同志|您好|你好)+[，,、\s]+")
# 个人 in its sense of "an individual" (找个人担保, 以个人名义投标) is not a person to talk to
_INDIVIDUAL = re.compile(r"个人(担保|名义|独资|身份|账户|投标|参加|报名|资质|挂靠|业务|所得|信息|隐私)")
_GREETING = re.compile(r"^(你好|您好|hi|hello|哈喽|嗨|早上好|上午好|下午好|晚上好|在吗|在不在)[呀啊吗！!。.~～？?\s]*$", re.I)
_THANKS = re.compile(r"^(谢谢|多谢|感谢|谢了|好的谢谢|好的|明白了|知道了|懂了|ok|好)[你您啦了呀啊！!。.~～\s]*$", re.I)


def classify(text: str, person: NgramModel | None = None) -> str:
    """handoff | greeting | thanks | question | empty. The phrase rules decide first; a message they
    leave as a question is a request after all when the learned model (bot.ngram_model) says so."""
    t = text.strip()
    if not t:
        return EMPTY
    address = _VOCATIVE.match(t)
    rest = t[address.end():] if address else ""
    if address and _ASKS.search(rest) and not _PRESENCE.match(_PUNCT.sub("", rest)) and classify(rest, person) == QUESTION:
        return QUESTION
    bare = _PUNCT.sub("", t)
    if _BARE_PERSON.match(bare) or _PINYIN_PERSON.match(bare) or _FIXED.search(t) or _CALL_ME.search(t) or _opens_with_a_call(t):
        return HANDOFF
    clauses = [_THEIR_PERSON.sub(r"\1的", c) for c in _CLAUSES.split(t)]
    if any(_PERSON.search(c) and _WISH.search(c) for c in clauses) and not _is_about_rules(t):
        return HANDOFF
    if _BOT_FAIL.search(t):
        return HANDOFF
    if _GREETING.match(t):
        return GREETING
    if _THANKS.match(t):
        return THANKS
    if not _INDIVIDUAL.search(t) and (person or shipped(PERSON)).fires(t):
        return HANDOFF
    return QUESTION


def _opens_with_a_call(text: str) -> bool:
    first, *rest = _BREAK.split(text.strip(), maxsplit=1)
    if not rest or not _BARE_PERSON.match(first):
        return False
    return len(_PERSON.findall(first)) > 1 or bool(_PRESENCE.match(_PUNCT.sub("", rest[0]))) or not _ASKS.search(rest[0])


def _is_about_rules(text: str) -> bool:
    """'工作人员可以收供应商的礼品吗' mentions a person but asks about the rules."""
    return bool(re.search(r"(工作人员|负责人|经办人).{0,8}(可以|能否|能不能|不得|是否|应当|违法|回避|收|拿)", text))
