"""SQL text -> syntax tree, with a bounded cache and errors that point at the problem.

The Lark parser is built once per process (and its tables cached on disk by Lark, so later
processes load it in milliseconds). Statements are parsed by replaying Lark's tables with the
lean runner in ``lalr.py``; Lark's own parser runs only to report a syntax error.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from importlib import resources

import lark
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from ..errors import NotSupportedError, ProgrammingError
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


def _syntax_error(sql: str, exc: UnexpectedInput) -> ProgrammingError:
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
