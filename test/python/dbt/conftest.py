"""Fixtures: a temporary local warehouse holding the sample Iceberg tables, and a dbt runner over it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).parent))

import contract_tables  # noqa: E402
import sample_rows  # noqa: E402

REPO = Path(__file__).resolve().parents[3]
PROJECT = REPO / 'dbt_project'
DBT = Path(sys.executable).parent / 'dbt'


@dataclass
class DbtResult:
    returncode: int
    output: str
    run_results: dict[str, Any] | None
    sources: dict[str, Any] | None = None


@dataclass
class Warehouse:
    root: Path
    tables: dict[str, Any]
    tmp: Path

    def append(self, load: dict[str, list[dict[str, Any]]]) -> None:
        for name, rows in load.items():
            contract_tables.append(self.tables[name], rows)

    def dbt(self, *args: str, env: dict[str, str] | None = None) -> DbtResult:
        return run_dbt(self.tmp, *args, env={'LAKEHOUSE_HOME': str(self.root), **(env or {})})

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        # Attach under an alias: a database file named marts.duckdb would otherwise make `marts.x` ambiguous.
        con = duckdb.connect(config={'autoinstall_known_extensions': False, 'autoload_known_extensions': False})
        try:
            con.execute(f"ATTACH '{self.root / 'marts.duckdb'}' AS lakehouse (READ_ONLY)")
            con.execute('USE lakehouse')
            con.execute("SET TimeZone = 'UTC'")
            return con.execute(sql).fetchall()
        finally:
            con.close()


def run_dbt(tmp: Path, *args: str, env: dict[str, str]) -> DbtResult:
    """The documented command line, with dbt's own files (target/, logs/) kept out of the source tree."""
    if not DBT.exists():
        raise RuntimeError(f'dbt is not installed at {DBT}: run `bash scripts/bootstrap.sh --python`')
    target = tmp / 'dbt-target'
    full_env = {
        **os.environ,
        'DBT_TARGET_PATH': str(target),
        'DBT_LOG_PATH': str(tmp / 'dbt-logs'),
        'DBT_SEND_ANONYMOUS_USAGE_STATS': 'false',
        'DBT_USE_COLORS': 'false',
        **env,
    }
    proc = subprocess.run(
        [str(DBT), *args, '--project-dir', str(PROJECT), '--profiles-dir', str(PROJECT)],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return DbtResult(proc.returncode, proc.stdout + proc.stderr, _take_json(target / 'run_results.json'), _take_json(target / 'sources.json'))


def _take_json(path: Path) -> dict[str, Any] | None:
    # Removed once read, so the next command cannot be judged on this one's results.
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    path.unlink()
    return data


@pytest.fixture
def now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


@pytest.fixture
def warehouse(tmp_path: Path, now: datetime) -> Warehouse:
    """A warehouse at tmp_path/lakehouse with the first sample load committed (ingested an hour ago)."""
    root = tmp_path / 'lakehouse'
    tables = contract_tables.create_tables(contract_tables.catalog(root))
    wh = Warehouse(root=root, tables=tables, tmp=tmp_path)
    wh.append(sample_rows.first_load(now - timedelta(hours=1)))
    return wh


@pytest.fixture(scope='module')
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Warehouse, DbtResult]:
    """One `dbt build --target local` over the first load, shared by the read-only assertions of a module."""
    tmp = tmp_path_factory.mktemp('built')
    root = tmp / 'lakehouse'
    tables = contract_tables.create_tables(contract_tables.catalog(root))
    wh = Warehouse(root=root, tables=tables, tmp=tmp)
    wh.append(sample_rows.first_load(datetime.now(timezone.utc) - timedelta(hours=1)))
    return wh, wh.dbt('build', '--target', 'local')
