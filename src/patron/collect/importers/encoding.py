"""How a file's bytes become text: its encoding detected, each record decoded on its own,
quotes kept balanced, and the streams that re-encode a file for the CSV parser.

A file mixing encodings (UTF-8 rows beside GB18030 or Latin-1 ones) is decoded record by
record: UTF-8 first, then the file's other encoding when that is unambiguous; a record
neither decodes is marked so the caller rejects it naming the encoding, never mangled.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from patron.core.i18n import _
from patron.exceptions import InputError

SAMPLE_BYTES = 1 << 20
DELIMITERS = (",", ";", "\t", "|")


@dataclass
class Malformed:
    """A CSV record that could not be split into the header's columns."""

    line: int | None
    text: str
    reason: str


def detect_encoding(sample: bytes, path: Path | str = "") -> tuple[str, int]:
    """The encoding of a CSV file from its first bytes, and the length of its BOM.

    UTF-8 (with or without BOM) is recognised exactly; UTF-16 by its BOM; anything else
    is left to charset-normalizer, whose GBK/GB2312 answers become GB18030 (their
    superset, so no valid character is refused).
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8", len(codecs.BOM_UTF8)
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", 0
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=len(sample) < SAMPLE_BYTES)
        return "utf-8", 0
    except UnicodeDecodeError:
        pass
    # Rows are decoded one by one (UTF-8 first, see RecordDecoder): the file's other
    # encoding is told from the lines that are not UTF-8.
    # Chinese in GB2312's ranges and Western European letters standing alone are told
    # apart line by line (charset-normalizer guesses short samples as Korean or
    # Cyrillic); the family with more lines wins and the other's lines are set aside.
    legacy = [line for line in sample.split(b"\n") if not _is_utf8(line)]
    chinese = sum(_looks_gb2312(line) for line in legacy)
    western = sum(_looks_western(line) for line in legacy)
    if chinese or western:
        return ("gb18030" if chinese >= western else "cp1252"), 0
    sample = b"\n".join(legacy)
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        raise InputError(
            _("{path}: cannot tell the text encoding (is it a binary file?)").format(path=path)
        )
    encoding = codecs.lookup(best.encoding).name
    if encoding in ("gbk", "gb2312", "hz", "cp936"):
        encoding = "gb18030"
    return encoding, 0


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _looks_western(line: bytes) -> bool:
    """Whether the non-ASCII bytes stand alone and are Latin-1 letters (Zoë, Müller)."""
    high = [i for i, b in enumerate(line) if b >= 0x80]
    if not high:
        return False
    alone = all(i + 1 not in high and i - 1 not in high for i in high)
    return alone and all(line[i] >= 0xC0 for i in high)


def _looks_gb2312(sample: bytes) -> bool:
    """Whether every non-ASCII byte pairs into a GB2312 character (lead A1–F7, trail A1–FE)."""
    pairs = 0
    i, n = 0, len(sample)
    while i < n:
        byte = sample[i]
        if byte < 0x80:
            i += 1
            continue
        if i + 1 >= n:
            return pairs > 0 and n >= SAMPLE_BYTES  # a sample may cut a character in two
        trail = sample[i + 1]
        if not (0xA1 <= byte <= 0xF7 and 0xA1 <= trail <= 0xFE):
            return False
        pairs += 1
        i += 2
    return pairs > 0


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the sample's lines into the most consistent columns."""
    lines = text.splitlines()
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last line of a sample may be cut short
    sample = "\n".join(lines[:200])
    best, best_score = ",", (-1.0, 0)
    for delimiter in DELIMITERS:
        try:
            widths = [len(r) for r in csv.reader(io.StringIO(sample), delimiter=delimiter) if r]
        except csv.Error:
            continue
        if not widths:
            continue
        header = widths[0]
        share = sum(w == header for w in widths) / len(widths)
        score = (share if header > 1 else 0.0, header)
        if score > best_score:
            best, best_score = delimiter, score
    return best


MAX_HELD_LINES = 1000  # a quoted field longer than this many lines is taken as unclosed


def _complete_record(delimiter: str, width: int) -> re.Pattern[str]:
    """A line that is one whole record of ``width`` fields, every quote closed."""
    d = re.escape(delimiter)
    field = f'(?:"(?:[^"]|"")*"[^{d}\\r\\n]*|[^"{d}\\r\\n][^{d}\\r\\n]*|)'
    return re.compile(f"{field}(?:{d}{field}){{{max(width - 1, 0)}}}\\r?\\n?")


def _inside_quotes(text: str, delimiter: str) -> bool:
    """Whether ``text`` ends inside a quoted field (quotes open only at a field's start)."""
    inside, at_start, i, n = False, True, 0, len(text)
    while i < n:
        c = text[i]
        if inside:
            if c == '"':
                if i + 1 < n and text[i + 1] == '"':
                    i += 2
                    continue
                inside = False
        elif c == '"' and at_start:
            inside = True
        at_start = not inside and c in (delimiter, "\n", "\r")
        i += 1
    return inside


MULTIBYTE = (
    "gb18030",
    "gbk",
    "gb2312",
    "big5",
    "big5hkscs",
    "shift_jis",
    "euc_jp",
    "euc_kr",
    "cp932",
    "cp949",
    "cp950",
)
UNDECODABLE = "\x1fpatron-undecodable-"


class RecordDecoder:
    """Decodes a CSV file line by line: UTF-8 when a line is valid UTF-8, else the file's
    other encoding when that reading is unambiguous, else the line is set aside.

    A line set aside reaches the CSV parser as a marker with one field too many, so it
    arrives as a :class:`Malformed` row with its record number; :meth:`malformed` turns
    it back into the original text (bytes beyond ASCII shown as ``\\xeb``) and the reason.
    """

    def __init__(self, legacy: str | None, delimiter: str, width: int):
        self.legacy = legacy
        self.multibyte = legacy is not None and codecs.lookup(legacy).name in MULTIBYTE
        self.delimiter = delimiter
        self.filler = delimiter * width
        self.set_aside: dict[int, tuple[str, str]] = {}
        self.taken = 0
        self.held: list[str] = []  # lines of a record whose quote is still open
        self.complete = _complete_record(delimiter, width)

    def problem(self, line: bytes) -> str | None:
        """Why ``line`` (not UTF-8) cannot be read in the file's other encoding, if it cannot."""
        if self.legacy is None:
            return _("this row is not valid UTF-8 (the encoding of the rest of the file)")
        try:
            line.decode(self.legacy)
        except UnicodeDecodeError:
            return _("this row is neither valid UTF-8 nor valid {encoding}").format(
                encoding=self.legacy
            )
        if self.multibyte and _looks_western(line):
            return _(
                "this row could be Latin-1 or {encoding} (the file mixes encodings): "
                "save the file as UTF-8"
            ).format(encoding=self.legacy)
        if not self.multibyte and _looks_gb2312(line):
            return _(
                "this row could be GB18030 or {encoding} (the file mixes encodings): "
                "save the file as UTF-8"
            ).format(encoding=self.legacy)
        return None

    def decode(self, data: bytes, *, final: bool = False) -> bytes:
        """Complete lines of the file as UTF-8 bytes (markers for lines set aside)."""
        if not self.held and b'"' not in data and self.legacy is None and _is_utf8(data):
            return data  # the common case: UTF-8 and no quoted field to follow
        out: list[str] = []
        for line in data.splitlines(keepends=True):
            if _is_utf8(line):
                text = line.decode("utf-8")
            else:
                problem = self.problem(line)
                if problem is not None:
                    self._flush_held(out, final=False)
                    self._set_aside(out, [line.decode("ascii", errors="backslashreplace")], problem)
                    continue
                text = line.decode(self.legacy or "utf-8")
            self._add(out, text)
        if final:
            self._flush_held(out, final=True)
        return "".join(out).encode("utf-8")

    # -- quotes: a quote left open must not swallow the rows after it -----------------

    def _add(self, out: list[str], text: str) -> None:
        if self.held:
            if self.complete.fullmatch(text) and not _inside_quotes(text, self.delimiter):
                # This line is a record of its own: the quote above was never closed.
                self._flush_held(out, final=False)
            else:
                self.held.append(text)
                if not _inside_quotes("".join(self.held), self.delimiter):
                    out.append("".join(self.held))
                    self.held = []
                elif len(self.held) > MAX_HELD_LINES:
                    self._flush_held(out, final=False)
                return
        if '"' not in text or self.complete.fullmatch(text):
            out.append(text)
        elif _inside_quotes(text, self.delimiter):
            self.held = [text]
        else:
            out.append(text)

    def _flush_held(self, out: list[str], *, final: bool) -> None:
        if not self.held:
            return
        held, self.held = self.held, []
        reason = (
            _("a quote opened in this row is never closed (the file ends inside it)")
            if final
            else _(
                "a quote opened in this row is never closed: the rows after it are read "
                "on their own"
            )
        )
        self._set_aside(out, held, reason)

    def _set_aside(self, out: list[str], lines: list[str], reason: str) -> None:
        text = "".join(lines)
        body = text.rstrip("\r\n")
        key = len(self.set_aside) + self.taken
        self.set_aside[key] = (body, reason)
        out.append(f"{UNDECODABLE}{key}{self.filler}" + (text[len(body) :] or "\n"))

    def malformed(self, number: int | None, text: str) -> Malformed | None:
        if not text.startswith(UNDECODABLE):
            return None
        key = int(text[len(UNDECODABLE) :].split(self.filler[:1] or "\x00", 1)[0])
        original, problem = self.set_aside.pop(key)
        self.taken += 1
        return Malformed(number, original, problem)


class _Transcoding(io.RawIOBase):
    """A readable stream that hands out ``_buffer`` and refills it with ``_refill``."""

    _buffer = b""
    _eof = False

    def readable(self) -> bool:
        return True

    def _refill(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def readinto(self, target: Any) -> int:
        while not self._buffer and not self._eof:
            self._refill()
        n = min(len(target), len(self._buffer))
        target[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n


class _LineRecoder(_Transcoding):
    """A file handed to Arrow line by line through a :class:`RecordDecoder`."""

    def __init__(self, raw: BinaryIO, decoder: RecordDecoder):
        self._raw = raw
        self._decoder = decoder
        self._pending = b""

    def _refill(self) -> None:
        block = self._raw.read(1 << 20)
        if not block:
            self._eof = True
            data, self._pending = self._pending, b""
        else:
            data = self._pending + block
            cut = data.rfind(b"\n") + 1
            data, self._pending = data[:cut], data[cut:]
        if data or self._eof:
            self._buffer = self._decoder.decode(data, final=self._eof)


class _Recoder(_Transcoding):
    """A file read as UTF-8 bytes whatever its encoding (so Arrow can parse it: UTF-16)."""

    def __init__(self, raw: BinaryIO, encoding: str, path: Path):
        self._raw = raw
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        self._path = path

    def _refill(self) -> None:
        block = self._raw.read(1 << 20)
        try:
            text = self._decoder.decode(block, final=not block)
        except UnicodeDecodeError as exc:
            raise InputError(
                _("{path}: bytes near offset {offset} are not valid {encoding}").format(
                    path=self._path, offset=self._raw.tell(), encoding=exc.encoding
                )
            ) from exc
        self._eof = not block
        self._buffer = text.encode("utf-8")


class _Counting(io.RawIOBase):
    """A file that remembers how many bytes were read (for the progress bar)."""

    def __init__(self, raw: BinaryIO):
        self._raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        data = self._raw.read(len(target))
        target[: len(data)] = data
        self.count += len(data)
        return len(data)
