"""What sentiment does a comment carry, without any labels (the zero-shot default)?

Chinese: Patron's own hospitality and retail lexicon (``data/lexicon_zh.txt``, written
for Patron, Apache-2.0), matched with an Aho-Corasick automaton (longest match wins, so
不错 is one positive word), with negation (不/没/无 … just before a word turns it) and
degree words (很/非常/有点 …). English: the VADER lexicon (MIT, read from the installed
``vaderSentiment`` package; nothing is downloaded) with VADER's negation, booster and
"but" rules in a fast token scorer. A mixed comment is scored by both.

The score is VADER's normalisation of the summed valence to −1…1 ("compound"); a comment
is ``positive`` above :data:`THRESHOLD`, ``negative`` below its opposite and ``neutral``
between. The words that decided are kept for the explanation.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from patron.analyze.text.reading import Comment, read_comment

#: Compound scores beyond ±THRESHOLD are positive or negative (VADER's convention).
THRESHOLD = 0.05
LABELS = ("negative", "neutral", "positive")

_ZH_NEGATORS = ("不", "没", "无", "未", "别", "非", "毫无", "并不", "从不", "绝不", "不太", "不是")
_ZH_DEGREE = {
    "非常": 1.5, "特别": 1.5, "十分": 1.5, "极其": 1.6, "极": 1.5, "超级": 1.5, "超": 1.4,
    "太": 1.4, "很": 1.3, "挺": 1.1, "相当": 1.3, "最": 1.5, "真": 1.3, "好": 1.2,
    "比较": 0.8, "较": 0.8, "还算": 0.8, "还": 0.9, "有点": 0.7, "有些": 0.7, "稍": 0.6,
    "略": 0.6, "稍微": 0.6,
}  # fmt: skip
_ZH_DEGREE_RE = re.compile("|".join(sorted(_ZH_DEGREE, key=len, reverse=True)))
_ZH_NEGATOR_RE = re.compile("|".join(sorted(_ZH_NEGATORS, key=len, reverse=True)))
_ZH_CLAUSE_TAIL = re.compile(r"[^，。！？；,.!?;~\n…、]*$")
_ZH_CONTRAST = re.compile(r"但是|但|可是|不过|然而|只是|就是")

_EN_NEGATORS = frozenset(
    "not no never none nobody nothing neither nor nowhere without cannot cant dont doesnt "
    "didnt isnt wasnt arent werent wont wouldnt shouldnt couldnt hasnt havent hadnt aint".split()
)
_EN_BOOST = {
    "very": 0.293, "really": 0.293, "so": 0.293, "extremely": 0.293, "absolutely": 0.293,
    "totally": 0.293, "completely": 0.293, "super": 0.293, "most": 0.293, "incredibly": 0.293,
    "slightly": -0.293, "somewhat": -0.293, "kinda": -0.293, "barely": -0.293, "little": -0.293,
}  # fmt: skip
_EN_TOKEN = re.compile(r"[a-z][a-z']*|[:;=][\-']?[()dp]", re.IGNORECASE)
_N_SCALAR = -0.74


@dataclass(frozen=True, slots=True)
class Sentiment:
    """One comment's sentiment: compound score (−1…1), label and the deciding words."""

    score: float
    label: str  # positive, neutral, negative; "" when the comment could not be read
    words: tuple[tuple[str, float], ...] = field(default=())
    reason: str = ""


def _compound(total: float, alpha: float = 15.0) -> float:
    return total / math.sqrt(total * total + alpha)


def label_of(score: float) -> str:
    """positive / neutral / negative for a compound score."""
    if score > THRESHOLD:
        return "positive"
    if score < -THRESHOLD:
        return "negative"
    return "neutral"


def _read_weights(path: Any) -> dict[str, float]:
    out: dict[str, float] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        word, _, weight = line.partition("\t")
        out[word.strip()] = float(weight.split("\t")[0])
    return out


class LexiconSentiment:
    """The zero-shot scorer (see the module's text). Thread-safe once built.

    Parameters
    ----------
    zh_lexicon : path, optional
        A ``word<TAB>weight`` file replacing the shipped Chinese lexicon.
    extra : dict, optional
        Words to add or re-weight (a firm's own words: "房卡" …), either language.
    """

    def __init__(self, zh_lexicon: str | Path | None = None, extra: dict[str, float] | None = None):
        import ahocorasick

        if zh_lexicon is None:
            ref = resources.files("patron.analyze.text").joinpath("data/lexicon_zh.txt")
            with resources.as_file(ref) as path:
                zh = _read_weights(path)
        else:
            zh = _read_weights(zh_lexicon)
        self.en_: dict[str, float] = _vader_lexicon()
        for word, weight in (extra or {}).items():
            if re.search(r"[\u4e00-\u9fff]", word):
                zh[word] = float(weight)
            else:
                self.en_[word.lower()] = float(weight) * 2.0  # VADER's scale is ±4
        self.zh_ = zh
        automaton = ahocorasick.Automaton()
        for word, weight in zh.items():
            automaton.add_word(word, (word, weight))
        automaton.make_automaton()
        self._automaton = automaton

    # -- one comment -------------------------------------------------------------------
    def score(self, value: Any) -> Sentiment:
        """The :class:`Sentiment` of one comment (anything :func:`read_comment` reads)."""
        comment = value if isinstance(value, Comment) else read_comment(value)
        if not comment.readable:
            return Sentiment(0.0, "", (), comment.reason)
        found: list[tuple[str, float]] = []
        total = 0.0
        if comment.language in ("zh", "mixed"):
            total += self._zh(comment.text, found)
        if comment.language in ("en", "mixed"):
            total += self._en(comment.text, found) / 2.0  # VADER's ±4 against our ±1.5
        value = _compound(total, 4.0) if comment.language == "zh" else _compound(total, 4.0)
        return Sentiment(round(value, 4), label_of(value), tuple(found), comment.reason)

    def scores(self, values: Any) -> list[Sentiment]:
        """:meth:`score` of each comment."""
        return [self.score(v) for v in values]

    def _zh(self, text: str, found: list[tuple[str, float]]) -> float:
        total = 0.0
        contrast = _ZH_CONTRAST.search(text)
        after = contrast.end() if contrast else len(text) + 1
        for end, (word, weight) in self._automaton.iter_long(text):
            if not weight:
                continue  # a word that only blocks a shorter one (出差 is not 差)
            start = end - len(word) + 1
            window = _ZH_CLAUSE_TAIL.search(text, max(0, start - 4), start).group()
            w = weight
            if window:
                degree = _ZH_DEGREE_RE.search(window)
                if degree:
                    w *= _ZH_DEGREE[degree.group()]
                    window = _ZH_DEGREE_RE.sub("", window)  # 非常 is not 非
                if _ZH_NEGATOR_RE.search(window):
                    # 不干净 is in the lexicon; 不太满意 / 没有异味 are turned here
                    w = -w * (0.6 if weight > 0 else 0.5)
            if start >= after:
                w *= 1.3  # what follows 但是 is what the guest means
            total += w
            found.append((word, round(w, 3)))
        return total

    def _en(self, text: str, found: list[tuple[str, float]]) -> float:
        # apostrophes dropped before tokenising, as VADER's lexicon keys are (dont, cant)
        tokens = _EN_TOKEN.findall(text.lower().replace("'", ""))
        total = 0.0
        but = tokens.index("but") if "but" in tokens else -1
        lexicon = self.en_
        for i, token in enumerate(tokens):
            v = lexicon.get(token)
            if v is None:
                continue
            for j in range(max(0, i - 3), i):
                b = _EN_BOOST.get(tokens[j])
                if b is not None:
                    v += b if v > 0 else -b
            if any(t in _EN_NEGATORS for t in tokens[max(0, i - 3) : i]):
                v *= _N_SCALAR
            if but >= 0:
                v *= 1.5 if i > but else 0.5
            total += v
            found.append((token, round(v, 3)))
        return total


_VADER: dict[str, float] | None = None
_VADER_LOCK = threading.Lock()


def _vader_lexicon() -> dict[str, float]:
    """VADER's word valences (MIT licence), from the installed vaderSentiment package."""
    global _VADER
    with _VADER_LOCK:
        if _VADER is None:
            ref = resources.files("vaderSentiment").joinpath("vader_lexicon.txt")
            lexicon: dict[str, float] = {}
            for line in ref.read_text(encoding="utf-8").splitlines():
                parts = line.strip().split("\t")
                if len(parts) >= 2:
                    lexicon[parts[0].replace("'", "")] = float(parts[1])
            # airline, hotel and shop words VADER leaves neutral
            lexicon.update(
                {"delayed": -1.5, "delay": -1.2, "cancelled": -1.8, "canceled": -1.8,
                 "lost": -1.5, "rude": -2.0, "dirty": -2.0, "noisy": -1.5, "stuck": -1.5,
                 "waiting": -0.8, "hold": -0.6, "refund": -0.8, "broken": -1.8,
                 "worst": -3.1, "thanks": 1.9, "thank": 1.5, "spotless": 2.0, "comfy": 1.8,
                 "overpriced": -1.8, "slow": -1.2, "smelly": -1.8, "stained": -1.6, "helpful": 1.9}
            )  # fmt: skip
            _VADER = lexicon
    return _VADER


_DEFAULT: LexiconSentiment | None = None
_DEFAULT_LOCK = threading.Lock()


def default_lexicon() -> LexiconSentiment:
    """The shipped scorer, built once per process."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = LexiconSentiment()
    return _DEFAULT
