"""Question-type cues: what kind of answer a question wants, and which sentences have that kind.

多久/几天 want a time limit; 可以…吗 wants 可以/不得/应当; 多少/比例 want a number or percentage;
什么是 wants a definition; 谁/哪个部门 wants a body; 罚/后果/怎么处理 wants a sanction. Pure functions
over strings.
"""

from __future__ import annotations

import re

from kb.cn_numerals import NUMERAL_CHARS

_N = NUMERAL_CHARS

TIME, PERMISSION, NUMBER, DEFINITION, WHO, HOW, PENALTY = "time", "permission", "number", "definition", "who", "how", "penalty"

_QUESTION_CUES = {
    TIME: re.compile(r"多久|多长时间|多少天|几天|几日|几个工作日|多少个工作日|期限|时限|什么时候|何时|哪天|截止|几个月|多少日|多长期|等多久"),
    PERMISSION: re.compile(r"可以|可不可以|能不能|能否|能吗|行不行|行吗|是否|允许|必须|要不要|需不需要|需要.*吗|得.*吗|要.{1,8}吗|合法吗|违法吗|算不算|有没有权"),
    NUMBER: re.compile(r"多少|几家|几个|几名|几人|比例|百分之|%|多大|上限|下限|最多|最少|至少|不低于|不超过|占.{0,4}(多少|几)|金额"),
    DEFINITION: re.compile(r"什么是|是什么|什么意思|啥意思|指什么|指的是|含义|定义|何谓|怎么理解|属于什么"),
    WHO: re.compile(r"谁|哪个部门|哪一级|哪级|由谁|找谁|哪个单位|哪个机构|向哪|哪里(投诉|反映|举报)"),
    HOW: re.compile(r"怎么|如何|怎样|流程|程序|步骤|办法|途径|渠道"),
    PENALTY: re.compile(r"罚|处罚|后果|怎么处理|如何处理|会被怎么|会怎样|会怎么样|担责|担什么责|追究|吊销|拉黑|黑名单|查出来|被查"),
}

# what a sentence must carry to answer each kind fully (1.0), and what only hints at it (0.5):
# "是指" defines, "包括" merely lists; "二十日" is a time limit, "及时" only asks for speed
_SENTENCE_CUES = {
    TIME: re.compile(rf"[\d{_N}]+\s*(?:个)?\s*(?:工作日|日|天|小时|个月|月|年|周)(?:内|以内|前|后|起)?|之日起"),
    PERMISSION: re.compile(r"不得|可以|应当|必须|禁止|不予|允许|有权|无权|不能|不应|严禁|须|免费"),
    NUMBER: re.compile(rf"\d+(?:\.\d+)?\s*%|百分之[{_N}]+|[\d{_N}]+\s*(?:家|名|人|万元|元|倍|个)"),
    DEFINITION: re.compile(r"是指|所称|指的是"),
    WHO: re.compile(r"由[\u4e00-\u9fff]{2,12}(?:确定|负责|组织|审查|处理)|[\u4e00-\u9fff]{2,8}(?:部门|机构|委员会)(?:负责|应当|依法)"),
    HOW: re.compile(r"应当|通过|向|提出|提交|按照|程序"),
    PENALTY: re.compile(r"罚款|处以|警告|没收|吊销|不良行为记录|禁止参加|追究[\u4e00-\u9fff]{0,4}责任|取消[\u4e00-\u9fff]{0,8}资格|中标无效|成交无效|处分"),
}
_SENTENCE_HINTS = {
    PENALTY: re.compile(r"责任|责令|处理|违反"),
    TIME: re.compile(r"期限|届满|及时"),
    NUMBER: re.compile(r"以上|以下|不低于|不超过|不少于|不高于"),
    DEFINITION: re.compile(r"包括|分为|即"),
    WHO: re.compile(r"部门|机构|委员会|财政|负责"),
}


def question_types(question: str) -> set[str]:
    """The answer kinds a question asks for (possibly several, possibly none)."""
    return {kind for kind, rx in _QUESTION_CUES.items() if rx.search(question)}


def sentence_cue(sentence: str, types: set[str]) -> float:
    """0..1: how well a sentence carries the kind of answer asked for."""
    if not types:
        return 0.0
    got = 0.0
    for t in types:
        if _SENTENCE_CUES[t].search(sentence):
            got += 1.0
        elif t in _SENTENCE_HINTS and _SENTENCE_HINTS[t].search(sentence):
            got += 0.5
    return got / len(types)


def chunk_cue(text: str, types: set[str]) -> float:
    """Like sentence_cue, for a whole passage (used in ranking)."""
    return sentence_cue(text, types)
