"""How a file becomes a stream of row chunks: CSV (encoding and delimiter detected), .xlsx, Parquet.

Every reader yields :class:`Chunk` objects: a pandas DataFrame with the file's own
columns plus, for each row, its ``line`` — the record number in the file counting the
header as 1 (for CSV the physical line, unless an earlier field held a line break;
for Excel the sheet row; for Parquet the row number). CSV rows with the wrong number
of fields arrive as :class:`Malformed` rows so the caller can reject them.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa

from patron.core.i18n import _
from patron.exceptions import InputError

SAMPLE_BYTES = 1 << 20
DELIMITERS = (",", ";", "\t", "|")
STRING = pd.StringDtype("pyarrow")


@dataclass
class Malformed:
    """A CSV record that could not be split into the header's columns."""

    line: int | None
    text: str
    reason: str


@dataclass
class Chunk:
    """Rows of the file (source columns, as read) and where each one stands."""

    frame: pd.DataFrame
    lines: np.ndarray
    malformed: list[Malformed] = field(default_factory=list)
    position: int = 0  # bytes or rows consumed so far, for the progress bar


@dataclass
class CsvDialect:
    encoding: str
    delimiter: str
    bom: int  # bytes to skip at the start


class TableSource:
    """An opened file: its columns, its size for progress, and its chunks."""

    path: Path
    columns: list[str]
    total: int  # bytes (CSV) or rows (Excel, Parquet)
    decimal: str = "."  # the decimal mark numbers written as text use

    @property
    def estimated_rows(self) -> int:
        return self.total

    def chunks(self, size: int) -> Iterator[Chunk]:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:
        pass


def open_table(path: str | os.PathLike[str]) -> TableSource:
    """Open ``path`` by its suffix: ``.xlsx``/``.xlsm``, ``.parquet``/``.pq``, else CSV."""
    path = Path(path)
    if not path.exists():
        raise InputError(_("{path}: no such file").format(path=path))
    if path.is_dir():
        raise InputError(_("{path} is a folder, not a file").format(path=path))
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return ExcelSource(path)
    if suffix in (".parquet", ".pq"):
        return ParquetSource(path)
    if suffix == ".xls":
        raise InputError(
            _("{path}: the old .xls format is not supported; save it as .xlsx or CSV").format(
                path=path
            )
        )
    return CsvSource(path)


# -- CSV ---------------------------------------------------------------------------------


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


class CsvSource(TableSource):
    """A delimited text file, read by Arrow in blocks with every column as text."""

    def __init__(self, path: Path, *, block_size: int = 4 << 20):
        self.path = path
        self.total = path.stat().st_size
        self.block_size = block_size
        with path.open("rb") as handle:
            sample = handle.read(SAMPLE_BYTES)
        if not sample.strip():
            raise InputError(_("{path} is empty").format(path=path))
        encoding, bom = detect_encoding(sample, path)
        if encoding == "utf-16":
            text = sample[bom:].decode(encoding, errors="replace")
        else:  # line by line, as the rows will be read (UTF-8 first)
            text = "".join(
                line.decode("utf-8") if _is_utf8(line) else line.decode(encoding, errors="replace")
                for line in sample[bom:].splitlines(keepends=True)
            )
        # Rows in the whole file, guessed from the sample's line length (for bulk loading).
        self._bytes_per_row = max(len(sample) / max(sample.count(b"\n"), 1), 1.0)
        if "\x00" in text:
            raise InputError(
                _("{path}: contains NUL bytes — not a text (CSV) file").format(path=path)
            )
        self.dialect = CsvDialect(encoding, sniff_delimiter(text), bom)
        # A file not separated by commas may write 12,50 for 12.5 (European/Chinese Excel).
        self.decimal = "," if self.dialect.delimiter != "," else "."
        header_line = re.split(r"\r\n|\n|\r", text, maxsplit=1)[0]
        try:
            header = next(csv.reader([header_line], delimiter=self.dialect.delimiter))
        except (csv.Error, StopIteration) as exc:
            raise InputError(_("{path}: cannot read the header line").format(path=path)) from exc
        self.columns = [h.strip() for h in header]
        _check_header(self.columns, path)

    @property
    def estimated_rows(self) -> int:
        return int(self.total / self._bytes_per_row)

    def chunks(self, size: int) -> Iterator[Chunk]:
        import pyarrow.csv as pcsv

        malformed: list[Malformed] = []
        expected = len(self.columns)

        def on_invalid(row: Any) -> str:
            set_aside = decoder.malformed(row.number, row.text) if decoder else None
            if set_aside is not None:
                malformed.append(set_aside)
                return "skip"
            malformed.append(
                Malformed(
                    row.number,
                    row.text,
                    _("row has {actual} fields, the header has {expected}").format(
                        actual=row.actual_columns, expected=expected
                    ),
                )
            )
            return "skip"

        raw = self.path.open("rb")
        raw.seek(self.dialect.bom)
        counter = _Counting(raw)  # type: ignore[arg-type]
        stream: Any = counter
        decoder: RecordDecoder | None = None
        if self.dialect.encoding == "utf-16":
            stream = _Recoder(counter, self.dialect.encoding, self.path)  # type: ignore[arg-type]
        else:
            legacy = None if self.dialect.encoding == "utf-8" else self.dialect.encoding
            decoder = RecordDecoder(legacy, self.dialect.delimiter, expected)
            stream = _LineRecoder(counter, decoder)  # type: ignore[arg-type]
        names = [f"c{i}" for i in range(expected)]
        try:
            reader = pcsv.open_csv(
                io.BufferedReader(stream, buffer_size=1 << 20),
                read_options=pcsv.ReadOptions(
                    column_names=names, skip_rows=1, block_size=self.block_size, use_threads=False
                ),
                parse_options=pcsv.ParseOptions(
                    delimiter=self.dialect.delimiter,
                    newlines_in_values=True,
                    ignore_empty_lines=False,
                    invalid_row_handler=on_invalid,
                ),
                convert_options=pcsv.ConvertOptions(
                    column_types={n: pa.string() for n in names},
                    strings_can_be_null=True,
                    null_values=[""],
                    quoted_strings_can_be_null=True,
                ),
            )
            record = 2  # the header is record 1
            skipped: list[int] = []
            seen = 0
            pending = _Rechunker(size)
            for batch in reader:
                frame = batch.to_pandas(types_mapper=_string_mapper)
                frame.columns = self.columns
                # Arrow numbers records (header = 1); rows it skipped leave gaps.
                skipped.extend(m.line for m in malformed[seen:] if m.line is not None)
                seen = len(malformed)
                skipped.sort()
                lines = _fill_lines(record, len(frame), [s for s in skipped if s >= record])
                record = (int(lines[-1]) + 1) if len(lines) else record
                bad, malformed[:], seen = list(malformed), [], 0
                yield from pending.add(frame, lines, bad, counter.count)
            tail = pending.flush(list(malformed), counter.count)
            if tail is not None:
                yield tail
        except pa.ArrowInvalid as exc:
            raise InputError(
                _("{path}: cannot be read as {encoding} CSV: {reason}").format(
                    path=self.path, encoding=self.dialect.encoding, reason=_short(exc)
                )
            ) from exc
        finally:
            raw.close()


def _fill_lines(start: int, n: int, skipped: list[int]) -> np.ndarray:
    """Line numbers of ``n`` good records from ``start`` on, jumping over ``skipped``."""
    if not skipped or skipped[-1] < start:
        return np.arange(start, start + n, dtype=np.int64)
    candidates = np.arange(start, start + n + len(skipped), dtype=np.int64)
    keep = ~np.isin(candidates, np.asarray(skipped, dtype=np.int64))
    return candidates[keep][:n]


class _Rechunker:
    """Regroups reader batches into chunks of ``size`` rows."""

    def __init__(self, size: int):
        self.size = size
        self.frames: list[pd.DataFrame] = []
        self.lines: list[np.ndarray] = []
        self.malformed: list[Malformed] = []
        self.rows = 0

    def add(
        self, frame: pd.DataFrame, lines: np.ndarray, malformed: list[Malformed], position: int
    ) -> Iterator[Chunk]:
        self.frames.append(frame)
        self.lines.append(lines)
        self.malformed.extend(malformed)
        self.rows += len(frame)
        while self.rows >= self.size:
            frame = (
                pd.concat(self.frames, ignore_index=True)
                if len(self.frames) > 1
                else self.frames[0]
            )
            lines = np.concatenate(self.lines)
            head = Chunk(
                frame.iloc[: self.size].reset_index(drop=True),
                lines[: self.size],
                self.malformed,
                position,
            )
            rest = frame.iloc[self.size :].reset_index(drop=True)
            self.frames, self.lines, self.malformed = [rest], [lines[self.size :]], []
            self.rows = len(rest)
            yield head

    def flush(self, malformed: list[Malformed], position: int) -> Chunk | None:
        self.malformed.extend(malformed)
        if not self.rows and not self.malformed:
            return None
        frames = [f for f in self.frames if len(f)]
        frame = pd.concat(frames, ignore_index=True) if frames else None
        lines = np.concatenate(self.lines) if self.lines else np.zeros(0, dtype=np.int64)
        if frame is None:
            frame = self.frames[0] if self.frames else pd.DataFrame()
        return Chunk(frame, lines, self.malformed, position)


def _string_mapper(dtype: pa.DataType) -> Any:
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype):
        return STRING
    return None


def _short(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__


def _check_header(columns: list[str], path: Path) -> None:
    from patron.collect.importers.settings import MAX_COLUMNS

    if len(columns) > MAX_COLUMNS:
        raise InputError(
            _("{path}: the header has {n} columns, more than the {limit} an import reads").format(
                path=path, n=len(columns), limit=MAX_COLUMNS
            )
        )
    seen: set[str] = set()
    for name in columns:
        if name and name in seen:
            raise InputError(
                _("{path}: column {column} appears twice in the header").format(
                    path=path, column=name
                )
            )
        seen.add(name)


# -- Excel -------------------------------------------------------------------------------


class ExcelSource(TableSource):
    """The first sheet of an .xlsx workbook, streamed row by row (openpyxl read-only)."""

    def __init__(self, path: Path):
        import zipfile

        from openpyxl import load_workbook

        self.path = path
        try:
            self.book = load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise InputError(
                _("{path} cannot be opened as an Excel workbook: {reason}").format(
                    path=path, reason=_short(exc)
                )
            ) from exc
        self.sheet = self.book.worksheets[0]
        self.total = int(self.sheet.max_row or 0)
        rows = self.sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise InputError(_("{path} is empty").format(path=path))
        self.columns = [_cell_text(v) or "" for v in header]
        while self.columns and not self.columns[-1]:
            self.columns.pop()
        _check_header(self.columns, path)

    def chunks(self, size: int) -> Iterator[Chunk]:
        width = len(self.columns)
        buffer: list[list[str | None]] = []
        lines: list[int] = []
        for number, row in enumerate(self.sheet.iter_rows(min_row=2, values_only=True), start=2):
            values = [_cell_text(v) for v in row[:width]]
            values += [None] * (width - len(values))
            buffer.append(values)
            lines.append(number)
            if len(buffer) >= size:
                yield self._chunk(buffer, lines, number)
                buffer, lines = [], []
        if buffer:
            yield self._chunk(buffer, lines, lines[-1])

    def _chunk(self, rows: list[list[str | None]], lines: list[int], position: int) -> Chunk:
        frame = pd.DataFrame(rows, columns=self.columns, dtype=object).astype(STRING)
        return Chunk(frame, np.asarray(lines, dtype=np.int64), [], position)

    def close(self) -> None:
        self.book.close()


def _cell_text(value: Any) -> str | None:
    """An Excel cell as the text a CSV export would show (dates in ISO form)."""
    import datetime as dt

    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


# -- Parquet -----------------------------------------------------------------------------


class ParquetSource(TableSource):
    """A Parquet file read in record batches; columns keep their types."""

    def __init__(self, path: Path):
        import pyarrow.parquet as pq

        self.path = path
        try:
            self.file = pq.ParquetFile(path)
        except (pa.ArrowException, OSError) as exc:
            raise InputError(
                _("{path} cannot be read as Parquet: {reason}").format(
                    path=path, reason=_short(exc)
                )
            ) from exc
        self.columns = list(self.file.schema_arrow.names)
        self.total = int(self.file.metadata.num_rows)
        _check_header(self.columns, path)

    def chunks(self, size: int) -> Iterator[Chunk]:
        start = 2  # row 1 is the header of the equivalent CSV
        try:
            for batch in self.file.iter_batches(batch_size=size):
                frame = batch.to_pandas(types_mapper=_string_mapper)
                lines = np.arange(start, start + len(frame), dtype=np.int64)
                start += len(frame)
                yield Chunk(frame, lines, [], start - 2)
        except pa.ArrowException as exc:
            raise InputError(
                _("{path} cannot be read as Parquet: {reason}").format(
                    path=self.path, reason=_short(exc)
                )
            ) from exc


def is_blank(frame: pd.DataFrame) -> np.ndarray:
    """Rows whose every cell is empty (blank lines): not counted, not imported."""
    if frame.shape[1] == 0:
        return np.ones(len(frame), dtype=bool)
    blank = np.ones(len(frame), dtype=bool)
    for position in range(frame.shape[1]):
        values = frame.iloc[:, position]  # by position: a header may repeat an empty name
        empty = values.isna().to_numpy()
        if values.dtype == STRING or values.dtype == object:
            empty = empty | (values.astype(STRING).str.strip() == "").fillna(True).to_numpy(
                dtype=bool
            )
        blank = blank & empty
        if not blank.any():
            break
    return blank
