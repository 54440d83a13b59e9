"""A sqllogictest runner for any PEP 249 (DB-API 2.0) connection.

SQLite's sqllogictest format: records separated by blank lines, each `statement ok|error` + SQL,
`query <types> [<sortmode> [<label>]]` + SQL + `----` + expected values (one per line, or one line
`<N> values hashing to <md5>`), `hash-threshold <N>` or `halt`, optionally preceded by
`skipif <engine>` / `onlyif <engine>` lines; `#` starts a comment.  Values are formatted the way
the reference C runner formats them, so any driver's results compare with SQLite's answers.

    result = run_file("select1.test", lambda: sqlite3.connect(":memory:"), sample=60)

CLI, from the repository root (no FILE: the samples directory)::

    python -m tests.sqllogictest.slt [--driver sqlite|mongodbapi] [--sample N] [--failures K] [FILE|DIR ...]
"""
from __future__ import annotations

import argparse
import hashlib
import math
import re
import sqlite3
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_HASH_RE = re.compile(r"^\d+ values hashing to [0-9a-f]{32}$")
_INT_PREFIX = re.compile(r"\s*([+-]?\d+)")
_REAL_PREFIX = re.compile(r"\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")
_BYTES = (bytes, bytearray, memoryview)


# --------------------------------------------------------------------------- parsing

@dataclass
class Record:
    kind: str  # "statement", "query", "hash-threshold" or "halt"
    line: int  # 1-based line of the header (after any skipif/onlyif lines)
    conditions: list[tuple[str, str]] = field(default_factory=list)  # ("skipif"|"onlyif", engine)
    sql: str = ""
    expect_error: bool = False  # statement error
    types: str = ""
    sortmode: str = "nosort"
    label: str | None = None
    expected: list[str] | None = None  # None: the query has no "----" section
    threshold: int = 0  # hash-threshold records only

    def applies(self, engine: str) -> bool:
        """Whether the skipif/onlyif conditions let `engine` run this record."""
        return all((name != engine) if cond == "skipif" else (name == engine)
                   for cond, name in self.conditions)


class ParseError(ValueError):
    pass


def parse(text: str, name: str = "<string>") -> list[Record]:
    """Split a .test file into records; raise ParseError on a header this runner does not know."""
    lines = text.splitlines()
    n, i = len(lines), 0
    records: list[Record] = []

    def until_blank(j: int, dashes: bool = False) -> int:  # first blank (or "----") line from j
        while j < n and lines[j].strip() and not (dashes and lines[j] == "----"):
            j += 1
        return j

    while i < n:
        words = lines[i].split()
        if not words or words[0].startswith("#"):
            i += 1
            continue
        conditions = []
        while words and (words[0] in ("skipif", "onlyif") or words[0].startswith("#")):
            if words[0] in ("skipif", "onlyif"):
                conditions.append((words[0], words[1] if len(words) > 1 else ""))
            i += 1
            words = lines[i].split() if i < n else []
        if not words:
            raise ParseError(f"{name}:{i}: skipif/onlyif without a record")
        rec = Record(kind=words[0], line=i + 1, conditions=conditions)
        where = f"{name}:{i + 1}"
        end = i + 1
        if words[0] == "statement":
            if words[1:2] not in (["ok"], ["error"]):
                raise ParseError(f"{where}: expected 'statement ok' or 'statement error'")
            rec.expect_error = words[1] == "error"
            end = until_blank(i + 1)
            rec.sql = "\n".join(lines[i + 1:end])
        elif words[0] == "query" and len(words) > 1:
            rec.types, rec.sortmode = words[1], (words[2] if len(words) > 2 else "nosort")
            rec.label = words[3] if len(words) > 3 else None
            if rec.sortmode not in ("nosort", "rowsort", "valuesort"):
                raise ParseError(f"{where}: unknown sort mode {rec.sortmode!r}")
            end = until_blank(i + 1, dashes=True)
            rec.sql = "\n".join(lines[i + 1:end])
            if end < n and lines[end] == "----":
                start, end = end + 1, until_blank(end + 1)
                rec.expected = lines[start:end]
        elif words[0] == "hash-threshold" and len(words) == 2 and words[1].isdigit():
            rec.threshold = int(words[1])
        elif words != ["halt"]:
            raise ParseError(f"{where}: unknown record {lines[i]!r}")
        records.append(rec)
        i = end
    return records


# --------------------------------------------------------------------------- formatting

def _number(v: Any, convert: Callable[[Any], Any], prefix: re.Pattern, default: Any) -> Any:
    """convert(v) for numbers; for text (and anything convert rejects) its numeric prefix,
    else default -- what sqlite3_column_int64/double return for a TEXT value."""
    if not isinstance(v, (str, *_BYTES)):
        try:
            return convert(v)
        except (TypeError, ValueError, OverflowError):
            v = str(v)
    m = prefix.match(bytes(v).decode("latin-1") if isinstance(v, _BYTES) else v)
    return convert(m.group(1)) if m else default


def _int_value(v: Any) -> int:
    """The integer printed for an I column: floats truncate toward zero and saturate at the
    int64 range (C's cast); text gives its integer prefix ("12abc" -> 12, "abc" -> 0)."""
    if isinstance(v, float):
        if math.isnan(v):
            return 0
        return INT64_MAX if v >= 2.0**63 else INT64_MIN if v <= -(2.0**63) else int(v)
    return _number(v, int, _INT_PREFIX, 0)


def _real_text(x: float) -> str:
    """SQLite's text for a REAL (printf "%!.15g"): 1.0 -> "1.0", 1e20 -> "1.0e+20"."""
    if math.isinf(x):
        return "Inf" if x > 0 else "-Inf"
    mantissa, e, exponent = ("%.15g" % x).partition("e")
    if mantissa.lstrip("-").isdigit():
        mantissa += ".0"
    return mantissa + e + exponent


def format_value(v: Any, type_letter: str) -> str:
    """Format one value like the reference runner: "NULL"; "%lld" for I; "%.3f" for R; for T
    the text, "(empty)" for '', and every byte outside 0x20..0x7e of its UTF-8 encoding
    replaced by "@" (the C runner works on bytes, so "é" prints as "@@")."""
    if v is None:
        return "NULL"
    if type_letter == "I":
        return str(_int_value(v))
    if type_letter == "R":
        return "%.3f" % _number(v, float, _REAL_PREFIX, 0.0)
    if type_letter != "T":
        raise ValueError(f"unknown column type {type_letter!r}")
    if isinstance(v, float):
        if math.isnan(v):
            return "NULL"
        s = _real_text(v)
    elif isinstance(v, _BYTES):
        s = bytes(v).decode("latin-1")  # one char per byte
    else:
        s = str(int(v) if isinstance(v, bool) else v)
    if not s:
        return "(empty)"
    if s.isascii() and s.isprintable():
        return s
    data = s.encode("latin-1" if isinstance(v, _BYTES) else "utf-8")
    return "".join(chr(b) if 0x20 <= b <= 0x7E else "@" for b in data)


def sort_values(values: list[str], ncols: int, sortmode: str) -> list[str]:
    """rowsort sorts rows (comparing formatted values column by column, like strcmp);
    valuesort sorts all values individually; nosort keeps the engine's order."""
    if sortmode == "rowsort" and ncols > 0:
        rows = [values[k:k + ncols] for k in range(0, len(values), ncols)]
        return [v for row in sorted(rows) for v in row]
    return sorted(values) if sortmode == "valuesort" else list(values)


def hash_values(values: list[str]) -> str:
    """The "<N> values hashing to <md5>" line: MD5 over each value followed by a newline."""
    md5 = hashlib.md5()
    for v in values:
        md5.update(v.encode("utf-8") + b"\n")
    return f"{len(values)} values hashing to {md5.hexdigest()}"


# --------------------------------------------------------------------------- running

@dataclass
class Failure:
    path: str
    line: int
    kind: str  # "statement" or "query"
    sql: str
    error_type: str  # exception class name, or "mismatch", "columns", "label", "no error"
    message: str
    expected: str | None = None
    got: str | None = None

    @property
    def group(self) -> str:
        """Key used to group failures in reports: the error, not the particular record."""
        if self.error_type in ("mismatch", "label"):
            return f"wrong result ({self.error_type})"
        return f"{self.error_type}: {(self.message.strip().splitlines() or [''])[0][:160]}"


@dataclass
class FileResult:
    path: str
    statements_run: int = 0
    statements_failed: int = 0
    queries_total: int = 0  # query records in the file
    queries_skipped: int = 0  # not for this engine (skipif/onlyif) or after halt
    queries_run: int = 0
    queries_passed: int = 0
    queries_failed: int = 0
    halted: bool = False
    stopped: bool = False  # stop_after failures reached
    seconds: float = 0.0
    failures: list[Failure] = field(default_factory=list)

    @property
    def percent(self) -> float:
        return 100.0 * self.queries_passed / self.queries_run if self.queries_run else 100.0


def choose_queries(records: list[Record], engine: str, sample: int | None, seed: int) -> set[int]:
    """Indices of the query records to run.  With `sample`, a deterministic subset: the
    `sample` eligible queries with the smallest md5("<seed>:<line>").  Hashing line numbers
    instead of using random.sample keeps the choice stable across Python versions."""
    eligible = []
    for idx, rec in enumerate(records):
        if rec.applies(engine) and rec.kind == "halt":
            break
        if rec.applies(engine) and rec.kind == "query":
            eligible.append(idx)
    if sample is None or sample >= len(eligible):
        return set(eligible)
    key = lambda idx: hashlib.md5(f"{seed}:{records[idx].line}".encode()).hexdigest()  # noqa: E731
    return set(sorted(eligible, key=key)[:max(sample, 0)])


def _execute(conn: Any, sql: str) -> tuple[int, list] | None:
    """Run sql on a fresh cursor; return (number of columns, rows), or None without a result set.
    execute() gets no parameters argument at all, so a pyformat driver leaves '%' alone."""
    cur = conn.cursor()
    try:
        cur.execute(sql)
        return None if cur.description is None else (len(cur.description), list(cur.fetchall()))
    finally:
        cur.close()


def _run_statement(conn: Any, sql: str) -> Exception | None:
    """Execute and commit a statement, so that a later failing statement that the driver rolls
    back cannot take the earlier setup with it.  Returns the exception, if any."""
    try:
        _execute(conn, sql)
        conn.commit()
        return None
    except Exception as exc:  # any driver error counts; KeyboardInterrupt etc. propagate
        try:
            conn.rollback()  # optional in PEP 249
        except Exception:
            pass
        return exc


def _run_query(conn: Any, rec: Record, path: str, labels: dict[str, str]) -> Failure | None:
    def fail(error_type: str, message: str, expected=None, got=None) -> Failure:
        return Failure(path, rec.line, "query", rec.sql, error_type, message, expected, got)

    try:
        result = _execute(conn, rec.sql)
        if result is None:
            return fail("columns", "query returned no result set")
        ncols, rows = result
        if ncols != len(rec.types):
            return fail("columns", f"expected {len(rec.types)} columns, got {ncols}")
        values = [format_value(v, t) for row in rows for v, t in zip(row, rec.types)]
    except Exception as exc:
        return fail(type(exc).__name__, str(exc))
    values = sort_values(values, ncols, rec.sortmode)
    digest = hash_values(values)
    if rec.expected is not None:
        # The expected text's form decides how to compare, not hash-threshold: select1/4/5.test
        # hash every result above 8 values without a hash-threshold line.
        if len(rec.expected) == 1 and _HASH_RE.match(rec.expected[0]):
            if digest != rec.expected[0]:
                return fail("mismatch", "result differs", rec.expected[0], digest)
        elif values != rec.expected:
            return fail("mismatch", "result differs", "\n".join(rec.expected), "\n".join(values))
    if rec.label is not None and labels.setdefault(rec.label, digest) != digest:
        return fail("label", f"result differs from earlier queries labelled {rec.label!r}",
                    labels[rec.label], digest)
    return None


def run_records(records: list[Record], conn: Any, path: str = "<string>", *, engine: str = "sqlite",
                sample: int | None = None, seed: int = 0, stop_after: int | None = None) -> FileResult:
    """Run parsed records on an open connection.  Every statement the engine runs is executed
    (they build the data); `sample` limits only the queries.  `stop_after` ends the file once
    that many failures (statements or queries) have been recorded."""
    res = FileResult(path=path, queries_total=sum(r.kind == "query" for r in records))
    chosen = choose_queries(records, engine, sample, seed)
    labels: dict[str, str] = {}
    started = time.perf_counter()
    for idx, rec in enumerate(records):
        if stop_after is not None and len(res.failures) >= stop_after:
            res.stopped = True
            break
        if not rec.applies(engine):
            res.queries_skipped += rec.kind == "query"
        elif rec.kind == "halt":
            res.halted = True
            res.queries_skipped += sum(r.kind == "query" for r in records[idx + 1:])
            break
        elif rec.kind == "statement":
            res.statements_run += 1
            exc = _run_statement(conn, rec.sql)
            if rec.expect_error == (exc is None):
                res.statements_failed += 1
                error_type, message = ((type(exc).__name__, str(exc)) if exc is not None else
                                       ("no error", "statement succeeded but an error was expected"))
                res.failures.append(Failure(path, rec.line, "statement", rec.sql, error_type, message))
        elif rec.kind == "query" and idx in chosen:
            res.queries_run += 1
            failure = _run_query(conn, rec, path, labels)
            res.queries_passed += failure is None
            if failure is not None:
                res.queries_failed += 1
                res.failures.append(failure)
        # hash-threshold needs no action: see _run_query for how results are compared.
    res.seconds = time.perf_counter() - started
    return res


def run_file(path: str | Path, connect: Callable[[], Any], *, engine: str = "sqlite",
             sample: int | None = None, seed: int = 0, stop_after: int | None = None) -> FileResult:
    """Parse and run one .test file on a fresh connection from connect(), closed afterwards."""
    path = Path(path)
    records = parse(path.read_text(encoding="utf-8"), str(path))
    conn = connect()
    try:
        return run_records(records, conn, path.name, engine=engine, sample=sample, seed=seed,
                           stop_after=stop_after)
    finally:
        conn.close()


# --------------------------------------------------------------------------- reporting / CLI

def markdown_table(results: list[FileResult]) -> str:
    total = FileResult("**total**", **{name: sum(getattr(r, name) for r in results) for name in (
        "queries_run", "queries_passed", "queries_failed", "queries_skipped", "statements_failed", "seconds")})
    lines = ["| file | queries run | passed | % | failed | skipped | statements failed | seconds |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {r.path} | {r.queries_run} | {r.queries_passed} | {r.percent:.1f} | {r.queries_failed} "
              f"| {r.queries_skipped} | {r.statements_failed} | {r.seconds:.2f} |" for r in [*results, total]]
    return "\n".join(lines)


def _short(text: str | None, limit: int = 300) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit] + " ..."


def failure_report(results: list[FileResult], k: int) -> str:
    """The first k failures (in file order), grouped by error; each group shows its total count."""
    failures = [f for r in results for f in r.failures]
    if not failures or k <= 0:
        return ""
    totals: dict[str, int] = {}
    for f in failures:
        totals[f.group] = totals.get(f.group, 0) + 1
    shown: dict[str, list[Failure]] = {}
    for f in failures[:k]:
        shown.setdefault(f.group, []).append(f)
    out = [f"## Failures: first {min(k, len(failures))} of {len(failures)}, grouped by error", ""]
    for group, members in sorted(shown.items(), key=lambda item: -totals[item[0]]):
        out.append(f"### {group} ({totals[group]} in total)")
        for f in members:
            out.append(f"- `{f.path}:{f.line}` {f.kind}: `{_short(f.sql)}`")
            if f.expected is not None:
                out += [f"  - expected: `{_short(f.expected, 200)}`", f"  - got: `{_short(f.got, 200)}`"]
        out.append("")
    return "\n".join(out)


def _connect_factory(driver: str) -> Callable[[], Any]:
    if driver == "sqlite":
        return lambda: sqlite3.connect(":memory:")

    def connect_mongodbapi() -> Any:
        import mongodbapi  # imported lazily: only this driver needs it

        return mongodbapi.connect(f"mongomock://slt_{uuid.uuid4().hex}")  # a fresh database per file

    return connect_mongodbapi


def main(argv: list[str] | None = None) -> int:
    """CLI entry point; returns 0 when every statement and query passed, else 1."""
    ap = argparse.ArgumentParser(prog="python -m tests.sqllogictest.slt", description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="*", help=".test files or directories (default: the samples in the repo)")
    ap.add_argument("--driver", choices=("sqlite", "mongodbapi"), default="sqlite")
    ap.add_argument("--engine", default="sqlite", help="name matched by skipif/onlyif (default: sqlite)")
    ap.add_argument("--sample", type=int, metavar="N", help="run only N queries per file (all statements)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the --sample choice")
    ap.add_argument("--stop-after", type=int, metavar="N", help="stop a file after N failures")
    ap.add_argument("--failures", type=int, default=0, metavar="K", help="print the first K failures")
    args = ap.parse_args(argv)
    files = [f for p in map(Path, args.files or [SAMPLES_DIR])
             for f in (sorted(p.glob("*.test")) if p.is_dir() else [p])]
    if not files:
        ap.error("no .test files found")
    connect = _connect_factory(args.driver)
    results = [run_file(f, connect, engine=args.engine, sample=args.sample, seed=args.seed,
                        stop_after=args.stop_after) for f in files]
    print(markdown_table(results))
    report = failure_report(results, args.failures)
    if report:
        print("\n" + report)
    return 0 if all(not r.failures for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
