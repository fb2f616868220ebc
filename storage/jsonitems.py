"""The elements of a JSON array column as rows, on SQLite and PostgreSQL alike: a
list kept in one column (the members an audit entry mentions) can then be joined to
the table it points into, in the statement that reads the rows holding it.

`json_items(column).table_valued("value")` is `json_each(column)` on SQLite and
`json_array_elements_text(column)` on PostgreSQL; both name the element `value`, and
a NULL column gives no rows on both. PostgreSQL gives the elements as text and
SQLite as their JSON type, so cast `value` to the type meant. Put it in a join
(`ON true`) after the table holding the column: both databases let a function there
read the columns of the tables before it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnExpressionArgument
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class json_items(FunctionElement[Any]):
    inherit_cache = True
    name = "json_items"

    def __init__(self, column: ColumnExpressionArgument[Any]) -> None:
        super().__init__(column)


@compiles(json_items, "sqlite")
def _sqlite(element: json_items, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_each({compiler.process(element.clauses, **kw)})"


@compiles(json_items, "postgresql")
def _postgresql(element: json_items, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_array_elements_text({compiler.process(element.clauses, **kw)})"
