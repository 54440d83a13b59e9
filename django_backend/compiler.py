"""Django's SQL compilers, plus one thing for ``ENFORCE_SCHEMA: False``: tables declared on first write.

With ``ENFORCE_SCHEMA: False`` a project need not run migrations. The first INSERT into a
model's table that the driver's catalog does not know declares it from the model (CREATE
TABLE with its columns, types, key sequence and indexes), so integer keys are numbered and
values come back with their types; fields added to the model later are added as columns.
"""

from __future__ import annotations

from typing import Any

from django.db.models.sql import compiler

SQLCompiler = compiler.SQLCompiler
SQLDeleteCompiler = compiler.SQLDeleteCompiler
SQLUpdateCompiler = compiler.SQLUpdateCompiler
SQLAggregateCompiler = compiler.SQLAggregateCompiler


class SQLInsertCompiler(compiler.SQLInsertCompiler):
    def execute_sql(self, returning_fields: Any = None) -> Any:
        if not self.connection.enforce_schema:
            self.connection.declare_model(self.query.get_meta().concrete_model)
        return super().execute_sql(returning_fields)
