"""Traversal of the syntax tree: one walker instead of a hand-written recursion per question."""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace
from typing import Any, Iterator

from . import ast

SUBQUERIES = (ast.ScalarSubquery, ast.Exists, ast.InSubquery, ast.Quantified)


_CHILDREN: dict[type, tuple[str, ...] | None] = {}  # class -> its fields but ``pos``, reversed; None: a leaf
_UNSEEN: Any = object()


def _children_of(kind: type) -> tuple[str, ...] | None:
    names = _CHILDREN[kind] = (tuple(f.name for f in reversed(fields(kind)) if f.name != "pos")
                               if is_dataclass(kind) else None)
    return names


def walk(node: Any, into_subqueries: bool = True) -> Iterator[Any]:
    """Every node under ``node`` (itself included), parents before children.

    With ``into_subqueries`` false, a subquery node is yielded but its query is not entered
    (the operand of ``x IN (SELECT ...)`` still is).
    """
    stack = [node]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is tuple or kind is list:
            stack.extend(reversed(item))
            continue
        names = _CHILDREN.get(kind, _UNSEEN)
        if names is _UNSEEN:
            names = _children_of(kind)
        if names is None:
            continue
        yield item
        if not into_subqueries and isinstance(item, SUBQUERIES):
            if isinstance(item, ast.InSubquery):
                stack.append(item.operand)
            elif isinstance(item, ast.Quantified):
                stack.append(item.left)
            continue
        stack.extend([getattr(item, name) for name in names])


def param_keys(node: Any) -> list[Any]:
    """The placeholders under ``node``, in order."""
    return [n.key for n in walk(node) if isinstance(n, ast.Param)]


def with_values(node: Any, params: Any) -> Any:
    """A copy of ``node`` with each placeholder replaced by its value, for statements that are
    not cached and run once (DDL: ``DEFAULT %s``)."""
    from ..mql.template import lookup

    if isinstance(node, ast.Param):
        return ast.Literal(lookup(params, node.key), "value", pos=node.pos)
    if isinstance(node, tuple):
        return tuple(with_values(item, params) for item in node)
    if not is_dataclass(node):
        return node
    changes = {f.name: with_values(getattr(node, f.name), params) for f in fields(node) if f.name != "pos"}
    return replace(node, **changes)
