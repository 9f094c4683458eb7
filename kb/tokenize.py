"""Chinese tokenisation for the keyword index: jieba with the procurement domain dictionary.

Text is normalised first (kb.textnorm), then cut in jieba's search mode, which emits both the whole
domain term and its parts ("投标保证金" → 投标, 保证, 保证金, 投标保证金), so a question that says
"保证金" still meets a passage that says "投标保证金". Function words are dropped.
"""

from __future__ import annotations

import functools
import logging
import re
import tempfile
import threading
from importlib import resources
from pathlib import Path

import jieba

from kb.textnorm import normalize

TOKENIZER_VERSION = "jieba-search-domain-v4"
BIGRAM_VERSION = "char-bigram-v1"

_STOPWORDS = frozenset(
    """
    的 了 吗 呢 啊 呀 吧 么 嘛 哦 哈 是 在 和 与 及 或 或者 等 其 之 而 也 都 就 还 又 再 才 只 很 更 最
    我 我们 你 你们 您 他 她 它 他们 这 那 这个 那个 这些 那些 哪 哪些 哪个 什么 怎么 怎样 怎么办 如何 为什么 为何
    多少 多久 几 个 一个 一下 一些 有 没有 没 要 想 能 能否 能不能 可以 可不可以 会 会不会 是否 是不是 需要 需不需要
    几天 几日 几个 几家 几年 几月 多长 多长时间 多大 多高 多少钱 哪天 何时 啥 咋 咋办 怎么样 什么样 行不行 行吗 对吗 吗 嘛
    我们 咱们 本公司 我司 公司 单位 情况 问题 请教 咨询 一般 具体 规定 要求 有关 相关 办 做 弄 搞
    说 讲 去 来 着 过 得 跑 拿 看 想要 这种 那种 这样 那样 这么 那么 有没有 不是 会不会 是不是 还要 还会 要是 如果说
    出来 上去 进来 下来 起来 过来 一直 大家 别人 有人 自己 人家 之内 以内 后面 前面 这次 那次 那天 这个 那个 哪几种 哪几 几种
    哪种 哪一年 一样 意思 什么意思 啥意思 怎样才能 才能 只能 必须得 到底 究竟 其实 然后 所以说 不然 还得 得要 要不要 该不该
    呗 哈 嗯 啦 喽 哇 诶 哎 唉 么样 多久能 多长 最晚 最早 最多 最少 大概 一般来说 通常 现在 今年 目前 平时 当时 之后呢
    能不能够 可不可 行不 合适 合理 正常 合法 合规 违法 违规 算不算 属于 算 对不对 怎么回事 为啥
    哪里 哪儿 哪边 觉得 感觉 认为 帮 帮忙 帮着 一半 外面 里面 刚 刚刚 开个 写些 管些 最多能 多久内 签了 会被
    请 请问 问 问一下 麻烦 谢谢 您好 你好 对 把 被 让 给 从 向 到 于 以 将 对于 关于 按照 根据 由 为 因为 所以 如果 但是 但 并
    上 下 中 里 内 外 时 时候 后 前 之后 以后 以前 之前 现在 已经 一定 应该 这样 那样 比如 还是 还有 然后 以及
    ， 。 、 ； ： ？ ！ “ ” ‘ ’ （ ） 《 》 〔 〕 【 】 … — - , . ; : ? ! ( ) [ ] " ' / \\ % ~
    """.split()
)
_KEEP_SINGLE = re.compile(r"[\u4e00-\u9fff0-9a-z%]")
_CONTENT_CHAR = re.compile(r"[\u4e00-\u9fff0-9a-z%]")
# characters that carry no meaning on their own in a question; a question's bigrams never span them
_STOP_CHARS = frozenset("的了吗呢啊呀吧么嘛哦是在和与及或等其之而也都就还又我你他她它这那哪什么怎么多少几个要能可以会有没请问一下咋啥")
_TOKEN_OK = re.compile(r"[\u4e00-\u9fff0-9a-z]")

logging.getLogger("jieba").setLevel(logging.WARNING)
jieba.setLogLevel(logging.WARNING)


def domain_dict_path() -> Path:
    return Path(str(resources.files("kb") / "data" / "domain_dict.txt"))


class Tokenizer:
    """A jieba tokenizer of its own (not the global one), loaded once per process on first use."""

    version = TOKENIZER_VERSION

    def __init__(self, user_dict: Path | None = None, cache_dir: Path | None = None) -> None:
        self._user_dict = user_dict or domain_dict_path()
        self._cache_dir = cache_dir
        self._jieba: jieba.Tokenizer | None = None
        self._general_total: int | None = None
        self._lock = threading.Lock()

    def _load(self) -> jieba.Tokenizer:
        with self._lock:
            if self._jieba is None:
                tk = jieba.Tokenizer()
                tk.tmp_dir = str(self._cache_dir or Path(tempfile.gettempdir()))
                tk.initialize()
                tk.load_userdict(str(self._user_dict))
                self._jieba = tk
        return self._jieba

    @functools.cached_property
    def domain_words(self) -> frozenset[str]:
        """The words of the domain dictionary."""
        lines = self._user_dict.read_text(encoding="utf-8").splitlines()
        return frozenset(ln.split()[0] for ln in lines if ln.strip() and not ln.startswith("#"))

    def general_share(self, word: str) -> float:
        """The word's frequency in general Chinese: its share of jieba's general dictionary, the
        domain dictionary's words left out (they are procurement vocabulary by definition)."""
        tk = self._load()
        domain = self.domain_words
        if word in domain:
            return 0.0
        if self._general_total is None:
            self._general_total = tk.total - sum(tk.FREQ.get(w, 0) for w in domain)
        return tk.FREQ.get(word, 0) / self._general_total if self._general_total > 0 else 0.0

    def add_words(self, words: list[str]) -> None:
        tk = self._load()
        for w in words:
            tk.add_word(w, freq=20000)

    def tokens(self, text: str) -> list[str]:
        """Search-mode tokens of the normalised text, without function words and punctuation."""
        norm = normalize(text)
        out: list[str] = []
        for tok in self._load().lcut_for_search(norm):
            tok = tok.strip()
            if not tok or tok in _STOPWORDS or not _TOKEN_OK.search(tok):
                continue
            if len(tok) == 1 and not _KEEP_SINGLE.match(tok):
                continue
            out.append(tok)
        return out

    @staticmethod
    def bigrams(text: str) -> list[str]:
        """Character bigrams of a passage (robust where word segmentation disagrees)."""
        chars = [c for c in normalize(text) if _CONTENT_CHAR.match(c)]
        return [chars[i] + chars[i + 1] for i in range(len(chars) - 1)]

    @staticmethod
    def query_bigrams(text: str) -> list[str]:
        """Bigrams of a question, within runs of content characters (question words break runs)."""
        runs = "".join(c if _CONTENT_CHAR.match(c) and c not in _STOP_CHARS else " " for c in normalize(text)).split()
        out: list[str] = []
        for run in runs:
            out += [run[i : i + 2] for i in range(len(run) - 1)] or ([run] if len(run) == 1 else [])
        return list(dict.fromkeys(out))

    @staticmethod
    def is_stopword(token: str) -> bool:
        return token in _STOPWORDS

    def words(self, text: str) -> list[str]:
        """Plain (non-search-mode) cut, for picking key terms out of a question."""
        return [t for t in self._load().lcut(normalize(text)) if t.strip() and t not in _STOPWORDS]
