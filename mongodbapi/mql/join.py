"""The FROM clause -> the stages that produce its rows, and the scope that names their columns.

One table: its documents as they are (fields at the root), so filters stay index-friendly.
Several tables: each row is ``{<alias>: <document>, ...}``, keyed by the SQL alias (never the
table name), so self-joins and two joins to the same table stay apart. The tables are joined
left-deep with ``$lookup`` + ``$unwind``:

* filters on the driving table run before the first join;
* an equality between a plain column of an earlier table and one of the joined table uses
  ``localField``/``foreignField`` (index-friendly), with NULL keys excluded since NULL never
  equals anything in SQL (MongoDB's equality match would pair null with null/missing);
* every other ON condition, and WHERE conditions that an INNER join makes safe to apply early,
  run inside the ``$lookup`` pipeline, with earlier tables' columns passed as ``let`` variables;
* LEFT joins keep unmatched rows (``preserveNullAndEmptyArrays``);
* ``L RIGHT JOIN C ON cond`` is ``C LEFT JOIN L ON cond``: C drives. When L is the chain so far
  (``A JOIN B ... RIGHT JOIN C``), L becomes a sub-join: one ``$lookup`` whose pipeline is L's own
  chain of stages (rows ``{a: ..., b: ...}``), ``cond`` applied inside it like a WHERE with C's
  columns as ``let`` variables (pushed to the tables it reads, an equality with L's driving table
  as ``localField``/``foreignField``); after the ``$unwind`` a ``$project`` lifts L's tables to
  the top level, so rows stay keyed by alias and later joins carry on. When no such key exists
  and C is a collection, L runs once instead: L, an inner ``$lookup`` of C, then C's unmatched
  rows added as for FULL below;
* ``L FULL JOIN C ON cond`` is the LEFT join of C plus, by ``$unionWith``, C's rows that match
  nothing: when L is one table, those for which a ``$lookup`` of L with ``cond`` finds nothing
  (an indexed anti-join); when L is a chain, every C row is added as a probe and a
  ``$setWindowFields`` partitioned by C's ``_id`` drops the probes whose document the LEFT join
  matched, so the chain runs once (a derived C, which has no ``_id``, is anti-joined against L
  as a sub-join instead);
* every table a RIGHT or FULL join can extend with NULLs is ``outer`` in the scope: WHERE
  conditions on it run after the joins, and its NOT NULL columns read as nullable.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Optional

from ..catalog import ColumnInfo, TableInfo, check_field_name
from ..errors import NotSupportedError, ProgrammingError
from ..plan.binder import Scope, ScopeTable
from ..sql import ast
from ..sql.walk import SUBQUERIES, walk
from .expr import unsupported
from .recursive import plan_recursive
from .subquery import Correlation

if TYPE_CHECKING:  # pragma: no cover
    from .planner import PlanContext


@dataclass
class LimitPushdown:
    """Where ORDER BY/OFFSET/LIMIT on the driving table may run before the joins.

    Valid when every join keeps each driving row exactly once (LEFT JOINs on a unique key of
    the joined table) and no condition is left to apply after the joins.
    """

    index: int  # stage index: the driving table's documents, filtered, not yet joined
    alias: str
    scope: Scope  # the driving table at the document root


@dataclass
class Source:
    collection: Optional[str]
    stages: list[Any]
    scope: Scope
    where: list[ast.Expr]  # WHERE conjuncts left for the query to apply
    pushdown: Optional[LimitPushdown] = None


@dataclass
class _Table:
    alias: str
    info: Optional[TableInfo]  # None for a sub-join
    collection: Optional[str]
    prefix_stages: list[Any] = field(default_factory=list)  # a derived table's own pipeline
    kind: str = "inner"  # how it joins the tables before it: inner, left, full, or right (planned
    # after the chain it is joined to: an inner join plus its rows that match nothing)
    conditions: list[ast.Expr] = field(default_factory=list)
    order: int = 0  # position in the FROM clause
    members: Optional[list["_Table"]] = None  # a sub-join: these tables, planned as a chain
    keyed: Optional[bool] = None  # a sub-join: whether its lookup has a key (found once, kept here)


def _derived(alias: str, query: ast.Select, columns: tuple[str, ...], context: "PlanContext",
             correlation: Any) -> _Table:
    plan = context.plan_query(query, correlation=correlation, as_subquery=True)
    names = list(columns) or [c.name for c in plan.columns]
    if len(names) != len(plan.columns):
        raise ProgrammingError(f"{alias} has {len(plan.columns)} columns but {len(names)} names were given")
    rename: dict[str, Any] = {"_id": 0}
    infos = []
    for i, (name, column) in enumerate(zip(names, plan.columns)):
        check_field_name(name)
        rename[name] = f"$c{i}"
        infos.append(ColumnInfo(name, column.type))
    info = TableInfo(alias, infos)
    return _Table(alias, info, plan.collection, plan.full_pipeline() + [{"$project": rename}])


def _table(node: ast.Node, context: "PlanContext", correlation: Any, names: "_Names") -> _Table:
    table = _source_table(node, context, correlation)
    table.order = next(names.order)
    return table


def _source_table(node: ast.Node, context: "PlanContext", correlation: Any) -> _Table:
    if isinstance(node, ast.TableRef):
        alias = node.alias or node.name
        cte = context.cte(node.name)
        if cte is not None:
            if context.is_recursive(cte):
                collection, stages, info = plan_recursive(cte, context)
                return _Table(alias, info, collection, stages)
            return _derived(alias, cte.query, cte.columns, context, correlation)
        info = context.table(node.name)
        return _Table(alias, info, info.name)
    if isinstance(node, ast.DerivedTable):
        return _derived(node.alias, node.query, node.columns, context, correlation)
    raise unsupported(node, "a parenthesised join")


def _flatten(node: ast.Node, context: "PlanContext", correlation: Any, names: "_Names") -> list[_Table]:
    """One join tree -> its tables in plan order (left-deep), each saying how it joins those before it.

    ``A ... RIGHT JOIN C ON cond`` is planned as ``C LEFT JOIN (A ...) ON cond``: C drives and the
    whole left side becomes one sub-join, looked up as a pipeline (a single table stays a table).
    ``... FULL JOIN C ON cond`` is a LEFT JOIN of C plus C's rows that match no row on the left.
    """
    if not isinstance(node, ast.Join):
        return [_table(node, context, correlation, names)]
    tables = _flatten(node.left, context, correlation, names)
    if isinstance(node.right, ast.Join):
        raise unsupported(node.right, "a join nested on the right-hand side")
    right = _table(node.right, context, correlation, names)
    left_tables = [leaf for t in tables for leaf in _leaves(t)]
    condition = _join_condition(node, left_tables, right)
    _check_unambiguous(condition, left_tables + [right])
    if node.kind == "right":
        left = tables[0] if len(tables) == 1 else names.sub_join(tables)
        left.kind, left.conditions = "left", condition
        return [right, left]
    right.kind = node.kind if node.kind in ("left", "full") else "inner"
    right.conditions = condition
    return tables + [right]


class _Names:
    """Textual order of the FROM tables (the order of ``SELECT *``) and names for sub-joins."""

    def __init__(self) -> None:
        self.order = itertools.count()
        self.sub_joins = itertools.count()
        self.made: list[_Table] = []

    def sub_join(self, members: list[_Table], kind: str = "left") -> _Table:
        table = _Table("", None, None, kind=kind, members=members)
        self.made.append(table)
        return table

    def name_sub_joins(self, aliases: set[str]) -> None:
        """Output fields for sub-joins that no SQL alias can clash with."""
        for table in self.made:
            name = f"__j{next(self.sub_joins)}"
            while name.lower() in aliases:
                name = f"__j{next(self.sub_joins)}"
            table.alias = name


def _leaves(table: _Table) -> list[_Table]:
    """The tables of a sub-join (or the table itself)."""
    if table.members is None:
        return [table]
    return [leaf for member in table.members for leaf in _leaves(member)]


def _join_condition(node: ast.Join, left: list[_Table], right: _Table) -> list[ast.Expr]:
    from .select import split_conjuncts

    names = list(node.using)
    if node.natural:
        left_names = {c.name.lower() for t in left for c in t.info.columns}  # type: ignore[union-attr]
        names = [c.name for c in right.info.columns if c.name.lower() in left_names]  # type: ignore[union-attr]
    conditions = split_conjuncts(node.on)
    for name in names:
        owners = [t for t in left if t.info.column(name) is not None]  # type: ignore[union-attr]
        if len(owners) != 1 or right.info.column(name) is None:  # type: ignore[union-attr]
            raise ProgrammingError(f"column {name} of USING/NATURAL must exist once on each side")
        conditions.append(ast.Binary("=", ast.Column((owners[0].alias, name)), ast.Column((right.alias, name)),
                                     pos=node.pos))
    return conditions


def _check_unambiguous(conditions: list[ast.Expr], tables: list[_Table]) -> None:
    """An unqualified column that two of ``tables`` have is an error, as in SQL, before the
    conditions are split up and each part is planned where fewer tables are in sight."""
    scope = Scope([ScopeTable(t.alias, t.info, t.alias + ".") for t in tables])  # type: ignore[arg-type]
    for item in walk(conditions, into_subqueries=False):
        if isinstance(item, ast.Column):
            try:
                scope.resolve(item)
            except ProgrammingError as error:
                if "ambiguous" in str(error):
                    raise
                # not a column of these tables: one of an enclosing query, or an error later


def _reads_only(node: Any, scope: Scope, alias: str) -> bool:
    """Whether every column ``node`` reads is one of table ``alias`` (none of an enclosing query)."""
    for item in walk(node):
        if isinstance(item, ast.Column):
            try:
                if scope.resolve(item).table.alias != alias:
                    return False
            except ProgrammingError:
                return False
    return True


def _aliases(node: Any, scope: Scope) -> Optional[set[str]]:
    """The FROM aliases an expression reads; None if it holds a subquery (placed last, to be safe)."""
    found: set[str] = set()
    for item in walk(node):
        if isinstance(item, SUBQUERIES):
            return None
        if isinstance(item, ast.Column):
            try:
                found.add(scope.resolve(item).table.alias)
            except ProgrammingError:
                pass  # a column of an enclosing query (or of the row a sub-join is looked up for)
    return found


def plan_from(from_: tuple[ast.Node, ...], where: list[ast.Expr], context: "PlanContext",
              correlation: Any) -> Source:
    if not from_:
        return Source(None, [{"$documents": [{}]}], Scope([]), where)
    names = _Names()
    tables: list[_Table] = []
    for item in from_:
        flattened = _flatten(item, context, correlation, names)
        if tables and any(t.kind == "full" for t in flattened[1:]):
            # "A, B FULL JOIN C" is A CROSS JOIN (B FULL JOIN C): the comma binds last
            flattened = [names.sub_join(flattened, "inner")]
        elif tables:
            flattened[0].kind = "inner"  # a comma join: an inner join whose conditions are in WHERE
        tables.extend(flattened)
    if len(tables) == 1:
        table = tables[0]
        return Source(table.collection, list(table.prefix_stages), Scope([ScopeTable(table.alias, table.info)]), where)
    return _plan_joins(tables, where, context, correlation, names)


def _plan_joins(tables: list[_Table], where: list[ast.Expr], context: "PlanContext", correlation: Any,
                names: _Names) -> Source:
    seen: set[str] = set()
    for table in (leaf for t in tables for leaf in _leaves(t)):
        check_field_name(table.alias)
        if "." in table.alias or table.alias.lower() in seen:
            raise ProgrammingError(f"table name {table.alias!r} is used more than once in FROM; give it an alias")
        seen.add(table.alias.lower())
    _check_unambiguous(where, [leaf for t in tables for leaf in _leaves(t)])
    names.name_sub_joins(seen)
    chain = _plan_chain(tables, where, context, correlation)
    scope = Scope(sorted(chain.scope.tables, key=lambda t: chain.order[t.alias]))
    return Source(chain.collection, chain.stages, scope, chain.post, None if chain.post else chain.pushdown)


@dataclass
class _Chain:
    """A planned join chain: rows ``{alias: document, ...}`` from ``stages`` over ``collection``."""

    collection: Optional[str]
    stages: list[Any]
    scope: Scope
    post: list[ast.Expr]  # conditions left to apply to the joined rows
    pushdown: Optional[LimitPushdown]
    order: dict[str, int]  # alias -> textual position in FROM
    key: Optional[tuple[str, str]] = None  # (localField, foreignField) found for a looked-up sub-join


def _scope_tables(tables: list[_Table], outer: bool = False) -> list[ScopeTable]:
    """Every table of a chain at its path, ``outer`` when a join can extend it with NULLs:
    it is joined LEFT or FULL, a later FULL JOIN adds rows where it is NULL, or it is inside a
    sub-join (the left side of a RIGHT JOIN) that is."""
    found = []
    for i, table in enumerate(tables):
        extended = outer or table.kind in ("left", "full") or any(t.kind in ("full", "right") for t in tables[i + 1:])
        if table.members is not None:
            found.extend(_scope_tables(table.members, extended))
        else:
            found.append(ScopeTable(table.alias, table.info, table.alias + ".", extended))  # type: ignore[arg-type]
    return found


def _plan_chain(tables: list[_Table], where: list[ast.Expr], context: "PlanContext", correlation: Any,
                earlier: Any = None) -> _Chain:
    """The stages joining ``tables`` (the first drives) and applying ``where`` where it is safe.

    ``earlier`` is set when the chain is a sub-join looked up for each row of an enclosing
    join: ``where`` is then the ON condition, its columns of that row resolve through
    ``correlation``, and an equality between such a column and one of the driving table
    becomes the lookup's ``localField``/``foreignField``.
    """
    from .select import SelectPlanner

    while len(tables) > 1 and tables[1].members is not None and tables[1].kind == "left" \
            and tables[0].collection is not None and not tables[0].prefix_stages \
            and not _sub_join_keyed(tables[1], tables[0], context, correlation):
        # C LEFT JOIN (A ...) whose lookup no key would drive: run A ... once, join C to it, and
        # add C's unmatched rows (see _unmatched_by_window) instead of re-running A ... per C row
        right = replace(tables[0], kind="right", conditions=list(tables[1].conditions))
        tables = tables[1].members + [right] + tables[2:]  # type: ignore[operator]
    tables = [replace(t, conditions=list(t.conditions)) for t in tables]  # the callers' tables stay as they are
    original = [replace(t, conditions=list(t.conditions)) for t in tables]
    if (len(tables) > 2 or earlier is not None) and len(tables) > 1 \
            and all(t.kind == "inner" and t.members is None for t in tables[1:]) and tables[0].members is None:
        where = where + [c for t in tables for c in t.conditions]
        for table in tables:
            table.conditions = []
        tables = _join_order(tables, where)
    joined = Scope(_scope_tables(tables))
    by_alias = {t.alias: t for t in joined.tables}
    position = {leaf.alias: i for i, t in enumerate(tables) for leaf in _leaves(t)}
    outer = {t.alias for t in joined.tables if t.outer}
    driving = tables[0]
    pre: list[ast.Expr] = []
    post: list[ast.Expr] = []
    probe_filters: dict[str, list[ast.Expr]] = {}
    for conjunct in where:
        aliases = _aliases(conjunct, joined)
        if aliases is None or aliases & outer or (not aliases and driving.alias in outer):
            post.append(conjunct)
        elif aliases <= {driving.alias}:
            pre.append(conjunct)
        elif tables[max(position[a] for a in aliases)].kind == "right":
            # the right table's own filter: on its lookup and on its probe rows alike (it is
            # never NULL-extended, so dropping its failing rows early drops the same result rows)
            target = tables[max(position[a] for a in aliases)]
            if aliases == {target.alias} and _reads_only(conjunct, joined, target.alias):
                if conjunct not in target.conditions:
                    target.conditions.append(conjunct)
                probe_filters.setdefault(target.alias, []).append(conjunct)
            else:
                post.append(conjunct)
        elif conjunct not in tables[max(position[a] for a in aliases)].conditions:  # "x AND x" is x
            tables[max(position[a] for a in aliases)].conditions.append(conjunct)

    root_scope = Scope([ScopeTable(driving.alias, driving.info)])  # type: ignore[arg-type]
    key = None
    if earlier is not None and not driving.prefix_stages and driving.collection is not None:
        for conjunct in pre:
            key = _equality_key(conjunct, root_scope, earlier)
            if key is not None:
                pre.remove(conjunct)
                break
    stages = list(driving.prefix_stages)
    if key is not None and key[1] != "_id":  # _id is never null
        stages.append({"$match": {key[1]: {"$ne": None}}})
    if pre:
        root = SelectPlanner(root_scope, driving.collection, [], context, correlation)
        condition = root.where_filter(_conjunction(pre))
        root.flush(stages)
        stages.append({"$match": condition})
    pushdown: Optional[LimitPushdown] = LimitPushdown(len(stages), driving.alias, root_scope)
    stages.append({"$project": {"_id": 0, driving.alias: "$$ROOT"}})
    for i, table in enumerate(tables[1:], start=1):
        before = Scope([by_alias[leaf.alias] for t in tables[:i] for leaf in _leaves(t)])
        planner = SelectPlanner(before, None, [], context, correlation)
        if table.members is not None:
            stages.extend(_lookup_chain(table, planner, context))
            pushdown = None
        else:
            join_stages, one_to_one = _lookup(table, planner, context)
            stages.extend(join_stages)
            if not one_to_one:
                pushdown = None
        if table.kind in ("full", "right"):
            if i > 1 and table.collection is not None and not table.prefix_stages:
                probe: list[Any] = []
                if probe_filters.get(table.alias):
                    own = Scope([ScopeTable(table.alias, table.info)])  # type: ignore[arg-type]
                    filter_ = SelectPlanner(own, table.collection, [], context, correlation).where_filter(
                        _conjunction(probe_filters[table.alias]))
                    probe.append({"$match": filter_})
                stages.extend(_unmatched_by_window(table, {t.alias.lower() for t in joined.tables}, probe))
            else:
                left = [t for t in original if t.alias in {u.alias for u in tables[:i]}]
                right = [t for t in original if t.alias == table.alias][0]
                stages.append(_unmatched_right_rows(left, right, context, correlation))
            pushdown = None
    order = {leaf.alias: leaf.order for t in tables for leaf in _leaves(t)}
    return _Chain(driving.collection, stages, joined, post, pushdown, order, key)


def _sub_join_keyed(sub: _Table, right: _Table, context: "PlanContext", correlation: Any) -> bool:
    """Whether ``right LEFT JOIN sub`` finds a ``localField``/``foreignField`` key for the sub-join."""
    from .select import SelectPlanner

    if sub.keyed is not None:
        return sub.keyed
    here = Scope([ScopeTable(right.alias, right.info, right.alias + ".")])  # type: ignore[arg-type]
    earlier = SelectPlanner(here, None, [], context, correlation)
    members: list[_Table] = sub.members  # type: ignore[assignment]
    chain = _plan_chain(members, list(sub.conditions), context, Correlation(earlier.column), earlier)
    sub.keyed = chain.key is not None
    return sub.keyed


def _lookup_chain(sub: _Table, earlier: Any, context: "PlanContext", probe: bool = False) -> list[Any]:
    """A sub-join looked up for each earlier row: its chain as the ``$lookup`` pipeline with the ON
    condition at the end (earlier columns as ``let`` variables), then its tables moved up to the
    row's top level, next to the earlier tables (missing, read as NULL, when nothing matched)."""
    from .select import SelectPlanner

    correlation = Correlation(earlier.column)
    chain = _plan_chain(sub.members, list(sub.conditions), context, correlation, earlier)  # type: ignore[arg-type]
    pipeline = chain.stages
    if chain.post:
        planner = SelectPlanner(chain.scope, None, [], context, correlation)
        condition = planner.where_filter(_conjunction(chain.post))
        planner.flush(pipeline)
        pipeline.append({"$match": condition})
    if probe:
        pipeline.append({"$limit": 1})
    lookup: dict[str, Any] = {}
    if chain.collection is not None:
        lookup["from"] = chain.collection
    elif not pipeline or "$documents" not in pipeline[0]:
        raise NotSupportedError("joining a table-less subquery")
    if chain.key is not None:
        lookup["localField"], lookup["foreignField"] = chain.key
    if correlation.lets:
        lookup["let"] = correlation.lets
    lookup["pipeline"] = pipeline
    lookup["as"] = sub.alias
    if probe:
        return [{"$lookup": lookup}]
    unwind = {"path": f"${sub.alias}", "preserveNullAndEmptyArrays": sub.kind != "inner"}
    lift: dict[str, Any] = {"_id": 0}
    lift.update({t.alias: 1 for t in earlier.scope.tables})
    lift.update({t.alias: f"${sub.alias}.{t.alias}" for t in chain.scope.tables})
    return [{"$lookup": lookup}, {"$unwind": unwind}, {"$project": lift}]


def _unmatched_by_window(right: _Table, taken: set[str], probe_stages: list[Any]) -> list[Any]:
    """The right table's rows that match nothing, after a chain of joins (FULL, or RIGHT planned
    as an inner join), without running the chain again: every row of the right table joins the
    rows as a probe, then the rows are partitioned by the
    right document's ``_id`` (unique in its collection) and a probe stays only when no joined
    row of its partition holds that document. Rows the LEFT join left unmatched have no right
    document: they fall in the null partition and never count as a match."""
    probe, matched = _free_name("__probe", taken), _free_name("__matched", taken)
    joined_row = {"$and": [{"$eq": [{"$type": f"${probe}"}, "missing"]},
                           {"$eq": [{"$type": f"${right.alias}"}, "object"]}]}
    return [
        {"$unionWith": {"coll": right.collection, "pipeline": probe_stages + [
            {"$project": {"_id": 0, right.alias: "$$ROOT", probe: {"$literal": True}}}]}},
        {"$setWindowFields": {"partitionBy": f"${right.alias}._id",
                              "output": {matched: {"$max": {"$cond": [joined_row, 1, 0]}}}}},
        {"$match": {"$or": [{probe: {"$exists": False}}, {matched: 0}]}},
        {"$project": {probe: 0, matched: 0}},
    ]


def _free_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name`` with a number, so that it is no table alias."""
    candidate, number = name, 0
    while candidate.lower() in taken:
        number += 1
        candidate = f"{name}{number}"
    return candidate


def _unmatched_right_rows(left: list[_Table], right: _Table, context: "PlanContext",
                          correlation: Any) -> dict[str, Any]:
    """FULL JOIN's second half: the right table's rows that match no row of the left side (one
    table or the chain so far), with the left side's columns missing (NULL)."""
    from .select import SelectPlanner

    here = Scope([ScopeTable(right.alias, right.info, right.alias + ".")])  # type: ignore[arg-type]
    earlier = SelectPlanner(here, None, [], context, correlation)
    if len(left) == 1:
        anti = replace(left[0], kind="left", conditions=list(right.conditions))
        lookup = _lookup(anti, earlier, context, probe=True)[0][0]
    else:
        sub = _Table(f"__{right.alias}_match", None, None, kind="left", conditions=list(right.conditions),
                     members=left)
        lookup = _lookup_chain(sub, earlier, context, probe=True)[0]
    name = lookup["$lookup"]["as"]
    pipeline = list(right.prefix_stages) + [{"$project": {"_id": 0, right.alias: "$$ROOT"}}, lookup,
                                            {"$match": {name: {"$size": 0}}}, {"$project": {name: 0}}]
    body: dict[str, Any] = {"pipeline": pipeline}
    if right.collection is not None:
        body = {"coll": right.collection, "pipeline": pipeline}
    return {"$unionWith": body}


def _join_order(tables: list[_Table], conditions: list[ast.Expr]) -> list[_Table]:
    """An order for inner joins that never builds a cross product it can avoid.

    Greedy, as SQL planners start: the table with the most conditions of its own (filters on
    constants) drives; then each step adds a table linked to those already joined by a
    condition, so every ``$lookup`` is keyed. Inner joins commute, so the rows are the same.
    """
    scope = Scope([ScopeTable(t.alias, t.info, t.alias + ".") for t in tables])
    links = [a for a in (_aliases(c, scope) for c in conditions) if a is not None]
    own = {t.alias: sum(1 for a in links if a == {t.alias}) for t in tables}
    remaining = list(tables)
    ordered = [max(remaining, key=lambda t: own[t.alias])]  # max keeps the first on ties
    remaining.remove(ordered[0])
    while remaining:
        done = {t.alias for t in ordered}
        linked = [t for t in remaining if any(t.alias in a and a - {t.alias} and a - {t.alias} <= done for a in links)]
        chosen = max(linked or remaining, key=lambda t: own[t.alias])
        ordered.append(chosen)
        remaining.remove(chosen)
    return ordered


def _conjunction(conditions: list[ast.Expr]) -> Optional[ast.Expr]:
    result: Optional[ast.Expr] = None
    for condition in conditions:
        result = condition if result is None else ast.Binary("and", result, condition, pos=condition.pos)
    return result


def _equality_key(condition: ast.Expr, inner: Scope, earlier: Any) -> Optional[tuple[str, str]]:
    """(localField, foreignField) when ``condition`` is ``earlier.column = joined.column``."""
    if not (isinstance(condition, ast.Binary) and condition.op == "="):
        return None
    for local, foreign in ((condition.left, condition.right), (condition.right, condition.left)):
        if isinstance(local, ast.Column) and isinstance(foreign, ast.Column):
            try:
                foreign_binding = inner.resolve(foreign)
                local_binding = earlier.scope.resolve(local)
            except ProgrammingError:
                continue
            return local_binding.path, foreign_binding.path
    return None


def _unique_field(info: TableInfo, path: str) -> bool:
    if path == "_id":
        return True
    return any(len(u) == 1 and info.column(u[0]) is not None and info.column(u[0]).field == path  # type: ignore[union-attr]
               for u in info.unique)


def _lookup(table: _Table, earlier: Any, context: "PlanContext", probe: bool = False) -> tuple[list[Any], bool]:
    """The join stages, and whether they keep each earlier row exactly once (``probe``: only the
    ``$lookup``, stopping at the first match, for an anti-join)."""
    from .select import SelectPlanner

    inner_scope = Scope([ScopeTable(table.alias, table.info)])
    conditions = list(table.conditions)
    key = None
    if not table.prefix_stages:
        for condition in conditions:
            key = _equality_key(condition, inner_scope, earlier)
            if key is not None:
                conditions.remove(condition)
                break
    correlation = Correlation(earlier.column)
    inner = SelectPlanner(inner_scope, table.collection, [], context, correlation)
    pipeline = list(table.prefix_stages)
    if key is not None and key[1] != "_id":  # _id is never null
        pipeline.append({"$match": {key[1]: {"$ne": None}}})
    if conditions:
        condition = inner.where_filter(_conjunction(conditions))
        inner.flush(pipeline)
        pipeline.append({"$match": condition})
    if probe:
        pipeline.append({"$limit": 1})
    lookup: dict[str, Any] = {}
    if table.collection is not None:
        lookup["from"] = table.collection
    elif not pipeline or "$documents" not in pipeline[0]:
        raise NotSupportedError("joining a table-less subquery")
    if key is not None:
        lookup["localField"], lookup["foreignField"] = key
    if correlation.lets:
        lookup["let"] = correlation.lets
    lookup["pipeline"] = pipeline
    lookup["as"] = table.alias
    outer = table.kind in ("left", "full")
    unwind = {"path": f"${table.alias}", "preserveNullAndEmptyArrays": outer}
    one_to_one = outer and key is not None and _unique_field(table.info, key[1])
    return [{"$lookup": lookup}, {"$unwind": unwind}], one_to_one
