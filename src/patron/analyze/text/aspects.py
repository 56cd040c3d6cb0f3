"""Which aspects (room, staff, price …) does a comment talk about, and how does it feel about each?

Aspects come from a bilingual taxonomy per industry in YAML (``taxonomies/hotel.yaml``,
``retail``, ``bank``, ``fuel``; a firm's own file through ``[text] taxonomy`` in
patron.toml). All the words of all aspects go into one Aho-Corasick automaton, so a
comment is read once whatever the size of the taxonomy. Chinese words match anywhere
(the longest wins: 离开 in ``not`` blocks 离); English words match whole words, a
trailing ``*`` any ending.

An aspect's sentiment is the zero-shot sentiment of the clause (between punctuation)
that mentions it: "房间很干净，但是早餐太差" is positive on room and cleanliness and
negative on breakfast.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from patron.analyze.text.lexicon import LexiconSentiment, default_lexicon, label_of
from patron.analyze.text.reading import Comment, language_of, read_comment
from patron.core.i18n import _
from patron.exceptions import InputError

INDUSTRIES = ("hotel", "retail", "bank", "fuel")
_CLAUSE_SEP = re.compile(
    r"[，。！？；,.!?;\n…~]+|\s(?:but|and|although|though|however|while)\s|但是|不过|可是|而且"
)
#: Characters that continue an English word (a whole-word match must not touch one).
_LETTER = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


@dataclass(frozen=True)
class Aspect:
    """One aspect: its code, names, owner and words."""

    code: str
    name_en: str
    name_zh: str
    owner_en: str
    owner_zh: str
    words: tuple[str, ...]
    blocked: tuple[str, ...] = ()

    def name(self, language: str | None = None) -> str:
        """The name in the user's language."""
        from patron.core.i18n import current_language

        zh = (language or current_language()).startswith("zh")
        return self.name_zh if zh and self.name_zh else self.name_en

    def owner(self, language: str | None = None) -> str:
        from patron.core.i18n import current_language

        zh = (language or current_language()).startswith("zh")
        return self.owner_zh if zh and self.owner_zh else self.owner_en


@dataclass(frozen=True)
class Taxonomy:
    """The aspects of one industry."""

    industry: str
    aspects: tuple[Aspect, ...]
    source: str

    def __getitem__(self, code: str) -> Aspect:
        for a in self.aspects:
            if a.code == code:
                return a
        raise KeyError(code)

    @property
    def codes(self) -> list[str]:
        return [a.code for a in self.aspects]


def load_taxonomy(source: str | Path | None = None) -> Taxonomy:
    """A taxonomy: an industry preset (``hotel`` …) or a YAML file; errors name the
    file and the aspect that is wrong."""
    source = source or "hotel"
    if str(source) in INDUSTRIES:
        ref = resources.files("patron.analyze.text").joinpath(f"taxonomies/{source}.yaml")
        text, where = ref.read_text(encoding="utf-8"), f"{source} (shipped)"
    else:
        path = Path(source)
        if not path.is_file():
            raise InputError(
                _("no taxonomy {source}: give one of {presets} or a YAML file").format(
                    source=source, presets=", ".join(INDUSTRIES)
                )
            )
        text, where = path.read_text(encoding="utf-8"), str(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(_("{path}: not YAML: {error}").format(path=where, error=exc)) from exc
    if not isinstance(data, dict) or not isinstance(data.get("aspects"), dict):
        raise InputError(_("{path}: needs an 'aspects' mapping").format(path=where))
    aspects = []
    for code, spec in data["aspects"].items():
        if not isinstance(spec, dict):
            raise InputError(
                _("{path}: aspect {aspect} is not a mapping").format(path=where, aspect=code)
            )
        names, owner = spec.get("name") or {}, spec.get("owner") or {}
        words = [str(w).strip().lower() for w in (spec.get("zh") or []) + (spec.get("en") or [])]
        words = [w for w in words if w]
        if not words:
            raise InputError(
                _("{path}: aspect {aspect} has no words").format(path=where, aspect=code)
            )
        aspects.append(
            Aspect(
                str(code), str(names.get("en") or code), str(names.get("zh") or ""),
                str(owner.get("en") or ""), str(owner.get("zh") or ""), tuple(words),
                tuple(str(w).lower() for w in spec.get("not") or ()),
            )
        )  # fmt: skip
    return Taxonomy(str(data.get("industry") or source), tuple(aspects), where)


@dataclass(frozen=True, slots=True)
class Mention:
    """An aspect mentioned in a comment, with the clause's sentiment and the words."""

    aspect: str
    word: str
    score: float
    label: str
    clause: str
    words: tuple[tuple[str, float], ...]


def _clauses(text: str) -> list[tuple[int, int]]:
    """(start, end) of each clause: text between punctuation and words like but/但是."""
    out, start = [], 0
    for sep in _CLAUSE_SEP.finditer(text):
        if sep.start() > start:
            out.append((start, sep.start()))
        start = sep.end()
    if start < len(text):
        out.append((start, len(text)))
    return out


class AspectTagger:
    """Tags comments with the aspects of a :class:`Taxonomy` (see the module's text)."""

    def __init__(
        self, taxonomy: Taxonomy | str | Path | None = None, lexicon: LexiconSentiment | None = None
    ):
        import ahocorasick

        self.taxonomy = taxonomy if isinstance(taxonomy, Taxonomy) else load_taxonomy(taxonomy)
        self.lexicon = lexicon or default_lexicon()
        automaton = ahocorasick.Automaton()
        entries: dict[str, list] = {}
        for aspect in self.taxonomy.aspects:
            for word in aspect.words:
                prefix = word.endswith("*")
                key = word.rstrip("*")
                entries.setdefault(key, [])
                entries[key].append((aspect.code, prefix))
            for word in aspect.blocked:
                entries.setdefault(word, [])
        for key, targets in entries.items():
            # what find() needs per hit, computed once: length, whether whole-word rules apply
            automaton.add_word(key, (key, len(key), key.isascii(), tuple(targets)))
        automaton.make_automaton()
        self._automaton = automaton

    def find(self, text: str) -> list[tuple[int, int, str, str]]:
        """(start, end, aspect, word) of each aspect word in a (lower-cased) text."""
        out = []
        n = len(text)
        for end, (key, size, ascii_word, targets) in self._automaton.iter_long(text):
            start = end - size + 1
            for code, prefix in targets:
                if ascii_word:
                    if start > 0 and text[start - 1] in _LETTER:
                        continue
                    if not prefix and end + 1 < n and text[end + 1] in _LETTER:
                        continue
                out.append((start, end + 1, code, key))
        return out

    def aspects(self, value: Any) -> set[str]:
        """The aspects a comment mentions (no sentiment: the fast path)."""
        comment = value if isinstance(value, Comment) else read_comment(value)
        if not comment.readable:
            return set()
        # find() without building tuples: this runs once per comment at scale
        text = comment.text.lower()
        n = len(text)
        found: set[str] = set()
        for end, (_key, size, ascii_word, targets) in self._automaton.iter_long(text):
            if not ascii_word:
                found.update(code for code, _prefix in targets)
                continue
            start = end - size + 1
            if start > 0 and text[start - 1] in _LETTER:
                continue
            tail = end + 1 < n and text[end + 1] in _LETTER
            found.update(code for code, prefix in targets if prefix or not tail)
        return found

    def tag(self, value: Any) -> list[Mention]:
        """Each aspect the comment mentions, once, with its clause's sentiment."""
        comment = value if isinstance(value, Comment) else read_comment(value)
        if not comment.readable:
            return []
        text = comment.text.lower()
        hits = self.find(text)
        if not hits:
            return []
        out: dict[str, Mention] = {}
        for start, end in _clauses(text):
            inside = [h for h in hits if h[0] >= start and h[1] <= end]
            if not inside:
                continue
            clause = text[start:end]
            s = self.lexicon.score(Comment(clause, language_of(clause) or comment.language))
            for _start, _end, code, word in inside:
                previous = out.get(code)
                # the strongest opinion about an aspect stands for it
                if previous is None or abs(s.score) > abs(previous.score):
                    out[code] = Mention(code, word, s.score, label_of(s.score) if s.label else "neutral",
                                        clause.strip(), s.words)  # fmt: skip
        return list(out.values())

    def tag_many(self, values: Any, ids: Any = None) -> pd.DataFrame:
        """One row per (comment, aspect): id, aspect, score, label, word, clause."""
        rows = []
        ids = list(ids) if ids is not None else None
        for i, value in enumerate(values):
            for m in self.tag(value):
                rows.append(
                    (ids[i] if ids is not None else i, m.aspect, m.score, m.label, m.word, m.clause)
                )
        return pd.DataFrame(rows, columns=["id", "aspect", "score", "label", "word", "clause"])
