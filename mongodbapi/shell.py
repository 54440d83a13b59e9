"""``python -m mongodbapi``: a small SQL shell over the driver.

    python -m mongodbapi URI              interactive prompt (statements end with ';')
    python -m mongodbapi URI -c "SQL"     run the statement(s) and exit (1 on error)
    python -m mongodbapi --demo           load a sample dataset into mongomock://demo and run a tour

Inside the prompt: ``\\q`` quits, ``\\d`` lists tables, ``\\d NAME`` describes one, ``\\timing``
turns timing on or off, ``\\?`` shows help.
"""

from __future__ import annotations

import argparse
import datetime
import decimal
import json
import re
import sys
import time
import uuid
from typing import Any, Iterable, Optional, Sequence, TextIO

HELP = """\
Statements end with ';' and may span lines.
  \\d          list tables        \\d NAME   describe a table
  \\timing     timing on/off      \\q        quit          \\?  this help"""
CANCEL = "\x03"  # what the prompt hands on for Ctrl-C


# ----------------------------------------------------------------- formatting


def format_value(value: Any) -> str:
    """One value as a table cell: NULL for None, JSON for documents and arrays."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, default=str, ensure_ascii=False)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "\\x" + bytes(value).hex()
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time, decimal.Decimal, uuid.UUID)):
        return str(value)
    return str(value).replace("\n", "\\n")


def _numeric(value: Any) -> bool:
    return isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool)


def format_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Rows as aligned columns (numbers to the right), psql style, with a row count."""
    cells = [[format_value(v) for v in row] for row in rows]
    widths = [len(name) for name in columns]
    for row in cells:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    right = [bool(rows) and all(_numeric(row[i]) or row[i] is None for row in rows) for i in range(len(columns))]
    lines = [" " + " | ".join(name.center(w) for name, w in zip(columns, widths)).rstrip(),
             "-" + "-+-".join("-" * w for w in widths) + "-"]
    for row in cells:
        parts = [cell.rjust(w) if r else cell.ljust(w) for cell, w, r in zip(row, widths, right)]
        lines.append((" " + " | ".join(parts)).rstrip())
    lines.append(f"({len(rows)} row{'' if len(rows) == 1 else 's'})")
    return "\n".join(lines)


_LEADING_COMMENTS = re.compile(r"\A(?:\s+|--[^\n]*(?:\n|\Z)|/\*.*?\*/)*", re.S)


def status_line(sql: str, rowcount: int) -> str:
    """What a statement without rows did: ``UPDATE 2``, ``CREATE TABLE``, ``BEGIN``."""
    words = _LEADING_COMMENTS.sub("", sql).split() or ["OK"]
    verb = " ".join(words[:2]).upper() if words[0].upper() in ("CREATE", "DROP", "ALTER") else words[0].upper()
    return f"{verb} {rowcount}" if rowcount >= 0 else verb


# ----------------------------------------------------------------- statements


def split_statements(text: str) -> tuple[list[str], str]:
    """Complete ';'-terminated statements in ``text`` and the unfinished rest.

    Semicolons inside 'strings', "quoted names", `backticks` and comments do not end a statement.
    """
    statements, start, i, n = [], 0, 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "'\"`":
            end = text.find(ch, i + 1)
            while end != -1 and ch != "`" and text.startswith(ch * 2, end):  # '' and "" escapes
                end = text.find(ch, end + 2)
            if end == -1:
                break
            i = end + 1
        elif text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end == -1 else end + 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end == -1:
                break
            i = end + 2
        elif ch == ";":
            statement = text[start:i].strip()
            if statement:
                statements.append(statement)
            start = i = i + 1
        else:
            i += 1
    return statements, text[start:]


def run_statement(connection: Any, sql: str, out: TextIO, timing: bool = True) -> None:
    """Execute one statement and print its rows (or what it did) and how long it took."""
    cursor = connection.cursor()
    try:
        started = time.perf_counter()
        cursor.execute(sql)
        rows = cursor.fetchall() if cursor.description is not None else None
        elapsed = time.perf_counter() - started
        if rows is not None:
            out.write(format_table([c[0] for c in cursor.description], rows) + "\n")
        else:
            out.write(status_line(sql, cursor.rowcount) + "\n")
        if timing:
            out.write(f"Time: {elapsed * 1000:.3f} ms\n")
    finally:
        cursor.close()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def list_tables(connection: Any) -> tuple[list[str], list[tuple[Any, ...]]]:
    """(columns, rows) naming every table: declared ones and collections without a catalog entry."""
    from .exec.errors import translated

    database = connection.database
    with translated():  # pymongo errors leave as PEP 249 errors, as everywhere in the driver
        declared = {d["name"] for d in database["__schema__"].find({"columns": {"$exists": True}}, {"name": 1})}
        names = sorted(set(database.list_collection_names()) - {"__schema__"} | declared)
        rows = [(name, "table" if name in declared else "collection (sampled)",
                 database[name].estimated_document_count()) for name in names]
    return ["name", "kind", "documents"], rows


def describe_table(connection: Any, name: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """(columns, rows) describing one table: cursor.description, enriched from the catalog."""
    cursor = connection.cursor()
    try:
        cursor.execute(f"SELECT * FROM {_quote(name)} LIMIT 0")
        description = list(cursor.description or [])
    finally:
        cursor.close()
    info = connection.catalog.lookup(name)
    rows = []
    for column in description:
        entry = info.column(column[0]) if info is not None else None
        type_name = column[1] or "(any)"
        if entry is not None and entry.params:
            type_name += "(" + ", ".join(str(p) for p in entry.params) + ")"
        key = "PRIMARY KEY" if entry is not None and column[0] in info.primary_key else ""
        default = ""
        if entry is not None and entry.default:
            function = entry.default.get("function")
            default = function.upper() if function else format_value(entry.default.get("value"))
        nullable = "NOT NULL" if entry is not None and entry.not_null or column[6] is False else ""
        if entry is not None and column[0] in info.auto:
            default = "auto-increment"
        rows.append((column[0], type_name, nullable, key, default, entry.field if entry is not None else column[0]))
    return ["column", "type", "null", "key", "default", "stored as"], rows


# ----------------------------------------------------------------- the prompt


class Shell:
    def __init__(self, connection: Any, out: Optional[TextIO] = None, err: Optional[TextIO] = None,
                 timing: bool = True) -> None:
        self.connection = connection
        self.out, self.err = out or sys.stdout, err or sys.stderr
        self.timing = timing
        self.errors = 0
        self.pending = False  # inside an unfinished statement (the prompt shows "...>")

    def execute(self, sql: str) -> bool:
        """Run one statement, reporting errors on ``err``; True when it succeeded."""
        from . import errors

        try:
            run_statement(self.connection, sql, self.out, self.timing)
            return True
        except errors.Error as exc:
            self.errors += 1
            self.err.write(f"ERROR: {type(exc).__name__}: {exc}\n")
            return False

    def meta(self, line: str) -> bool:
        """Run a backslash command; False when it asks to quit."""
        from . import errors

        command, _, argument = line.strip().partition(" ")
        argument = argument.strip().rstrip(";").strip()
        if command in ("\\q", "\\quit"):
            return False
        try:
            if command == "\\d" and argument:
                columns, rows = describe_table(self.connection, argument.strip('"'))
                self.out.write(f'Table "{argument.strip(chr(34))}"\n' + format_table(columns, rows) + "\n")
            elif command == "\\d":
                self.out.write(format_table(*list_tables(self.connection)) + "\n")
            elif command == "\\timing":
                self.timing = {"on": True, "off": False}.get(argument.lower(), not self.timing)
                self.out.write(f"Timing is {'on' if self.timing else 'off'}.\n")
            elif command in ("\\?", "\\h", "\\help"):
                self.out.write(HELP + "\n")
            else:
                self.errors += 1
                self.err.write(f"unknown command {command}: try \\?\n")
        except errors.Error as exc:
            self.errors += 1
            self.err.write(f"ERROR: {type(exc).__name__}: {exc}\n")
        return True

    def run_lines(self, lines: Iterable[str]) -> None:
        """Read statements (and backslash commands) line by line, as typed at the prompt."""
        buffer = ""
        for line in lines:
            if line == CANCEL:
                buffer, self.pending = "", False
                continue
            if not buffer.strip() and line.lstrip().startswith("\\"):
                if not self.meta(line):
                    return
                continue
            if not buffer.strip() and line.strip().lower() in ("quit", "exit"):
                return
            buffer += line if line.endswith("\n") else line + "\n"
            statements, buffer = split_statements(buffer)
            self.pending = bool(buffer.strip())
            for statement in statements:
                self.execute(statement)
        self.pending = False
        if buffer.strip():
            self.err.write("ERROR: the input ended inside a statement (missing ';')\n")
            self.errors += 1

    def interact(self, stdin: Optional[TextIO] = None) -> None:
        """The interactive prompt: readline editing and history when stdin is a terminal."""
        stdin = stdin or sys.stdin
        if not stdin.isatty():
            self.run_lines(stdin)
            return
        try:
            import readline  # noqa: F401 - input() gains line editing and history
        except ImportError:
            pass
        self.out.write(f"mongodbapi shell on {self.connection.host}, database {self.connection.database_name}. "
                       "Type \\? for help, \\q to quit.\n")
        self.run_lines(self._prompted())

    def _prompted(self) -> Iterable[str]:
        while True:
            try:
                line = input("...> " if self.pending else "sql> ")
            except EOFError:
                self.out.write("\n")
                return
            except KeyboardInterrupt:  # Ctrl-C drops the unfinished statement, as in psql
                self.out.write("\n")
                line = CANCEL
            yield line


# ----------------------------------------------------------------- entry point


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m mongodbapi", description="A SQL shell for MongoDB.")
    parser.add_argument("uri", nargs="?", help="mongodb://host[:port]/db, mongodb+srv://..., or mongomock://db")
    parser.add_argument("-c", "--command", metavar="SQL", help="run the statement(s) and exit")
    parser.add_argument("--demo", action="store_true", help="load a sample dataset into the in-process engine "
                        "(mongomock://demo) and run a tour of queries")
    parser.add_argument("-i", "--interactive", action="store_true", help="open the prompt after --demo or -c")
    parser.add_argument("--no-timing", dest="timing", action="store_false", help="do not print timings")
    args = parser.parse_args(argv)
    if args.demo and args.uri:
        parser.error("--demo uses the in-process engine: give no URI")
    if not args.demo and not args.uri:
        parser.error("give a connection URI (e.g. mongomock://test or mongodb://localhost/test) or --demo")
    return args


def main(argv: Optional[Sequence[str]] = None, stdin: Optional[TextIO] = None, out: Optional[TextIO] = None,
         err: Optional[TextIO] = None) -> int:
    """Run the shell; the exit status is 0 on success and 1 when a statement failed."""
    import mongodbapi
    from . import demo

    stdin, out, err = stdin or sys.stdin, out or sys.stdout, err or sys.stderr
    args = parse_args(argv)
    failures = 0
    try:
        if args.demo:
            connection, failures = demo.main(out, err, timing=args.timing)
        else:
            connection = mongodbapi.connect(args.uri)
            connection.autocommit = True
    except mongodbapi.Error as exc:
        err.write(f"ERROR: {type(exc).__name__}: {exc}\n")
        return 1
    shell = Shell(connection, out, err, timing=args.timing)
    try:
        if args.command is not None:
            statements, rest = split_statements(args.command)
            if rest.strip():  # the last statement needs no ';' (and a bad one must still fail)
                statements.append(rest.strip())
            for statement in statements:
                if not shell.execute(statement):
                    return 1
        if args.interactive or (args.command is None and not args.demo):
            shell.interact(stdin)
            return 1 if failures or shell.errors and not stdin.isatty() else 0
        return 1 if failures else 0
    finally:
        connection.close()
