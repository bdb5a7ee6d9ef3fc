"""Batch files, the writing side: output records to JSONL, CSV or Parquet, chosen by the file's
extension, a record at a time; and the JSON encoding of a record.

Output goes to a temporary file beside the target, renamed over it only when every row is
written: an interrupted or failed batch leaves no half-written file.
"""
from __future__ import annotations

import csv
import gzip
import json
import os
import tempfile
from pathlib import Path

from .flatten import TABLE_COLUMNS, TABLE_TYPES, csv_cell
from .formats import PARQUET_HINT, InputError, format_of

class Output:
    """Write records to `path`, atomically: `commit()` renames the finished temporary file over
    the target; `discard()` (or leaving the `with` block by an exception) removes it."""

    item = "json"    # what `write` takes: "json" (json_bytes) or "table" (a TABLE_COLUMNS tuple)

    def __init__(self, path: str):
        self.path = Path(path)
        directory = self.path.parent
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".part", dir=directory)
        except OSError as err:   # named after the file asked for, not the hidden temporary one
            raise type(err)(err.errno, err.strerror, str(self.path)) from None
        os.close(fd)
        self.tmp = Path(tmp)
        self.count = 0

    def __enter__(self):
        return self

    def __exit__(self, kind, _value, _tb):
        if kind is not None:
            self.discard()
        return False

    def _finish(self):
        """Flush and close the temporary file."""

    def write_many(self, items: list):
        for item in items:
            self.write(item)

    def commit(self):
        self._finish()
        # mkstemp made the file 0600; give it the permissions an ordinary new file gets
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.tmp, 0o666 & ~umask)
        os.replace(self.tmp, self.path)

    def discard(self):
        try:
            self._finish()
        except Exception:
            pass
        self.tmp.unlink(missing_ok=True)


def _text_stream(path: Path, gzipped: bool):
    if gzipped:
        return gzip.open(path, "wt", encoding="utf-8", newline="")
    return open(path, "w", encoding="utf-8", newline="")


class JsonlOutput(Output):
    """Items are JSON lines, UTF-8 encoded (`json_bytes`): encoded where the row is evaluated,
    in a worker process too, and written here as they are."""

    def __init__(self, path: str):
        super().__init__(path)
        gzipped = str(path).lower().endswith(".gz")
        self._out = gzip.open(self.tmp, "wb") if gzipped else open(self.tmp, "wb")

    def write(self, line: bytes):
        self._out.write(line + b"\n")
        self.count += 1

    def write_many(self, lines: list):
        if not lines:
            return
        self._out.write(b"\n".join(lines))   # one write for many lines
        self._out.write(b"\n")
        self.count += len(lines)

    def _finish(self):
        self._out.close()


class CsvOutput(Output):
    item = "table"

    def __init__(self, path: str):
        super().__init__(path)
        self._out = _text_stream(self.tmp, str(path).lower().endswith(".gz"))
        self._csv = csv.writer(self._out, lineterminator="\n")
        self._csv.writerow(TABLE_COLUMNS)

    def write(self, row: tuple):
        self._csv.writerow([csv_cell(v) for v in row])
        self.count += 1

    def write_many(self, rows: list):
        self._csv.writerows([csv_cell(v) for v in row] for row in rows)
        self.count += len(rows)

    def _finish(self):
        self._out.close()


class ParquetOutput(Output):
    item = "table"
    ROW_GROUP = 8192

    def __init__(self, path: str):
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise InputError(PARQUET_HINT) from None
        super().__init__(path)
        self._pa = pa
        self.schema = table_schema(pa)
        self._rows: list = []
        self._writer = None
        try:
            self._writer = pq.ParquetWriter(str(self.tmp), self.schema)
        except BaseException:
            self.discard()
            raise

    def write(self, row: tuple):
        self._rows.append(row)
        self.count += 1
        if len(self._rows) >= self.ROW_GROUP:
            self._flush()

    def _flush(self):
        if self._rows:
            columns = list(zip(*self._rows))
            self._writer.write_batch(self._pa.record_batch(
                [self._pa.array(c, type=f.type) for c, f in zip(columns, self.schema)], schema=self.schema))
            self._rows = []

    def _finish(self):
        if self._writer is not None:
            try:
                self._flush()
            finally:
                self._writer.close()
                self._writer = None


def table_schema(pa):
    types = {"bool": pa.bool_(), "int": pa.int64()}
    return pa.schema([(name, types.get(TABLE_TYPES.get(name), pa.string())) for name in TABLE_COLUMNS])


def create_output(path: str) -> Output:
    if path == "-":
        raise ValueError("the output must be a file (it is written whole, then renamed into place)")
    return {"jsonl": JsonlOutput, "csv": CsvOutput, "parquet": ParquetOutput}[format_of(path)](path)


class _QuotedStrings(dict):
    """str -> its JSON text, remembered: a decision's keys, rule IDs and the long Chinese texts of
    its reasons repeat from row to row, and a dictionary lookup (in C, when the encoder calls
    this table's __getitem__) is cheaper than quoting them again. Bounded: past the limit a new
    string is quoted and not kept (row ids, dates)."""
    __slots__ = ("quote",)
    LIMIT = 10_000

    def __init__(self, quote):
        super().__init__()
        self.quote = quote

    def __missing__(self, text):
        quoted = self.quote(text)
        if len(self) < self.LIMIT:
            self[text] = quoted
        return quoted


def _make_encoders():
    """`json.dumps(record, ensure_ascii=False)`, the same text, without building a JSONEncoder
    and a C encoder for every record (about a fifth of the time to encode a decision): one C
    encoder, made once, with dumps' separators and no circular-reference markers (a record is a
    tree of plain data). Returns json_line and json_bytes."""
    from json import encoder
    make, quote = getattr(encoder, "c_make_encoder", None), getattr(encoder, "c_encode_basestring", None)
    if make is None or quote is None:          # no _json accelerator (another Python)
        return (lambda record: json.dumps(record, ensure_ascii=False),
                lambda record: json.dumps(record, ensure_ascii=False).encode("utf-8"))

    def default(value):
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")

    encode = make(None, default, _QuotedStrings(quote).__getitem__, None, ": ", ", ", False, False, True)

    def json_line(record: dict) -> str:
        """One record as a line of JSON (without the newline): `json.dumps(record, ensure_ascii=False)`."""
        return "".join(encode(record, 0))

    def json_bytes(record: dict) -> bytes:
        """json_line(record), UTF-8 encoded: an item of JsonlOutput."""
        return "".join(encode(record, 0)).encode("utf-8")
    return json_line, json_bytes


# called for every row: each the encoder itself, no call in between
json_line, json_bytes = _make_encoders()
