"""Traversal of the syntax tree: one walker instead of a hand-written recursion per question."""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace
from typing import Any, Iterator

from . import ast

SUBQUERIES = (ast.ScalarSubquery, ast.Exists, ast.InSubquery, ast.Quantified)


def walk(node: Any, into_subqueries: bool = True) -> Iterator[Any]:
    """Every node under ``node`` (itself included), parents before children.

    With ``into_subqueries`` false, a subquery node is yielded but its query is not entered
    (the operand of ``x IN (SELECT ...)`` still is).
    """
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, (tuple, list)):
            stack.extend(reversed(item))
            continue
        if not is_dataclass(item):
            continue
        yield item
        if not into_subqueries and isinstance(item, SUBQUERIES):
            if isinstance(item, ast.InSubquery):
                stack.append(item.operand)
            elif isinstance(item, ast.Quantified):
                stack.append(item.left)
            continue
        stack.extend(reversed([getattr(item, f.name) for f in fields(item) if f.name != "pos"]))


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
