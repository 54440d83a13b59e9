"""What the parts of the transformer share: per-parse state, positions, names, and the errors
that the parser turns into PEP 249 exceptions."""

from __future__ import annotations

import threading
from typing import Any

from lark import Token

from .. import ast


class State(threading.local):
    def __init__(self) -> None:
        self.positional = 0
        self.named = False
        self.unescape_percent = False


def pos_of(children: Any) -> ast.Pos:
    """Line and column of the first token under ``children``."""
    for child in children:
        if isinstance(child, Token):
            return (child.line or 0, child.column or 0)
        pos = getattr(child, "pos", None)
        if pos and pos != (0, 0):
            return pos
        if isinstance(child, (list, tuple)):
            found = pos_of(child)
            if found != (0, 0):
                return found
    return (0, 0)


def has_token(children: Any, token_type: str) -> bool:
    return any(isinstance(c, Token) and c.type == token_type for c in children)


def nodes_of(children: Any, cls: Any = ast.Node) -> list[Any]:
    return [c for c in children if isinstance(c, cls)]


def unquote_identifier(token: Token) -> str:
    text = str(token)
    if token.type == "QUOTED_NAME":
        return text[1:-1].replace('""', '"')
    if token.type == "BACKTICK_NAME":
        return text[1:-1]
    return text


class Name(str):
    """An identifier, remembering where it stood and whether it was quoted."""

    pos: ast.Pos = (0, 0)
    quoted: bool = False


class MixedPlaceholders(Exception):
    def __init__(self, pos: ast.Pos) -> None:
        super().__init__(pos)
        self.pos = pos


class Unsupported(Exception):
    def __init__(self, what: str, pos: ast.Pos) -> None:
        super().__init__(what)
        self.what = what
        self.pos = pos
