"""SQL text -> syntax tree, with a bounded cache and errors that point at the problem.

The Lark parser is built once per process (and its tables cached on disk by Lark, so later
processes load it in milliseconds). Statements are parsed by replaying Lark's tables with the
lean runner in ``lalr.py``; Lark's own parser runs only to report a syntax error.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from importlib import resources
from typing import Optional

import lark
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from ..errors import Error, NotSupportedError, ProgrammingError
from . import ast
from .lalr import FastLALR
from .transformer import MixedPlaceholders, SQLTransformer, Unsupported

_lock = threading.Lock()
_parser: lark.Lark | None = None
_fast: FastLALR | None = None
_transformer = SQLTransformer()


def _get_parser() -> lark.Lark:
    global _parser, _fast
    if _parser is None:
        grammar = resources.files("mongodbapi.grammar").joinpath("sql.lark").read_text(encoding="utf-8")
        _parser = lark.Lark(grammar, parser="lalr", lexer="basic", transformer=_transformer, maybe_placeholders=False,
                            cache=True)
        _fast = FastLALR(_parser)
    return _parser


def excerpt(sql: str, line: int, column: int) -> str:
    """The offending line with a caret under the column (both 1-based)."""
    lines = sql.splitlines() or [""]
    text = lines[min(line, len(lines)) - 1]
    return f"{text}\n{' ' * (column - 1)}^"


# Statements the grammar does not have, by their leading words: text that starts so is SQL we do
# not support yet (NotSupportedError naming it), not a syntax error.
_UNSUPPORTED_STATEMENTS = {
    words: " ".join(words) for words in [
        ("CREATE", "VIEW"), ("CREATE", "OR", "REPLACE", "VIEW"), ("CREATE", "MATERIALIZED", "VIEW"), ("DROP", "VIEW"),
        ("CREATE", "TRIGGER"), ("DROP", "TRIGGER"), ("CREATE", "FUNCTION"), ("CREATE", "PROCEDURE"),
        ("CREATE", "SEQUENCE"), ("CREATE", "SCHEMA"), ("CREATE", "DATABASE"), ("CREATE", "TYPE"),
        ("CREATE", "DOMAIN"), ("CREATE", "EXTENSION"), ("TRUNCATE",), ("GRANT",), ("REVOKE",), ("MERGE",),
        ("COPY",), ("VACUUM",), ("ANALYZE",), ("PRAGMA",), ("LOCK",), ("LISTEN",), ("NOTIFY",), ("SET",),
        ("SHOW",), ("DECLARE",), ("FETCH",), ("PREPARE",), ("EXECUTE",), ("DEALLOCATE",),
    ]
}
_LOCKING_CLAUSES = {"UPDATE", "SHARE", "NO", "KEY"}  # SELECT ... FOR UPDATE / SHARE / NO KEY UPDATE / KEY SHARE
_NAME_TOKENS = {"NAME", "QUOTED_NAME", "BACKTICK_NAME"}


def _unsupported_construct(sql: str, exc: UnexpectedInput) -> Optional[tuple[str, int, int]]:
    """(construct, line, column) when ``sql`` fails to parse because it uses SQL the driver does not
    support yet, rather than because it is malformed."""
    tokens = _fast.tokens(sql) if _fast is not None else None
    if not tokens:
        return None
    words = tuple(str(token).upper() for token in tokens[:4])
    for length in (4, 3, 2, 1):
        construct = _UNSUPPORTED_STATEMENTS.get(words[:length])
        if construct is not None:
            return construct, tokens[0].line, tokens[0].column
    if isinstance(exc, UnexpectedToken) and exc.token.type in _NAME_TOKENS:
        index = next((i for i, t in enumerate(tokens) if t.start_pos == exc.token.start_pos), 0)
        if index >= 2 and tokens[index - 1].type == "LPAR" and tokens[index - 2].type in ("JOIN", "FROM", "COMMA"):
            paren = tokens[index - 1]
            return "a parenthesised join or table reference in FROM", paren.line, paren.column
    if isinstance(exc, UnexpectedToken) and exc.token.type == "FOR":
        following = next((t for t in tokens if t.start_pos > exc.token.start_pos), None)
        if following is not None and str(following).upper() in _LOCKING_CLAUSES:
            return f"SELECT ... FOR {str(following).upper()}", exc.token.line, exc.token.column
    return None


def _syntax_error(sql: str, exc: UnexpectedInput) -> Error:
    unsupported = _unsupported_construct(sql, exc)
    if unsupported is not None:
        construct, line, column = unsupported
        return NotSupportedError(f"{construct} is not supported (line {line}, column {column})")
    line = getattr(exc, "line", None) or 1
    column = getattr(exc, "column", None) or 1
    if isinstance(exc, UnexpectedToken):
        if exc.token.type == "$END":
            what = "unexpected end of statement"
            lines = sql.splitlines() or [""]
            line, column = len(lines), len(lines[-1]) + 1
        else:
            what = f"unexpected {exc.token.value!r}"
    elif isinstance(exc, UnexpectedCharacters):
        what = f"unexpected character {sql[exc.pos_in_stream]!r}"
    elif isinstance(exc, UnexpectedEOF):
        what = "unexpected end of statement"
    else:
        what = "syntax error"
    error = ProgrammingError(f"syntax error at line {line}, column {column}: {what}\n{excerpt(sql, line, column)}")
    error.line, error.column = line, column  # type: ignore[attr-defined]
    return error


@lru_cache(maxsize=512)
def parse(sql: str, unescape_percent: bool = False) -> ast.Node:
    """Parse one statement. ``unescape_percent``: parameters are given, so ``%%`` means ``%``."""
    parser = _get_parser()
    with _lock:  # the inline transformer keeps per-parse state
        _transformer.reset(unescape_percent)
        try:
            tree = _fast.parse(sql)
            if tree is None:  # a syntax error: Lark finds it again and says exactly what and where
                _transformer.reset(unescape_percent)
                tree = parser.parse(sql)
            return tree
        except UnexpectedInput as exc:
            raise _syntax_error(sql, exc) from None
        except VisitError as exc:
            inner = exc.orig_exc
            if isinstance(inner, Unsupported):
                line, column = inner.pos
                raise NotSupportedError(f"{inner.what} is not supported (line {line}, column {column})") from None
            if isinstance(inner, MixedPlaceholders):
                line, column = inner.pos
                raise ProgrammingError(f"cannot mix %s and %(name)s placeholders (line {line}, column {column})") from None
            raise
        except Unsupported as inner:
            line, column = inner.pos
            raise NotSupportedError(f"{inner.what} is not supported (line {line}, column {column})") from None
        except MixedPlaceholders as inner:
            line, column = inner.pos
            raise ProgrammingError(f"cannot mix %s and %(name)s placeholders (line {line}, column {column})") from None
