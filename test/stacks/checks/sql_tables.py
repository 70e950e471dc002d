"""Parses SQL statements as Athena runs them (sqlglot's Athena dialect: Trino for queries and DML, Hive for DDL)
and lists every table each one reads, writes or creates, qualified with the statement's default database.

Run with the dbt venv: `python sql_tables.py '{"file": "<statements.json>"}'` where the file holds
[{"id", "sql", "database"}]. Prints [{"id", "error"?, "tables": [{"database", "table", "role"}]}]; role is
`read`, `write` (INSERT, MERGE, UPDATE, DELETE, OPTIMIZE, VACUUM) or `create` (CREATE TABLE/VIEW, CTAS); a
created table carries its LOCATION when the statement gives one.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, SqlglotError

DIALECT = 'athena'
# Athena's Iceberg maintenance statements, which sqlglot keeps as opaque commands: the table is the first name.
MAINTENANCE = re.compile(r'^\s*(OPTIMIZE|VACUUM)\s+([A-Za-z0-9_."`]+)', re.IGNORECASE)
DEFAULT_CATALOG = 'awsdatacatalog'


def qualified(table: exp.Table, database: str | None) -> dict[str, str]:
    catalog = table.catalog
    if catalog and catalog.lower() != DEFAULT_CATALOG:
        raise ValueError(f'table {table.sql(DIALECT)} is in catalog {catalog}, not {DEFAULT_CATALOG}')
    db = table.db or database
    if not db:
        raise ValueError(f'table {table.name} has no database and the statement has no default database')
    return {'database': db, 'table': table.name}


def target_table(node: exp.Expression | None) -> exp.Table | None:
    while isinstance(node, exp.Schema):
        node = node.this
    return node if isinstance(node, exp.Table) else None


def tables_of(sql: str, database: str | None) -> list[dict[str, str]]:
    maintenance = MAINTENANCE.match(sql)
    if maintenance:
        table = exp.to_table(maintenance.group(2).replace('`', ''), dialect=DIALECT)
        return [{**qualified(table, database), 'role': 'write'}]
    statements = sqlglot.parse(sql, dialect=DIALECT, error_level=ErrorLevel.RAISE)
    out: list[dict[str, str]] = []
    for statement in statements:
        if statement is None:
            continue
        if isinstance(statement, exp.Command):
            raise ValueError(f'not understood as SQL (sqlglot kept it as an opaque command): {statement.sql()[:80]}')
        targets: dict[int, str] = {}
        if isinstance(statement, exp.Create):
            created = target_table(statement.this)
            if created is not None:
                targets[id(created)] = 'create'
        elif isinstance(statement, (exp.Insert, exp.Merge, exp.Update, exp.Delete)):
            written = target_table(statement.this)
            if written is not None:
                targets[id(written)] = 'write'
        ctes = {cte.alias_or_name.lower() for cte in statement.find_all(exp.CTE)}
        for table in statement.find_all(exp.Table):
            role = targets.get(id(table), 'read')
            # A name a WITH clause defines is not a table; neither is a table function such as UNNEST.
            if role == 'read' and not table.db and table.name.lower() in ctes:
                continue
            if not table.name:
                continue
            entry = {**qualified(table, database), 'role': role}
            location = statement.find(exp.LocationProperty) if role == 'create' else None
            if location is not None:
                entry['location'] = location.this.name
            out.append(entry)
    return out


def main() -> None:
    args = json.loads(sys.argv[1])
    with open(args['file'], encoding='utf-8') as f:
        statements: list[dict[str, Any]] = json.load(f)
    results = []
    for s in statements:
        try:
            results.append({'id': s['id'], 'tables': tables_of(s['sql'], s.get('database'))})
        except (SqlglotError, ValueError) as error:
            results.append({'id': s['id'], 'tables': [], 'error': f'{type(error).__name__}: {error}'})
    print(json.dumps(results))


if __name__ == '__main__':
    main()
