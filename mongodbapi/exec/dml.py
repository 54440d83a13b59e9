"""INSERT, UPDATE and DELETE.

Atomicity of one statement: a statement that writes several documents runs inside a MongoDB
transaction when the server has them (joining the connection's open transaction if there is
one). Where the server has none, the driver undoes a partly applied statement itself: an
INSERT deletes the documents it already inserted, an UPDATE puts back the documents' previous
versions, which it read before writing. Either way a failed statement leaves the data as it was.

Every write reaches MongoDB through ``writes.send()``, never through pymongo directly: that is
where the connection's redo log for savepoints records it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional

from bson import ObjectId

from ..catalog import ColumnInfo, TableInfo, check_field_name
from ..errors import IntegrityError, NotSupportedError, ProgrammingError
from ..mql.expr import all_of
from ..mql.match import merge_conjuncts
from ..mql.planner import PlanContext
from ..mql.select import SelectPlanner
from ..mql.template import bind, render, template_keys
from ..plan.binder import Scope, ScopeTable
from ..sql import ast
from ..sql.walk import SUBQUERIES, param_keys, walk
from ..types import from_bson, to_bson_as
from .errors import translated
from .query import row_builder, run_query
from .residual import evaluate, row_reader
from .result import Column, Result, empty
from .writes import DELETE, INSERT, REPLACE, UPDATE, Write, send

if TYPE_CHECKING:  # pragma: no cover
    from .statement import PreparedQuery as PreparedRows


def references_row(node: Any) -> bool:
    """Whether an expression reads columns of the row (so it must run inside MongoDB)."""
    return any(isinstance(n, (ast.Column,) + SUBQUERIES) for n in walk(node))


def has_subquery(node: Any) -> bool:
    return any(isinstance(n, SUBQUERIES) for n in walk(node, into_subqueries=False))


def outer_column(node: Any) -> Optional[ast.Column]:
    """A column read outside any subquery: there is no row for it in INSERT ... VALUES."""
    return next((n for n in walk(node, into_subqueries=False) if isinstance(n, ast.Column)), None)


class ValuesQuery:
    """The items of one VALUES row that hold subqueries, computed by MongoDB as a SELECT without FROM.

    ``INSERT INTO t (a, b) VALUES (1, (SELECT MAX(x) FROM u))`` runs ``SELECT (SELECT MAX(x) FROM u)``
    (an aggregation over ``$documents``) once per parameter set, before anything is written; the
    row's other items are computed by the driver as usual. A scalar subquery that returns more
    than one row is an error there, as in SQL. Planned on first use, with the connection's
    catalog: the prepared statement it belongs to is cached per catalog version.
    """

    def __init__(self, row: tuple[ast.Expr, ...]) -> None:
        self.positions = [i for i, expr in enumerate(row) if not isinstance(expr, ast.Default) and has_subquery(expr)]
        self.select = ast.Select(ast.SelectCore(False, tuple(ast.SelectItem(row[i], None) for i in self.positions),
                                                (), None, (), None))
        self._planned: Any = None

    def values(self, connection: Any, params: Any) -> dict[int, Any]:
        if self._planned is None:
            plan = PlanContext(connection.catalog, not connection.enforce_schema).plan_query(self.select)
            self._planned = (plan, row_builder(plan))
        plan, build = self._planned
        rows = list(run_query(plan, connection.database, params, connection.statement_session(), build).rows)
        assert len(rows) == 1, "a SELECT without FROM returns one row"
        return dict(zip(self.positions, rows[0]))


def default_value(column: ColumnInfo) -> Any:
    default = column.default
    if not default:
        return None
    if "function" in default:
        return evaluate(ast.Func(default["function"], ()), None)
    return from_bson(default.get("value"))


class Returning:
    """A RETURNING list, evaluated on the documents a statement wrote."""

    def __init__(self, items: tuple[ast.Node, ...], scope: Scope) -> None:
        self.scope = scope
        self.items: list[tuple[str, ast.Expr]] = []
        for item in items:
            if isinstance(item, ast.Star):
                self.items += [(c.name, ast.Column((c.name,))) for _, c in scope.columns()]
            else:
                assert isinstance(item, ast.SelectItem)
                name = item.alias or (item.expr.parts[-1] if isinstance(item.expr, ast.Column) else "?column?")
                self.items.append((name, item.expr))

    def field_of(self, node: ast.Column) -> tuple[str, Optional[str]]:
        binding = self.scope.resolve(node)
        return binding.path, binding.type

    def description(self) -> list[Column]:
        columns = []
        for name, expr in self.items:
            type_code = self.scope.resolve(expr).type if isinstance(expr, ast.Column) else None
            columns.append(Column(name, type_code))
        return columns

    def rows(self, documents: list[dict[str, Any]], params: Any) -> list[tuple[Any, ...]]:
        return [tuple(evaluate(expr, params, row_reader(doc, self.field_of)) for _, expr in self.items)
                for doc in documents]


def run_atomically(connection: Any, work: Callable[[Any], Any], undo: Callable[[], None]) -> Any:
    """Run ``work(session)`` so that a failure leaves no partial effect."""
    if connection.in_transaction:
        return work(connection.session)
    if connection.transactions_supported:
        session = connection.session
        with translated():
            with session.start_transaction():
                return work(session)
    try:
        return work(None)
    except Exception:
        with translated():
            undo()
        raise


class InsertStatement:
    def __init__(self, node: ast.Insert, info: Optional[TableInfo], collection: str,
                 query: Optional[PreparedRows] = None) -> None:
        self.node = node
        self.info = info
        self.collection = collection
        self.query = query  # INSERT ... SELECT: the planned SELECT
        self.declared = info is not None and info.declared
        if self.declared:
            assert info is not None
            names = node.columns or tuple(c.name for c in info.columns)
            self.targets: list[ColumnInfo] = []
            for name in names:
                column = info.column(name)
                if column is None:
                    if not info.open:
                        raise ProgrammingError(f"table {info.name} has no column named {name}")
                    column = ColumnInfo(check_field_name(name), None)  # ENFORCE_SCHEMA off: kept as given
                self.targets.append(column)
        else:
            if not node.columns:
                raise ProgrammingError(f"INSERT into {collection} needs a column list: the table has no declared columns")
            self.targets = [ColumnInfo(check_field_name(n), None) for n in node.columns]
        for row in node.rows:
            if row and len(row) != len(self.targets):
                raise ProgrammingError(f"{len(row)} values for {len(self.targets)} columns")
            for value in row:
                column = outer_column(value)
                if column is not None:
                    raise ProgrammingError(f"VALUES cannot refer to columns: {'.'.join(column.parts)} "
                                           f"(line {column.pos[0]}, column {column.pos[1]})")
        # rows holding subqueries: their index -> the SELECT that computes those items
        self.values_queries = {i: ValuesQuery(row) for i, row in enumerate(node.rows) if has_subquery(row)}
        if query is not None and len(query.plan.columns) != len(self.targets):
            raise ProgrammingError(f"INSERT has {len(self.targets)} target columns but the SELECT "
                                   f"returns {len(query.plan.columns)}")
        scope_info = info or TableInfo(collection, self.targets, declared=False)
        self.returning = Returning(node.returning, Scope([ScopeTable(collection, scope_info)])) \
            if node.returning else None
        self.upsert = ConflictUpdate(node.conflict, scope_info, collection) if node.conflict is not None else None
        self.param_keys = [k for row in node.rows for v in row for k in param_keys(v)] + (
            query.param_keys if query is not None else []) + (self.upsert.param_keys if self.upsert else []) + \
            param_keys(node.returning)

    def _document(self, values: dict[str, Any]) -> dict[str, Any]:
        """A document from the given column values; other columns take their defaults."""
        return {c.field: values[c.name] if c.name in values else default_value(c) for c in self._columns()}

    def _columns(self) -> list[ColumnInfo]:
        """Every column a new row has: the declared ones and any undeclared target."""
        if not (self.declared and self.info):
            return self.targets
        declared = {id(c) for c in self.info.columns}
        return self.info.columns + [c for c in self.targets if id(c) not in declared]

    def _values(self, row: tuple[ast.Expr, ...], params: Any, computed: dict[int, Any]) -> dict[str, Any]:
        return {column.name: default_value(column) if isinstance(expr, ast.Default)
                else computed[i] if i in computed else evaluate(expr, params)
                for i, (column, expr) in enumerate(zip(self.targets, row))}

    def _rows(self, connection: Any, param_sets: list[Any]) -> list[tuple[dict[str, Any], Any]]:
        """The documents to insert, each with the parameters of the row it came from."""
        if self.query is None:
            documents = []
            for params in param_sets:
                # every subquery of the statement runs before the statement writes anything
                computed = {i: q.values(connection, params) for i, q in self.values_queries.items()}
                documents += [(self._document(self._values(row, params, computed.get(i, {}))), params)
                              for i, row in enumerate(self.node.rows)]
            return documents
        documents = []
        for params in param_sets:
            for row in self.query.run(connection, params).rows:
                documents.append((self._document({c.name: v for c, v in zip(self.targets, row)}), params))
        return documents

    def run(self, connection: Any, param_sets: list[Any]) -> Result:
        if self.values_queries and len(param_sets) > 1:
            return self._run_each(connection, param_sets)
        rows = self._rows(connection, param_sets)
        documents = [document for document, _ in rows]
        if not documents:
            return empty(None, 0)
        if self.upsert is not None:
            lastrowid = self._assign_keys(connection, documents)
            for document in documents:
                self._check_and_convert(document)
                document.setdefault("_id", ObjectId())
            written, count = self.upsert.run(connection, rows, self.returning is not None)
            connection.wrote()
            if not self.declared:
                connection.catalog.note_written(self.collection, [d for d, _ in rows])
            if self.returning is not None:
                result_rows = self.returning.rows(written, param_sets[-1] if param_sets else None)
                return Result(self.returning.description(), iter(result_rows), count, lastrowid)
            return Result(None, iter(()), count, lastrowid) if lastrowid is not None else empty(None, count)
        lastrowid = self._assign_keys(connection, documents)
        for document in documents:
            self._check_and_convert(document)
            document.setdefault("_id", ObjectId())
        if lastrowid is None and not self.declared:
            lastrowid = documents[-1]["_id"]
        if self.node.ignore_conflicts:
            documents = _without_conflicts(connection.database[self.collection], documents,
                                           connection.statement_session())
            if not documents:
                return empty(None, 0)
        insert = Write(self.collection, INSERT, tuple(documents))

        def work(session: Any) -> None:
            send(connection, insert, session)

        def undo() -> None:
            send(connection, Write(self.collection, DELETE, filter={"_id": {"$in": [d["_id"] for d in documents]}}),
                 None)

        if len(documents) == 1:
            work(connection.statement_session())
        else:
            connection.statement_session()
            run_atomically(connection, work, undo)
        connection.wrote()
        if not self.declared:
            connection.catalog.note_written(self.collection, documents)
        if self.returning is not None:
            rows = self.returning.rows(documents, param_sets[-1] if param_sets else None)
            return Result(self.returning.description(), iter(rows), len(documents), lastrowid)
        return empty(None, len(documents)) if lastrowid is None else Result(None, iter(()), len(documents), lastrowid)

    def _run_each(self, connection: Any, param_sets: list[Any]) -> Result:
        """executemany of VALUES with subqueries: one statement per parameter set, in order, so that a
        subquery sees the rows the earlier sets inserted (as running them one by one would)."""
        count, lastrowid, returned = 0, None, []
        description = None
        for params in param_sets:
            result = self.run(connection, [params])
            count += max(result.rowcount, 0)
            lastrowid = result.lastrowid if result.lastrowid is not None else lastrowid
            if self.returning is not None:
                description = result.description
                returned += list(result.rows)
        if self.returning is not None:
            return Result(description, iter(returned), count, lastrowid)
        return empty(None, count) if lastrowid is None else Result(None, iter(()), count, lastrowid)

    def explain(self) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = []
        if self.query is not None:
            rows += self.query.explain()
        shape = {c.field: _shown(expr) for c, expr in zip(self.targets, self.node.rows[0])} if self.node.rows else \
            {c.field: f"<column {i + 1} of the SELECT>" for i, c in enumerate(self.targets)}
        rows.append(("insert", {"insert": self.collection, "documents": [shape], "ordered": True}))
        if self.upsert is not None:
            rows.append(("update", self.upsert.explain()))
        return rows

    def _assign_keys(self, connection: Any, documents: list[dict[str, Any]]) -> Any:
        """Fill auto-increment columns from the table's sequence; returns the last row's key."""
        if not self.info or not self.info.auto:
            return None
        catalog = connection.catalog
        lastrowid = None
        for name in self.info.auto:
            column = self.info.column(name)
            if column is None:
                continue
            missing = [d for d in documents if d.get(column.field) is None]
            if missing:
                first = catalog.reserve_ids(self.info.name, len(missing))
                for offset, document in enumerate(missing):
                    document[column.field] = first + offset
            explicit = [d[column.field] for d in documents if d not in missing and isinstance(d[column.field], int)]
            if explicit:
                catalog.advance_sequence(self.info.name, max(explicit))
            lastrowid = documents[-1][column.field]
        return lastrowid

    def _check_and_convert(self, document: dict[str, Any]) -> None:
        """Check NOT NULL, convert values to their column types; a NULL is stored as no field."""
        for column in self._columns():
            value = document.get(column.field)
            if value is None and column.type == "OBJECTID" and self.info and column.name in self.info.primary_key:
                value = document[column.field] = ObjectId()
            if value is None:
                if column.not_null:
                    raise IntegrityError(f"NOT NULL constraint failed: {self.collection}.{column.name}")
                document.pop(column.field, None)
                continue
            document[column.field] = to_bson_as(value, column.type)


def _without_conflicts(collection: Any, documents: list[dict[str, Any]], session: Any) -> list[dict[str, Any]]:
    """ON CONFLICT DO NOTHING: the documents that collide with no unique key, stored or earlier.

    Conflicts are found before writing rather than by ignoring duplicate-key errors, because
    inside a MongoDB transaction any write error aborts the whole transaction.
    """
    with translated():
        keys = [[f for f, _ in spec["key"]] for spec in collection.index_information().values()
                if spec.get("unique") or spec["key"] == [("_id", 1)]]
        kept = documents
        for fields in keys:
            def value(document: dict[str, Any]) -> Optional[tuple[Any, ...]]:
                if any(document.get(f) is None for f in fields):
                    return None  # a NULL in the key: exempt from uniqueness
                return tuple(repr(document[f]) for f in fields)
            wanted = [d for d in kept if value(d) is not None]
            taken: set[Any] = set()
            if wanted:
                query = {"$or": [{f: d[f] for f in fields} for d in wanted]}
                taken = {value(d) for d in collection.find(query, {f: 1 for f in fields}, session=session)}
            survivors = []
            for document in kept:
                key = value(document)
                if key is None or key not in taken:
                    survivors.append(document)
                    if key is not None:
                        taken.add(key)
            kept = survivors
    return kept


def value_at(document: dict[str, Any], path: str) -> Any:
    value: Any = document
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _shown(expr: ast.Expr) -> Any:
    """How EXPLAIN shows a value the driver computes before writing."""
    if isinstance(expr, ast.Literal):
        return expr.value
    if isinstance(expr, ast.Param):
        return "%s" if isinstance(expr.key, int) else f"%({expr.key})s"
    if isinstance(expr, ast.Default):
        return "<DEFAULT>"
    return "<computed before the write>"


class RowFilter:
    """The documents a WHERE clause selects.

    A plain filter when the query language and ``$expr`` can say it; when WHERE holds
    subqueries (``$lookup`` cannot run inside a write's filter) an aggregation first finds the
    ``_id`` of every selected document, and the write then targets exactly those.
    """

    def __init__(self, planner: SelectPlanner, where: Optional[ast.Expr]) -> None:
        matches, residual = planner.where_parts(where)
        self.pipeline: Optional[list[Any]] = None
        self.filter: Any = None
        if planner.pending:
            stages: list[Any] = [{"$match": merge_conjuncts(matches)}] if matches else []
            planner.flush(stages)
            if residual:
                stages.append({"$match": {"$expr": all_of(*residual)}})
            self.pipeline = stages + [{"$project": {"_id": 1}}]
        else:
            self.filter = merge_conjuncts(matches + ([{"$expr": all_of(*residual)}] if residual else []))

    def keys(self) -> list[Any]:
        return template_keys(self.pipeline if self.pipeline is not None else self.filter)

    def render(self) -> Any:
        if self.pipeline is not None:
            return {"_id": {"$in": {"<_id of the rows found by>": {"aggregate": render(self.pipeline)}}}}
        return render(self.filter)

    def bind(self, collection: Any, params: Any, session: Any) -> Any:
        if self.pipeline is None:
            return bind(self.filter, params)
        with translated():
            ids = [d["_id"] for d in collection.aggregate(bind(self.pipeline, params), session=session)]
        return {"_id": {"$in": ids}}


class UpdateStatement:
    def __init__(self, node: ast.Update, info: TableInfo, context: Any) -> None:
        self.node = node
        self.info = info
        scope = Scope([ScopeTable(node.alias or node.table, info)])
        self.planner = SelectPlanner(scope, info.name, [], context)
        self.filter = RowFilter(self.planner, node.where)
        self.set_constants: dict[str, tuple[ColumnInfo, ast.Expr]] = {}
        self.set_expressions: dict[str, Any] = {}
        self.not_null: list[tuple[str, str]] = []  # (path, column) of NOT NULL columns set to an expression
        for assignment in node.assignments:
            binding = scope.resolve(assignment.column)
            column = binding.column
            if binding.path == "_id" and info.declared:
                raise NotSupportedError("updating a primary key column is not supported (MongoDB's _id is immutable)")
            if column is None and info.declared and not binding.subpath:
                raise ProgrammingError(f"no such column: {'.'.join(assignment.column.parts)}")
            target = column or ColumnInfo(binding.path, None)
            if isinstance(assignment.value, ast.Default) or not references_row(assignment.value):
                self.set_constants[binding.path] = (target, assignment.value)
            else:
                self.set_expressions[binding.path] = self.planner.compiler.value(assignment.value, target.type).mql
                if target.not_null:
                    self.not_null.append((binding.path, target.name))
        if self.planner.pending:
            raise NotSupportedError("UPDATE ... SET with a subquery is not supported yet")
        self.returning = Returning(node.returning, scope) if node.returning else None
        self.param_keys = self.filter.keys() + template_keys(self.set_expressions) + [
            k for _, expr in self.set_constants.values() for k in param_keys(expr)] + param_keys(node.returning)

    def explain(self) -> list[tuple[str, Any]]:
        constants = {path: _shown(expr) for path, (_, expr) in self.set_constants.items()}
        update: Any = {"$set": constants}
        if self.set_expressions:
            update = [{"$set": {**{k: {"$literal": v} for k, v in constants.items()}, **render(self.set_expressions)}}]
        return [("update", {"update": self.info.name,
                            "updates": [{"q": self.filter.render(), "u": update, "multi": True}]})]

    def _constants(self, params: Any) -> dict[str, Any]:
        values = {}
        for path, (column, expr) in self.set_constants.items():
            value = default_value(column) if isinstance(expr, ast.Default) else evaluate(expr, params)
            if value is None and column.not_null:
                raise IntegrityError(f"NOT NULL constraint failed: {self.info.name}.{column.name}")
            values[path] = to_bson_as(value, column.type)
        return values

    def _update(self, params: Any) -> Any:
        """The update document; a NULL value removes the field (NULL is stored as no field)."""
        constants = self._constants(params)
        if self.set_expressions:
            values = {k: "$$REMOVE" if v is None else {"$literal": v} for k, v in constants.items()}
            values.update({k: {"$ifNull": [v, "$$REMOVE"]} for k, v in bind(self.set_expressions, params).items()})
            return [{"$set": values}]
        update: dict[str, Any] = {}
        present = {k: v for k, v in constants.items() if v is not None}
        if present:
            update["$set"] = present
        if len(present) != len(constants):
            update["$unset"] = {k: "" for k, v in constants.items() if v is None}
        return update

    def _check_not_null(self, collection: Any, query: Any, params: Any, session: Any) -> None:
        """A NOT NULL column set to an expression that is NULL for one of the rows is an error, found
        before anything is written (a NULL result would remove the field)."""
        if not self.not_null:
            return
        values = bind({path: self.set_expressions[path] for path, _ in self.not_null}, params)
        nulls = {"$expr": {"$or": [{"$lte": [value, None]} for value in values.values()]}}
        broken = collection.find_one({"$and": [query, nulls]}, {"_id": 1}, session=session)
        if broken is not None:
            # which column: the first whose expression is NULL for that row
            for path, name in self.not_null:
                if collection.find_one({"_id": broken["_id"], "$expr": {"$lte": [values[path], None]}}, {"_id": 1},
                                       session=session) is not None:
                    raise IntegrityError(f"NOT NULL constraint failed: {self.info.name}.{name}")

    def run(self, connection: Any, params: Any) -> Result:
        collection = connection.database[self.info.name]
        update = self._update(params)
        session = connection.statement_session()
        query = self.filter.bind(collection, params, session)
        with translated():
            before = list(collection.find(query, session=session)) if not connection.in_transaction \
                and not connection.transactions_supported else []
            ids = [d["_id"] for d in collection.find(query, {"_id": 1}, session=session)] \
                if self.returning is not None else None
            self._check_not_null(collection, query, params, session)

        def work(session: Any) -> int:
            target = {"_id": {"$in": ids}} if ids is not None else query
            return send(connection, Write(self.info.name, UPDATE, filter=target, update=update), session)

        def undo() -> None:
            for document in before:
                send(connection, Write(self.info.name, REPLACE, filter={"_id": document["_id"]}, update=document), None)

        matched = run_atomically(connection, work, undo)
        connection.wrote()
        if self.returning is not None:
            with translated():
                documents = list(collection.find({"_id": {"$in": ids}}, session=connection.statement_session()))
            rows = self.returning.rows(documents, params)
            return Result(self.returning.description(), iter(rows), matched)
        return empty(None, matched)


class DeleteStatement:
    def __init__(self, node: ast.Delete, info: TableInfo, context: Any) -> None:
        self.info = info
        scope = Scope([ScopeTable(node.alias or node.table, info)])
        self.filter = RowFilter(SelectPlanner(scope, info.name, [], context), node.where)
        self.returning = Returning(node.returning, scope) if node.returning else None
        self.param_keys = self.filter.keys() + param_keys(node.returning)

    def explain(self) -> list[tuple[str, Any]]:
        return [("delete", {"delete": self.info.name, "deletes": [{"q": self.filter.render(), "limit": 0}]})]

    def run(self, connection: Any, params: Any) -> Result:
        collection = connection.database[self.info.name]
        session = connection.statement_session()
        query = self.filter.bind(collection, params, session)
        if self.returning is not None:
            with translated():
                documents = list(collection.find(query, session=session))
            deleted = send(connection, Write(self.info.name, DELETE, filter={"_id": {"$in": [d["_id"] for d in documents]}}),
                           session)
            connection.wrote()
            rows = self.returning.rows(documents, params)
            return Result(self.returning.description(), iter(rows), deleted)
        deleted = send(connection, Write(self.info.name, DELETE, filter=query), session)
        connection.wrote()
        return empty(None, deleted)


from .upsert import ConflictUpdate  # noqa: E402  (the upsert builds on the helpers above)

__all__ = ["InsertStatement", "UpdateStatement", "DeleteStatement"]
