"""Find projections of a path through an array whose elements are not all documents.

doc (projection of an embedded field in an array): ``{"a.b": 1}`` on ``{a: [1, {b: 2}, {c: 3}]}``
gives ``{a: [{b: 2}, {}]}``: an inclusion keeps the documents of the array (projected) and drops
the other elements; an exclusion keeps them. Arrays nested in the array are projected the same
way. The engine called its document projection on every element and failed on the first
non-document ("'int' object has no attribute 'items'"). Server: the projection executor's
inclusion and exclusion nodes.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Callable

from mongomock_ng import collection

from .values import MARK

_ARRAYS = (list, tuple)


def _wrap_project_by_spec(original: Callable) -> Callable:
    if getattr(original, MARK, False):
        return original

    def project(doc: Any, spec: Any, is_include: bool, container: Any, filter: Any = None) -> Any:
        if isinstance(doc, _ARRAYS):  # an array inside the array
            return [project(item, spec, is_include, container, filter) for item in doc
                    if not is_include or isinstance(item, (Mapping, *_ARRAYS))]
        if not isinstance(doc, Mapping):  # reached only through an exclusion: kept as it is
            return copy.copy(doc)
        if is_include and any(isinstance(spec.get(key), dict) and "$" not in spec[key] and isinstance(value, _ARRAYS)
                              for key, value in doc.items()):
            doc = container((key, [item for item in value if isinstance(item, (Mapping, *_ARRAYS))]
                             if isinstance(spec.get(key), dict) and isinstance(value, _ARRAYS) else value)
                            for key, value in doc.items())
        return original(doc, spec, is_include, container, filter)

    setattr(project, MARK, True)
    return project


def install() -> None:
    collection._project_by_spec = _wrap_project_by_spec(collection._project_by_spec)
