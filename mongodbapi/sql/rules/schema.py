"""DDL: CREATE/DROP TABLE and INDEX, ALTER TABLE, column and table constraints.

Part of the inline transformer (:mod:`mongodbapi.sql.transformer`): each method builds the
node of the grammar rule it is named after.
"""

from __future__ import annotations

from typing import Any

from lark import Token

from .. import ast
from .common import Name, has_token, nodes_of, pos_of


class Schema:
    """The schema rules of ``grammar/sql.lark``."""

    def if_not_exists(self, children: list[Any]) -> str:
        return "if_not_exists"

    def if_exists(self, children: list[Any]) -> str:
        return "if_exists"

    def ref_effect(self, children: list[Token]) -> str:
        return " ".join(str(c).upper() for c in children)

    def ref_action(self, children: list[Any]) -> tuple[str, str] | None:
        if has_token(children, "DELETE"):
            return ("on_delete", children[-1])
        return None

    def references(self, children: list[Any]) -> ast.References:
        table = next(c for c in children if isinstance(c, Name))
        columns = next((c for c in children if isinstance(c, tuple) and all(isinstance(x, str) for x in c)
                        and not (c and c[0] == "on_delete")), ())
        on_delete = next((c[1] for c in children if isinstance(c, tuple) and c and c[0] == "on_delete"), None)
        return ast.References(str(table), columns, on_delete, pos=table.pos)

    def pk_constraint(self, children: list[Any]) -> dict[str, Any]:
        options = {"primary_key": True, "not_null": True}
        if "autoincrement" in children:  # absent: keep what an earlier AUTO_INCREMENT said
            options["autoincrement"] = True
        return options

    def autoincrement(self, children: list[Any]) -> str:
        return "autoincrement"

    def deferrable_constraint(self, children: list[Any]) -> dict[str, Any]:
        return {}

    def not_null_constraint(self, children: list[Any]) -> dict[str, Any]:
        return {"not_null": True}

    def null_constraint(self, children: list[Any]) -> dict[str, Any]:
        return {}

    def unique_constraint(self, children: list[Any]) -> dict[str, Any]:
        return {"unique": True}

    def default_constraint(self, children: list[Any]) -> dict[str, Any]:
        return {"default": children[-1]}

    def references_constraint(self, children: list[Any]) -> dict[str, Any]:
        return {"references": children[0]}

    def check_constraint(self, children: list[Any]) -> dict[str, Any]:
        return {"check": nodes_of(children, ast.Expr)[0]}

    def autoincrement_constraint(self, children: list[Any]) -> dict[str, Any]:
        return {"autoincrement": True}

    def identity_constraint(self, children: list[Any]) -> dict[str, Any]:
        return {"autoincrement": True, "not_null": True}

    def collate_constraint(self, children: list[Any]) -> dict[str, Any]:
        return {}

    def column_constraint(self, children: list[Any]) -> dict[str, Any]:
        return children[-1]

    def column_def(self, children: list[Any]) -> ast.ColumnDef:
        name = children[0]
        type_ = next((c for c in children if isinstance(c, ast.TypeName)), None)
        options: dict[str, Any] = {}
        for child in children:
            if isinstance(child, dict):
                options.update(child)
        if type_ is not None and type_.name in ("SERIAL", "BIGSERIAL", "SMALLSERIAL"):
            options["autoincrement"] = True
            options["not_null"] = True
            type_ = ast.TypeName({"SERIAL": "INTEGER", "BIGSERIAL": "BIGINT"}.get(type_.name, "SMALLINT"))
        return ast.ColumnDef(str(name), type_, pos=name.pos, **options)

    def pk_table_constraint(self, children: list[Any]) -> ast.TableConstraint:
        return ast.TableConstraint("primary_key", None, tuple(str(c) for c in children if isinstance(c, Name)))

    def unique_table_constraint(self, children: list[Any]) -> ast.TableConstraint:
        return ast.TableConstraint("unique", None, tuple(str(c) for c in children if isinstance(c, Name)))

    def fk_table_constraint(self, children: list[Any]) -> ast.TableConstraint:
        columns = next(c for c in children if isinstance(c, tuple))
        return ast.TableConstraint("foreign_key", None, columns, references=nodes_of(children, ast.References)[0])

    def check_table_constraint(self, children: list[Any]) -> ast.TableConstraint:
        return ast.TableConstraint("check", None, check=nodes_of(children, ast.Expr)[0])

    def table_constraint(self, children: list[Any]) -> ast.TableConstraint:
        constraint = nodes_of(children, ast.TableConstraint)[0]
        name = next((str(c) for c in children if isinstance(c, Name)), None)
        return ast.TableConstraint(constraint.kind, name, constraint.columns, constraint.references,
                                   constraint.check, pos=pos_of(children))

    def create_table(self, children: list[Any]) -> ast.CreateTable:
        table = next(c for c in children if isinstance(c, Name))
        return ast.CreateTable(str(table), "if_not_exists" in children, tuple(nodes_of(children, ast.ColumnDef)),
                               tuple(nodes_of(children, ast.TableConstraint)), pos=pos_of(children))

    def drop_table(self, children: list[Any]) -> ast.DropTable:
        return ast.DropTable(tuple(str(c) for c in children if isinstance(c, Name)), "if_exists" in children,
                             pos=pos_of(children))

    def add_column(self, children: list[Any]) -> ast.AlterAction:
        column = nodes_of(children, ast.ColumnDef)[0]
        return ast.AlterAction("add_column", column.name, column_def=column, if_exists="if_not_exists" in children)

    def drop_column(self, children: list[Any]) -> ast.AlterAction:
        name = next(c for c in children if isinstance(c, Name))
        return ast.AlterAction("drop_column", str(name), if_exists="if_exists" in children)

    def rename_column(self, children: list[Any]) -> ast.AlterAction:
        old, new = [c for c in children if isinstance(c, Name)]
        return ast.AlterAction("rename_column", str(old), new_name=str(new))

    def rename_table(self, children: list[Any]) -> ast.AlterAction:
        return ast.AlterAction("rename_table", new_name=str(children[-1]))

    def set_type(self, children: list[Any]) -> ast.AlterAction:
        return ast.AlterAction("set_type", type=nodes_of(children, ast.TypeName)[0])

    def set_not_null(self, children: list[Any]) -> ast.AlterAction:
        return ast.AlterAction("set_not_null")

    def drop_not_null(self, children: list[Any]) -> ast.AlterAction:
        return ast.AlterAction("drop_not_null")

    def set_default(self, children: list[Any]) -> ast.AlterAction:
        return ast.AlterAction("set_default", default=children[-1])

    def drop_default(self, children: list[Any]) -> ast.AlterAction:
        return ast.AlterAction("drop_default")

    def restart(self, children: list[Any]) -> ast.AlterAction:
        numbers = [c for c in children if isinstance(c, Token) and c.type == "NUMBER"]
        start = int(str(numbers[0])) if numbers else 1
        return ast.AlterAction("restart", default=ast.Literal(start, "integer"))

    def add_identity(self, children: list[Any]) -> ast.AlterAction:
        return ast.AlterAction("add_identity")

    def drop_identity(self, children: list[Any]) -> ast.AlterAction:
        return ast.AlterAction("drop_identity", if_exists="if_exists" in children)

    def alter_column(self, children: list[Any]) -> ast.AlterAction:
        name = next(c for c in children if isinstance(c, Name))
        action = children[-1]
        return ast.AlterAction(action.kind, str(name), type=action.type, default=action.default,
                               if_exists=action.if_exists)

    def add_constraint(self, children: list[Any]) -> ast.AlterAction:
        return ast.AlterAction("add_constraint", constraint=children[-1])

    def drop_constraint(self, children: list[Any]) -> ast.AlterAction:
        name = next(c for c in children if isinstance(c, Name))
        return ast.AlterAction("drop_constraint", str(name), if_exists="if_exists" in children)

    def alter_table(self, children: list[Any]) -> ast.AlterTable:
        table = next(c for c in children if isinstance(c, Name))
        return ast.AlterTable(str(table), tuple(nodes_of(children, ast.AlterAction)), "if_exists" in children,
                              pos=pos_of(children))

    def index_column(self, children: list[Any]) -> tuple[ast.Expr, bool]:
        return (children[0], "desc" in children[1:])

    def create_index(self, children: list[Any]) -> ast.CreateIndex:
        names = [c for c in children if isinstance(c, Name)]
        columns = tuple(c for c in children if isinstance(c, tuple) and len(c) == 2 and isinstance(c[0], ast.Expr))
        where = next((c[1] for c in children if isinstance(c, tuple) and c[0] == "where"), None)
        return ast.CreateIndex(str(names[0]), str(names[1]), columns, has_token(children, "UNIQUE"),
                               "if_not_exists" in children, where, pos=pos_of(children))

    def drop_index(self, children: list[Any]) -> ast.DropIndex:
        names = [str(c) for c in children if isinstance(c, Name)]
        return ast.DropIndex(names[0], "if_exists" in children, names[1] if len(names) > 1 else None,
                             pos=pos_of(children))
