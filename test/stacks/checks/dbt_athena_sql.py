"""Compiles dbt_project/ for an Athena target with no AWS account, and prints what the build would run.

Run with the dbt venv: `python dbt_athena_sql.py '{"project": "...", "target": "dev", "env": {...}, "work": "<dir>"}'`.
Prints one JSON object: {"nodes": [...], "sources": [...]}, each node with its unique_id, resource_type, the
relation it builds (database, schema, identifier), materialization and compiled SQL; each source with its relation.

Offline: the only thing compiling asks AWS is whether an incremental model's table already exists (dbt's
is_incremental() calls adapter.get_relation, which asks Glue). That one method is answered here instead, and the
project is compiled twice: as a first build (no table yet) and as a later build (every table exists), so the SQL of
both branches of every incremental model is checked.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any


def compile_once(project: str, target: str, work: Path, tables_exist: bool) -> dict[str, Any]:
    from dbt.adapters.athena.impl import AthenaAdapter
    from dbt.cli.main import dbtRunner

    def get_relation(self: Any, database: str, schema: str, identifier: str, *_: Any, **__: Any) -> Any:
        if not tables_exist:
            return None
        return self.Relation.create(database=database, schema=schema, identifier=identifier, type='table')

    original = AthenaAdapter.get_relation
    AthenaAdapter.get_relation = get_relation  # type: ignore[method-assign]
    target_path = work / ('later' if tables_exist else 'first')
    try:
        result = dbtRunner().invoke(
            [
                'compile',
                '--target',
                target,
                '--project-dir',
                project,
                '--profiles-dir',
                project,
                '--target-path',
                str(target_path),
                '--no-populate-cache',
                '--quiet',
            ]
        )
    finally:
        AthenaAdapter.get_relation = original  # type: ignore[method-assign]
    if not result.success:
        raise SystemExit(f'dbt compile failed (tables_exist={tables_exist}): {result.exception}')
    return json.loads((target_path / 'manifest.json').read_text())


def main() -> None:
    args = json.loads(sys.argv[1])
    os.environ.update(args['env'])
    os.environ.update(
        {
            'DBT_LOG_PATH': str(Path(args['work']) / 'logs'),
            'DBT_SEND_ANONYMOUS_USAGE_STATS': 'false',
            'DBT_USE_COLORS': 'false',
        }
    )
    nodes: list[dict[str, Any]] = []
    sources: list[dict[str, Any]] = []
    for tables_exist in (False, True):
        manifest = compile_once(args['project'], args['target'], Path(args['work']), tables_exist)
        if manifest['metadata']['adapter_type'] != 'athena':
            raise SystemExit(f"compiled for {manifest['metadata']['adapter_type']}, not athena")
        for node in manifest['nodes'].values():
            if node['resource_type'] not in ('model', 'snapshot', 'test', 'analysis', 'seed'):
                continue
            nodes.append(
                {
                    'unique_id': node['unique_id'],
                    'resource_type': node['resource_type'],
                    'incremental_branch': tables_exist,
                    'database': node['database'],
                    'schema': node['schema'],
                    'identifier': node.get('alias') or node['name'],
                    'materialized': node['config'].get('materialized'),
                    'path': node['original_file_path'],
                    'compiled_sql': node.get('compiled_code'),
                }
            )
        if not sources:
            sources = [
                {
                    'unique_id': s['unique_id'],
                    'database': s['database'],
                    'schema': s['schema'],
                    'identifier': s['identifier'],
                }
                for s in manifest['sources'].values()
            ]
    print(json.dumps({'nodes': nodes, 'sources': sources}))


if __name__ == '__main__':
    main()
