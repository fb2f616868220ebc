"""Rows of a correlated subquery as one JSON column: a parent row and its few children
in one statement, on SQLite and PostgreSQL alike.

`json_rows(a, b)` is `json_group_array(json_array(a, b))` on SQLite and
`json_agg(json_build_array(a, b))` on PostgreSQL; no rows give an empty list on both.
Values come back as JSON gives them: strings and numbers (a date as `YYYY-MM-DD`, a
timestamp in ISO form), for the caller to read back with the column's type in mind.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ColumnExpressionArgument
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class json_rows(FunctionElement[Any]):
    type = JSON()
    inherit_cache = True
    name = "json_rows"

    def __init__(self, *columns: ColumnExpressionArgument[Any]) -> None:
        super().__init__(*columns)


@compiles(json_rows, "sqlite")
def _sqlite(element: json_rows, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"


@compiles(json_rows, "postgresql")
def _postgresql(element: json_rows, compiler: SQLCompiler, **kw: Any) -> str:
    inner = compiler.process(element.clauses, **kw)
    return f"coalesce(json_agg(json_build_array({inner})), '[]'::json)"
