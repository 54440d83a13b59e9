"""Decimal128 ``_id`` values.

The engine keeps a collection's documents in a dict keyed by ``_id``, and ``bson.Decimal128``
cannot be a dict key (it has no hash), so inserting ``{_id: Decimal128("1.5")}`` failed with
"unhashable type". doc: any BSON type but an array, a regex or undefined may be an ``_id``, and
the unique ``_id`` index compares numbers by value (``1``, ``1.0`` and ``Decimal128("1")`` are the
same key). Keys are therefore looked up by their decimal value, which Python hashes and
compares exactly as the equal int or float.
"""

from __future__ import annotations

from typing import Any, Callable

from bson.decimal128 import Decimal128
from mongomock_ng import store

from .values import MARK


def _by_value(method: Callable) -> Callable:
    if getattr(method, MARK, False):
        return method

    def keyed(self: Any, key: Any, *args: Any) -> Any:
        return method(self, key.to_decimal() if isinstance(key, Decimal128) else key, *args)

    setattr(keyed, MARK, True)
    return keyed


def install() -> None:
    for name in ("__contains__", "__getitem__", "__setitem__", "__delitem__"):
        setattr(store.CollectionStore, name, _by_value(getattr(store.CollectionStore, name)))
