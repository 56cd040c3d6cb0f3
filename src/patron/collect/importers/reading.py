"""How a file becomes a stream of row chunks: CSV (encoding and delimiter detected), .xlsx, Parquet.

Every reader yields :class:`Chunk` objects: a pandas DataFrame with the file's own
columns plus, for each row, its ``line`` — the record number in the file counting the
header as 1 (for CSV the physical line, unless an earlier field held a line break;
for Excel the sheet row; for Parquet the row number). CSV rows with the wrong number
of fields arrive as :class:`Malformed` rows so the caller can reject them.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from patron.collect.importers.encoding import (
    SAMPLE_BYTES,
    Malformed,
    RecordDecoder,
    _Counting,
    _is_utf8,
    _LineRecoder,
    _Recoder,
    detect_encoding,
    sniff_delimiter,
)
from patron.core.i18n import _
from patron.exceptions import InputError

STRING = pd.StringDtype("pyarrow")


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
