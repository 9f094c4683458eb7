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
turning down automatic answers (不要机器人回复, 别给我念条文了), English and mistyped requests (human please,
仁工), someone sent to deal with a complaint (找人管一管), staff on duty or an appointment (客服在岗吗), a
reminder of a promised call (上次说有人回电话怎么还没打来) and formal requests (烦请安排相关同志与我司联系).
A message that merely addresses the assistant ("客服您好，请问…") and asks a question is a question; so is
one about a service being bought (采购人工客服外包服务) or one asking for a judgement of what someone did
("领导给评委打电话打招呼，这个合法吗"). What the rules leave as a question goes
to a learned model of the ways people ask for a person (bot.ngram_model) before it is answered.
"""

from __future__ import annotations

import re

from bot.ngram_model import PERSON, NgramModel, shipped

HANDOFF, GREETING, THANKS, QUESTION, EMPTY = "handoff", "greeting", "thanks", "question", "empty"

_FIXED = re.compile(
    r"转人工|人工客服|人工服务|人工坐席|人工座席|找人工|要人工|接人工|真人客服|人工回复|人工处理|人工帮办|人工咨询|人工接待"
    r"|安排专人|专人对接|专人联系|当面(说|谈|问|咨询|反映|见)|上门咨询|线下咨询|窗口咨询"
    r"|人工电话|人工热线|人工台|人工接听"
    r"|有没有(人工|真人|客服|工作人员)|有(没有)?能?[\u4e00-\u9fff]{0,8}(管事|做主|拍板|说上话|说得上话|负责)的人|有没有人(在|吗|呀|啊|[？?！!。]*$)|有(人工|真人|客服)吗|有人(吗|在吗|在不在|在没|值班)|(能|可以)找(得到|到)人|找得到人"
    r"|(人工|客服|工作人员|接线员|话务员|坐席|座席|专员|负责人|领导|经理|主任|科长|处长|局长|股长|老师|同志)(在吗|在不在|在没|呢)|(投诉|举报|反映)你们"
)
_PERSON = re.compile(
    r"人工(?!智能|费|成本|单价|造价|审核)|真人|活人|工作人员|客服|坐席|座席|专员|专人|经办人|负责人|接线员|话务员|同志|领导|经理|主任|科长|处长|局长|老师|小姐姐|小哥哥|你们的人"
    # a person described by what they do: 管事的人, 具体经办的人, 处理这个事的科室的人
    r"|值班人员|(?:负责|管事|经办|办事|值班|懂行|主管|分管|处理|说上话|说得上话|做主|拍板)[\u4e00-\u9fff]{0,8}的(?:人|同志|老师)"
)
_BARE_PERSON = re.compile(
    r"^(请|麻烦|我要|我想|给我)?(转|找|要|接|叫)?(个|一个|一下)?"
    r"(?:(人工|人工客服|客服|真人|活人|人工服务|工作人员|坐席|座席|话务员|接线员|人|仁工|认工|人公|任工|入工)(服务|一下)?)+(吧|呢|啊|呀|谢谢)?$"
)
# the same typed in pinyin: "rengong", "ren gong ke fu", "rg", "zhuan kefu"
_PINYIN_PERSON = re.compile(r"^(?:wo)?(?:yao|xiang)?(?:zhuan)?(?:rengong|rg|kefu|kf|zhenren)+$", re.I)
# ... or in English: "human please", "transfer to agent", "talk to a human", "customer service pls"
_ENGLISH_PERSON = re.compile(
    r"^(?:please |pls )?(?:(?:transfer|connect|put) (?:me )?(?:to|with|through to) |(?:talk|speak|chat) (?:to|with) |i (?:want|need) (?:an? )?)?"
    r"(?:an? )?(?:human(?: agent| being| person)?|agent|operator|real (?:person|human)|live (?:agent|person|chat)|customer service|person|staff)(?: please| pls| plz)?$",
    re.I,
)
_CLAUSES = re.compile(r"[，。；！？、,;!?]")  # a wish and a person word must meet in one clause
# a procurement party's staff ("代理机构的工作人员", "采购人的科长") or an asked-about one ("哪个部门的
# 负责人") is who the question is about, not whom the user asks for; "你们单位的负责人" is ours, "财政局的
# 工作人员" is whom a 12345 caller wants to be put through to, and "值班的工作人员" describes the person wanted
_THEIR_PERSON = re.compile(
    r"((?:采购人|采购单位|采购方|代理机构|代理公司|招标公司|招标人|招标单位|招标方|业主|甲方|对方|他们|竞争对手|供应商|中标人|中标方)的?|哪个?[\u4e00-\u9fff]{0,4}的)"
    r"(" + _PERSON.pattern + ")"
)
# the asker's own boss sending them to ask (领导让我…, 经理要我问一下) is not a wish to speak to one
_SENT_BY = re.compile(r"(?:" + _PERSON.pattern + r")(?:让|叫|要|安排|派|吩咐|交代|交待)(?:我|咱|俺)")
_PUNCT = re.compile(r"[\s!！。.,，~～?？、]+")
_WISH = re.compile(r"转|找|联系|接通|(?<![不没])接(个|一下)电话|能接(个|一下)?电话|接一下|面谈|约见|见个?面|打电话|来电|回电|回个电话|给我打|电话联系|和.{0,4}(说|聊|谈)|跟.{0,4}(说|聊|谈)|对接|叫|请(?!问)|(?<![主重只不])要(?!求)|想|需要|帮我|安排|见")
_THEIR_WISH = re.compile(r"想|要|需要|安排|叫|请|找|转")  # after a person word: what that person wants
_CALL_ME = re.compile(
    r"(打|回)(个)?电话给我|给我(打|回)(个)?电话|让.{0,6}(联系|打电话给|回复)我|联系我(?![方司单公])|电话多少|联系方式|留个?电话|留个?言|回个话"
    r"|电话(过来|回来)|打(个)?电话过来|回拨|来个电话|(跟|和|找|同)(个)?(人|真人|活人)(说|聊|谈|问|沟通)"
    r"|(找|叫|派|来|整|换)(个|一个)(人|真人|活人)(来|过来|出来|吧|帮|跟|和|给|打|接|$)|有没有人(能|可以|来)|(要|想)找(个|一个)?(人|真人|活人)[吧啊呀了。！!？?]*$"
    r"|(能不能|可不可以|能否|麻烦|请|让)有人(打电话|给我打|联系|跟我说|来)"
    r"|(帮我|给我|麻烦)(转接|接通|接一下|转一下)|(给我|帮我|把我)转(到|给|接到|接给)"
)
# someone sent to deal with it, at the end of a complaint: "叫人来处理", "找个能协调的人", "需要有人出面"
_SEND_SOMEONE = re.compile(
    r"(叫|找|安排|需要|要求|请)(个|一个|专门的|专|位)?(人|人员|技术人员|专人|有人)(来|出来|出面|过来|处理|管一管|管管|协调|解释|记录|对接|接待|跟进|给个|跟我|和我|给我)"
    r"|(叫|找|派)(个|一个)?[\u4e00-\u9fff]{1,6}的人(来|出来|过来|反映|说|谈|$)|(换|换个)(人|真人)[!！。]*$|(要|想让|让)(有)?人(跟|和|给)我(讲|说|解释)"
)
# a person on duty or to be met: "客服在岗吗", "明天几点有人", "能约到人吗", "要有人接的那种"
_ON_DUTY = re.compile(
    r"(客服|坐席|座席|人工|老师|工作人员|活人|真人)[\u4e00-\u9fff]{0,4}(在岗|在线|有空|下班|上班)|(几点|什么时候|明天|后天|周[一二三四五六日末]|今天|上午|下午)[\u4e00-\u9fff]{0,6}有人(能|可以|在|接|帮)"
    r"|约(得)?到人|有人(能|可以)(接待|帮我|上门)|能打通|打得通|有人接(的|听)"
)
# a reminder of a promised call or transfer: "上次说有人回电话怎么还没打来", "刚才那位客服还在吗", "人呢"
_REMINDER = re.compile(
    r"(上次|之前|昨天|前天|刚才|刚刚|说好)[^。？?]{0,16}(回电话|回电|打给我|联系我|回访|转接|客服|工作人员|承办人)[^。]{0,12}(还没|没有|没下文|没接到|什么时候|还在吗|再安排|打过来)|人呢[？?！!。]*$"
)
# a formal request to be contacted or received: "烦请安排相关同志与我司联系", "恳请派员指导"
_POLITE = re.compile(
    r"(烦请|恳请|敬请|盼|望|希望|请求|诚挚请求|如蒙)[^。？?]{0,24}(派员|指定专人|专人|与我(司|方|单位|公司|院)?(取得)?联系|致电|接待|对接|当面|回复我|联系我|沟通一次|商洽)"
)
_PUT_THROUGH = re.compile(r"转|找|接通|叫|联系我|打电话|回电|回个电话")
_FIRST_PERSON = re.compile(r"我司|我方|我单位|我公司|本人|我院")
# a service being bought, not a person asked for: "人工客服外包服务", "12345热线人工坐席服务怎么采购"
_BOUGHT = re.compile(
    r"(人工客服|人工坐席|人工座席|客服|坐席|座席|呼叫中心|热线|话务)[\u4e00-\u9fff]{0,4}(外包|系统|项目|平台|服务项目|采购|软件)"
    r"|(采购|购买|外包|招标)[\u4e00-\u9fff]{0,4}(人工客服|人工坐席|人工座席|客服|呼叫中心|热线)|\d+\s*[×xX*]\s*24"
    r"|(人工客服|人工坐席|人工座席|呼叫中心|热线|话务)[\u4e00-\u9fff]{0,3}服务[^。]*(采购|招标|磋商|谈判|询价|框架协议|单一来源|预算|需求)"
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
# "领导给评委打电话打招呼，这个合法吗": a question that ends asking for a judgement of what someone did
_JUDGEMENT = re.compile(
    r"(合法|违法|合规|违规|合理|正常|说得过去|站得住脚|算不算[\u4e00-\u9fff]{0,6}|属于什么[\u4e00-\u9fff]{0,4}|什么性质|受什么[\u4e00-\u9fff]{0,4}|怎么处理|怎么处罚|有没有问题|有问题|会怎样|会怎么样|什么后果|什么责任)"
    r"(吗|么|嘛|不|没有)?[？?。！!]*$"
)
# "工作人员可以收供应商的礼品吗" mentions a person but asks about the rules
_ABOUT_RULES = re.compile(r"(工作人员|负责人|经办人).{0,8}(可以|能否|能不能|不得|是否|应当|违法|回避|收|拿)")
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
    if _BARE_PERSON.match(bare) or _PINYIN_PERSON.match(bare) or _ENGLISH_PERSON.match(" ".join(_PUNCT.split(t)).strip()):
        return HANDOFF
    if _BOUGHT.search(t) and _ASKS.search(t) and not _PUT_THROUGH.search(t):
        return QUESTION
    if any(rx.search(t) for rx in (_FIXED, _CALL_ME, _SEND_SOMEONE, _ON_DUTY, _REMINDER)) or _opens_with_a_call(t):
        return HANDOFF
    if _POLITE.search(t) and (not _ASKS.search(t) or _FIRST_PERSON.search(t)):
        return HANDOFF
    clauses = [_SENT_BY.sub("", _THEIR_PERSON.sub(r"\1", c)) for c in _CLAUSES.split(t)]
    if any(_wants_person(c) for c in clauses) and not _ABOUT_RULES.search(t) and not _JUDGEMENT.search(t):
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


def _wants_person(clause: str) -> bool:
    """Does one clause ask for a person? A wish that comes first makes the person its object ("想找你们
    领导", "转人工客服"), and so does a service asked of the person ("哪位老师方便接个电话", "值班的老师可以帮我
    看看"). A person word followed by what it wants ("领导想找一家代理机构来办", "领导问要不要全程录像", "校领导想
    直接请专家来审") is someone else's wish in the asker's story, as long messages tell it."""
    people, wishes = list(_PERSON.finditer(clause)), list(_WISH.finditer(clause))
    return any(w.start() < p.start() or (w.start() >= p.end() and not _THEIR_WISH.fullmatch(w.group(0)))
               for p in people for w in wishes)
