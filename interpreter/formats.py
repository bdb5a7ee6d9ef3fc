"""Batch files, the reading side: rows from JSONL, CSV or Parquet, the format chosen by the
file's extension (outputs.py writes the records). Streaming: a row at a time, so memory stays
flat however large the file.

Each row read is `(number, payload)`: the 1-based row number (blank lines are not rows) and
- for JSONL, the line as bytes (decoded where it is evaluated, maybe in another process; a
  line that is not UTF-8 fails the whole input there, see fast_json.NotUtf8);
- for CSV and Parquet, a dict of the row's non-empty cells (see flatten.py), or
  `("error", path, message, cells)` for a row that cannot be a scenario at all, with the cells
  that can still be read (the `id`, for the error record).
"""
from __future__ import annotations

import csv
import gzip
import io
import os
import sys
from bisect import bisect_left
from pathlib import Path

from .flatten import ColumnError, check_columns

EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}
PARQUET_HINT = "Parquet needs pyarrow: pip install 'policyrun[batch]'"


class InputError(Exception):
    """The input cannot be read or parsed as a whole (not one bad row)."""


def same_file(source: str, output: str) -> bool:
    """Whether writing `output` would replace the file `source` (the same name, a symbolic or a
    hard link to it): the output is renamed over its target at the end, and the input is lost."""
    if source == "-" or output == "-":
        return False
    try:
        return os.path.samefile(source, output)
    except OSError:            # one of them does not exist (yet): not the same file
        return False


def same_file_message(source: str, output: str) -> str:
    both = source if source == output else f"{source} and {output}"
    return (f"the input and the output are the same file ({both}): the output would replace "
            "the input; write it to another file")


def not_utf8_message(path: str, line: int, column: int, detail: str) -> str:
    """The error of an input that is not UTF-8 text, at its first invalid byte (`column`: the
    1-based byte in the line)."""
    return (f"{path}: line {line}, byte {column}: not UTF-8 ({detail}); "
            "the input must be UTF-8 text")


def utf8_error_detail(line: bytes, err: UnicodeDecodeError) -> str:
    """What is wrong where `line` is not UTF-8: the reason and the byte."""
    return f"{err.reason}: 0x{line[err.start]:02x}" if err.start < len(line) else err.reason


def first_invalid_utf8(stream):
    """(line, byte in the line, detail) of the first bytes of `stream` that are not UTF-8, or
    None. Line by line: a newline byte is never inside a UTF-8 sequence."""
    for number, line in enumerate(stream, 1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as err:
            return number, err.start + 1, utf8_error_detail(line, err)
    return None


def format_of(path: str) -> str:
    """`jsonl`, `csv` or `parquet` from the name (`.jsonl.gz` and `.csv.gz` are gzip'd);
    standard input / output (`-`) is JSONL. Raises ValueError for anything else."""
    if path == "-":
        return "jsonl"
    name = Path(path).name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
        if Path(name).suffix == ".parquet":
            raise ValueError("a Parquet file is compressed inside; drop the .gz")
    kind = EXTENSIONS.get(Path(name).suffix)
    if kind is None:
        raise ValueError(f"cannot tell the format of {path!r}: expected a name ending in "
                         + ", ".join(sorted(EXTENSIONS)) + " (or .jsonl.gz, .csv.gz)")
    return kind


# --- reading ---------------------------------------------------------------------------------

class Rows:
    """The rows of one input file. Iterate once; `fraction()` is how far along it is (for the
    progress bar), None when that cannot be known."""

    kind = "lines"    # what the payloads are: "lines" (JSON text, bytes) or "cells" (flat dicts)

    def __init__(self, path: str):
        self.path = path
        self._raw = None
        self._size = None

    def _open_binary(self):
        """The file as bytes, unzipped; `_raw` keeps the file itself to measure progress by."""
        if self.path == "-":
            return sys.stdin.buffer
        try:
            self._raw = open(self.path, "rb")
            self._size = os.fstat(self._raw.fileno()).st_size
        except OSError as err:
            raise InputError(f"cannot read {self.path}: {err.strerror or err}") from None
        return gzip.GzipFile(fileobj=self._raw) if self.path.lower().endswith(".gz") else self._raw

    def fraction(self):
        if self._raw is None or not self._size:
            return None
        try:
            return min(1.0, self._raw.tell() / self._size)
        except (OSError, ValueError):
            return None

    def close(self):
        if self._raw is not None:
            self._raw.close()


class JsonlRows(Rows):
    def __init__(self, path: str):
        super().__init__(path)
        # the rows read before each blank line, to turn a row number into a line number (only
        # for an error message: nothing is counted for the rows themselves)
        self._blanks: list = []

    def __iter__(self):
        stream = self._open_binary()
        number = 0
        blanks = self._blanks
        try:
            for line in stream:
                if not line.isspace():        # not blank (isspace: the bytes strip() removes)
                    number += 1
                    yield number, line
                else:
                    blanks.append(number)
        except (OSError, EOFError) as err:   # also a truncated or corrupt .gz
            raise InputError(f"cannot read {self.path}: {err}") from None
        finally:
            self.close()

    def not_utf8(self, err) -> InputError:
        """The error of the whole input for the row found not UTF-8 (a fast_json.NotUtf8)."""
        line = err.row + bisect_left(self._blanks, err.row)   # + the blank lines before it
        path = "standard input" if self.path == "-" else self.path
        return InputError(not_utf8_message(path, line, err.column, err.detail))


# The longest CSV cell read, in characters. The csv module's default (131,072) refuses cells that
# JSONL takes (a long list of dates); a bound is kept because a quote left open makes the rest of
# the file one cell, which would otherwise be read whole into memory (4 bytes a character).
CSV_CELL_LIMIT = 16 * 1024 * 1024


def _allow_long_cells() -> None:
    """Raise the csv module's cell limit to CSV_CELL_LIMIT. The module has one limit for the
    whole process, not one per reader: it is only ever raised, never set below what the
    application chose."""
    if csv.field_size_limit() < CSV_CELL_LIMIT:
        csv.field_size_limit(CSV_CELL_LIMIT)


class CsvRows(Rows):
    kind = "cells"

    def __iter__(self):
        _allow_long_cells()
        # utf-8-sig: spreadsheets put a byte-order mark first
        text = io.TextIOWrapper(self._open_binary(), encoding="utf-8-sig", newline="")
        reader = csv.reader(text)
        ended = 0                        # the last line of the last row read
        try:
            names = next(reader, None)
            if names is None:
                return
            payload = _Header(self.path, names).payload
            number = 0
            ended = reader.line_num
            for cells in reader:
                ended = reader.line_num
                if not cells or cells == [""]:
                    continue           # a blank line is not a row
                number += 1
                yield number, payload(cells, ended)
        except csv.Error as err:
            raise self._csv_error(err, reader.line_num, ended + 1) from None
        except UnicodeDecodeError:
            # decoded a block at a time: the block's offset says nothing of lines, so read the
            # file again to name the first line that is not UTF-8
            raise self._not_utf8() from None
        except (OSError, EOFError) as err:
            raise InputError(f"cannot read {self.path}: {err}") from None
        finally:
            self.close()

    def _csv_error(self, err: csv.Error, line: int, started: int) -> InputError:
        if str(err).startswith("field larger than field limit"):
            return InputError(f"{self.path}: line {started}: a cell of the row that starts here is "
                              f"longer than {csv.field_size_limit():,} characters, the most a cell "
                              "may hold (a quote left open?)")
        return InputError(f"{self.path}: line {line}: {err}")

    def _not_utf8(self) -> InputError:
        self.close()
        try:
            found = first_invalid_utf8(self._open_binary())
        except (OSError, EOFError, InputError):
            found = None
        finally:
            self.close()
        if found is None:       # the file changed since: say what is known
            return InputError(f"{self.path}: not UTF-8; the input must be UTF-8 text")
        return InputError(not_utf8_message(self.path, *found))


class _Header:
    """A CSV file's header, checked once (an unknown column fails the whole file), and how it
    makes a row's cells its payload.

    A column without a name (spreadsheets export empty ones after the last) holds no field: it
    is left out while its cells are blank; a value in one makes that row an error, like a row
    with a cell too many (the value is in no column)."""

    def __init__(self, path: str, names: list):
        self.names = [name.strip() for name in names]
        self.unnamed = [i for i, name in enumerate(self.names) if not name]
        try:
            check_columns([name for name in self.names if name])
        except ColumnError as err:
            raise InputError(f"{path}: line 1: {err}") from None
        self.id_at = self.names.index("id") if "id" in self.names else None

    def payload(self, cells: list, line: int):
        """The row's non-empty cells by name, or an error tuple (see the module's docstring)."""
        if len(cells) != len(self.names):
            # a cell missing or one too many moves the cells after it: only the first is sure
            id_cell = cells[0] if self.id_at == 0 else ""
            return _row_error(f"the row has {len(cells)} cells; the header has {len(self.names)} "
                              f"(line {line})", id_cell)
        if self.unnamed:
            filled = next((i for i in self.unnamed if cells[i].strip()), None)
            if filled is not None:
                return _row_error(f"cell {filled + 1} is not empty, but its column has no name in "
                                  f"the header (line {line})",
                                  "" if self.id_at is None else cells[self.id_at])
        row = {name: cell for name, cell in zip(self.names, cells) if cell != ""}
        if self.unnamed:
            row.pop("", None)        # blanks under unnamed columns
        return row


def _row_error(message: str, id_cell: str) -> tuple:
    return "error", "$", message, {"id": id_cell}


class ParquetRows(Rows):
    kind = "cells"
    BATCH = 4096

    def __init__(self, path: str):
        super().__init__(path)
        self._done = 0
        self._total = None

    def fraction(self):
        return self._done / self._total if self._total else None

    def __iter__(self):
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise InputError(PARQUET_HINT) from None
        try:
            table = pq.ParquetFile(self.path)
        except Exception as err:  # pyarrow raises its own ArrowInvalid, OSError, …
            raise InputError(f"cannot read {self.path} as Parquet: {err}") from None
        try:
            check_columns(table.schema_arrow.names)
        except ColumnError as err:
            raise InputError(f"{self.path}: {err}") from None
        self._total = table.metadata.num_rows
        number = 0
        try:
            for batch in table.iter_batches(batch_size=self.BATCH):
                for row in batch.to_pylist():
                    number += 1
                    self._done = number
                    yield number, {k: v for k, v in row.items() if v is not None}
        except OSError as err:
            raise InputError(f"cannot read {self.path}: {err}") from None
        except Exception as err:
            if type(err).__module__.startswith("pyarrow"):
                raise InputError(f"cannot read {self.path} as Parquet: {err}") from None
            raise
        finally:
            table.close()


def open_rows(path: str) -> Rows:
    return {"jsonl": JsonlRows, "csv": CsvRows, "parquet": ParquetRows}[format_of(path)](path)
