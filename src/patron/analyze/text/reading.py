"""How is a comment read (cleaned, its language detected, segmented), and why is one left unread?

Every comment, whatever arrives (bytes in an unknown encoding, an empty string, emoji
only, 100 kB pasted from a log), becomes a :class:`Comment`: its cleaned text, its
language (``zh``, ``en``, ``mixed``) and, when it cannot be analysed, the reason why
(``empty``, ``no_words``, ``undecodable``) — never an exception. Long comments are cut
to :data:`MAX_CHARS` and say so (``truncated``).

Segmentation into words uses jieba for Chinese (with a shipped hospitality and retail
user dictionary) and a regular expression for English; the fast paths of scoring and
tagging do not need it (they match characters), key phrases and topics do.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from importlib import resources
from typing import Any

from patron.core.i18n import N_, _

#: Longer comments are cut here (a comment is a few sentences; 100 kB is a pasted log).
MAX_CHARS = 5000

#: Why a comment was not analysed (or was changed), with the words users see.
REASONS = {
    "empty": N_("empty comment"),
    "no_words": N_("no words (only emoji, digits or punctuation)"),
    "undecodable": N_("the bytes are not text in any known encoding"),
    "truncated": N_("cut to the first 5,000 characters"),
    "mis_encoded": N_("decoded from a non-UTF-8 encoding"),
}

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028-\u202e\ufeff]")
_EN_WORD = re.compile(r"[a-z][a-z']*")
_ZH_WORD = re.compile(r"[\u4e00-\u9fff]{2,}|[a-z][a-z']+")


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment as read: text, language and the reason it is (partly) not analysed."""

    text: str
    language: str  # zh, en, mixed or "" when there is nothing to read
    reason: str = ""  # a key of REASONS, "" when read whole

    @property
    def readable(self) -> bool:
        """Whether there is anything to analyse."""
        return self.reason not in ("empty", "no_words", "undecodable")

    def reason_text(self) -> str:
        """The reason in the user's language ("" when there is none)."""
        return _(REASONS[self.reason]) if self.reason else ""


def decode(raw: bytes) -> tuple[str | None, bool]:
    """Text from bytes: UTF-8 when it is, else the best guess (GB18030 first: Chinese
    systems export it); ``(None, False)`` when no encoding fits."""
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        pass
    for encoding in ("gb18030", "big5"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _CJK.search(text) or text.isascii():
            return text, True
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        return None, False
    text = str(best)
    # a guess that yields mostly symbols (UTF-16 read from random bytes …) is no text
    plain = sum(ch.isascii() and ch.isprintable() or bool(_CJK.match(ch)) for ch in text[:2000])
    if plain < 0.7 * min(len(text), 2000):
        return None, False
    return text, True


def language_of(text: str) -> str:
    """``zh``, ``en`` or ``mixed`` by the share of Chinese characters among letters
    ("" when there are none)."""
    # counted in C (bytes.translate), not by listing matches: this runs per comment
    ascii_bytes = text.encode("ascii", "ignore")
    latin = len(ascii_bytes) - len(ascii_bytes.translate(None, _LETTERS))
    if len(ascii_bytes) == len(text):
        return "en" if latin else ""
    if latin <= 3:
        return "zh" if _CJK.search(text) else ("en" if latin else "")
    han = len(text) - len(_CJK.sub("", text))
    if han == 0 and latin == 0:
        return ""
    if han == 0:
        return "en"
    # A Chinese comment often names things in Latin letters (Wi-Fi, TV, OK): each
    # Chinese character carries about a word, so compare characters with words.
    words = len(_EN_WORD.findall(text.lower()))
    if words <= han / 2 or latin <= 3:
        return "zh"
    if han <= words / 4:
        return "en"
    return "mixed"


def read_comment(value: Any) -> Comment:
    """A :class:`Comment` from whatever arrived (str, bytes, None, a number …)."""
    reason = ""
    if value is None or (isinstance(value, float) and value != value):
        return Comment("", "", "empty")
    if isinstance(value, bytes | bytearray | memoryview):
        text, guessed = decode(bytes(value))
        if text is None:
            return Comment("", "", "undecodable")
        reason = "mis_encoded" if guessed else ""
    else:
        text = str(value)
    if "\ufffd" in text and text.count("\ufffd") > len(text) / 4:
        return Comment("", "", "undecodable")
    if len(text) > 4 * MAX_CHARS:
        text = text[: 4 * MAX_CHARS]  # normalising 100 kB to cut it is wasted work
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    if not text.isprintable():
        text = _CONTROL.sub("", text)
    text = " ".join(text.split())
    if not text:
        return Comment("", "", "empty")
    if len(text) > MAX_CHARS:
        text, reason = text[:MAX_CHARS], "truncated"
    language = language_of(text)
    if not language:
        return Comment(text, "", "no_words")
    return Comment(text, language, reason)


_JIEBA_LOCK = threading.Lock()
_JIEBA: Any = None


def _jieba() -> Any:
    """jieba with the shipped user dictionary, loaded once (its own dictionary ships
    inside the jieba package: nothing is downloaded)."""
    global _JIEBA
    with _JIEBA_LOCK:
        if _JIEBA is None:
            import logging

            import jieba

            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            words = resources.files("patron.analyze.text").joinpath("data/userdict_zh.txt")
            with resources.as_file(words) as path:
                tokenizer.load_userdict(str(path))
            _JIEBA = tokenizer
    return _JIEBA


#: Words too common to be a key phrase or name a topic.
STOP_WORDS = frozenset(
    """
    的 了 是 在 也 和 就 都 而 及 与 着 或 一个 没有 我们 你们 他们 它们 这个 那个 这些 那些 自己
    还是 就是 但是 因为 所以 如果 虽然 可以 觉得 感觉 比较 非常 一下 有点 已经 还有 不过 然后 时候
    这样 那样 什么 怎么 酒店 宾馆 入住 住 我 你 他 她 它 有 很 太 又 再 才 吧 吗 呢 啊 哦 呀 个 去
    a an the and or but if of to in on at for with from by is are was were be been being it its
    this that these those i me my we our you your he she they them their there here as so very
    not no just than then too also have has had do does did will would can could should hotel
    """.split()
)


def words(comment: Comment) -> list[str]:
    """The comment's words without stop words (jieba for Chinese, letters for English)."""
    text = comment.text.lower()
    if comment.language in ("zh", "mixed"):
        tokens = [t.strip() for t in _jieba().lcut(text)]
        tokens = [t for t in tokens if _ZH_WORD.fullmatch(t)]
    else:
        tokens = _EN_WORD.findall(text)
    return [t for t in tokens if t not in STOP_WORDS and len(t) > 1]
