"""Incremental facts never drop a row whose commit lands late (ADR 0012).

Two real writers (`lakehouse ingest`) append to processed.events; the first stamps its rows, writes its data files
and is held before its commit (the writer's barrier failpoint) while the second, stamped later, commits; dbt runs
in between. A watermark on _ingested_at then skips the first batch forever. The facts must still end up holding
every key of their source, and the dbt test that checks this must fail when a fact lacks a key or holds a stale
version.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import contract_tables
import duckdb
import sample_rows
from conftest import REPO, Warehouse

CLI = REPO / 'src' / 'cli' / 'main.ts'
BARRIER_WAIT_S = 60


def _node() -> str:
    node = shutil.which('node')
    if node is None:
        raise RuntimeError('node is not on PATH: run `eval "$(bash scripts/bootstrap.sh --python)"` first')
    return node


def _events_file(path: Path, events: list[dict[str, Any]]) -> Path:
    """Events as a producer sends them: contract fields only (the record path derives event_date, adds lineage)."""

    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        return value

    fields = contract_tables.contract('events')['properties']
    path.write_text(''.join(json.dumps({k: plain(e[k]) for k in fields}) + '\n' for e in events))
    return path


def _ingest(root: Path, events_file: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            _node(),
            str(CLI),
            'ingest',
            str(events_file),
            *('--table', 'processed.events', '--contract', 'events', '--warehouse', str(root)),
        ],
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _committed(writer: subprocess.Popen[str]) -> dict[str, Any]:
    stdout, stderr = writer.communicate(timeout=120)
    assert writer.returncode == 0, stderr
    summary = json.loads(stdout)
    assert summary['committed'] is True, summary
    return summary


def _event_ids(wh: Warehouse, table: str) -> set[str]:
    return {row[0] for row in wh.query(f'select event_id from {table}')}


def _events_warehouse(tmp_path: Path, now: datetime) -> Warehouse:
    """users and orders written by pyiceberg, processed.events created and first filled by the real writer."""
    root = tmp_path / 'lakehouse'
    tables = contract_tables.create_tables(contract_tables.catalog(root), ('users', 'orders'))
    wh = Warehouse(root=root, tables=tables, tmp=tmp_path)
    first = sample_rows.first_load(now - timedelta(hours=1))
    wh.append({'users': first['users'], 'orders': first['orders']})
    _committed(_ingest(root, _events_file(tmp_path / 'first.ndjson', first['events'])))
    return wh


def test_a_batch_committed_after_a_later_one_still_reaches_fct_events(tmp_path: Path, now: datetime) -> None:
    wh = _events_warehouse(tmp_path, now)
    built = wh.dbt('build', '--target', 'local')
    assert built.returncode == 0, built.output

    # Writer A stamps _ingested_at, writes its data files, and is held before committing.
    barrier = tmp_path / 'barrier'
    held_events = [sample_rows._event(i, now) for i in range(300, 320)]
    held = _ingest(
        wh.root,
        _events_file(tmp_path / 'held.ndjson', held_events),
        {'LAKEHOUSE_BARRIER_AT': 'after-data-files', 'LAKEHOUSE_BARRIER_FILE': str(barrier)},
    )
    deadline = time.monotonic() + BARRIER_WAIT_S
    while not any(tmp_path.glob('barrier.*')):
        assert held.poll() is None and time.monotonic() < deadline, 'writer A never reached its barrier'
        time.sleep(0.05)

    # Writer B starts later (a later stamp) and commits first; the fact is refreshed before A commits.
    later_events = [sample_rows._event(i, now) for i in range(320, 340)]
    later = _committed(_ingest(wh.root, _events_file(tmp_path / 'later.ndjson', later_events)))
    # The models only, from the sources up (a source is re-read when a model that references it runs).
    refreshed = wh.dbt('run', '--target', 'local', '--select', '+fct_events')
    assert refreshed.returncode == 0, refreshed.output
    assert held.poll() is None, 'writer A committed before the fact was refreshed (barrier timed out?)'
    held_ids = {e['event_id'] for e in held_events}
    loaded = _event_ids(wh, 'marts.fct_events')
    assert {e['event_id'] for e in later_events} <= loaded
    assert not held_ids & loaded

    barrier.touch()
    held_summary = _committed(held)

    # The commits really landed out of order: A's rows carry the older stamp but the later snapshot.
    events_table = contract_tables.catalog(wh.root).load_table('processed.events')
    lineage = events_table.scan(selected_fields=('_source', '_ingested_at')).to_arrow()
    stamps = lineage.group_by('_source').aggregate([('_ingested_at', 'max')]).to_pydict()
    stamp_of = dict(zip(stamps['_source'], stamps['_ingested_at_max']))
    assert stamp_of[str(tmp_path / 'held.ndjson')] < stamp_of[str(tmp_path / 'later.ndjson')]
    order = [s.snapshot_id for s in events_table.snapshots()]
    assert order.index(int(held_summary['snapshot_id'])) > order.index(int(later['snapshot_id']))

    final = wh.dbt('build', '--target', 'local')
    assert final.returncode == 0, final.output
    source_ids = {row['event_id'] for row in events_table.scan(selected_fields=('event_id',)).to_arrow().to_pylist()}
    assert _event_ids(wh, 'marts.fct_events') == source_ids
    assert held_ids <= source_ids
    [(rows, keys)] = wh.query('select count(*), count(distinct event_id) from marts.fct_events')
    assert rows == keys == len(source_ids)


def test_completeness_test_fails_on_a_missing_key_or_a_stale_version(warehouse: Warehouse) -> None:
    built = warehouse.dbt('build', '--target', 'local')
    assert built.returncode == 0, built.output

    # What a watermark that skipped a late commit leaves behind: an event missing, an order at an older version.
    con = duckdb.connect(config={'autoinstall_known_extensions': False, 'autoload_known_extensions': False})
    try:
        con.execute(f"ATTACH '{warehouse.root / 'marts.duckdb'}' AS lakehouse")
        con.execute("delete from lakehouse.marts.fct_events where event_id = '00000000-0000-4000-8000-000000000042'")
        con.execute(
            "update lakehouse.marts.fct_orders set ingested_at = ingested_at - interval 1 day "
            "where order_id = 'o00000003'"
        )
    finally:
        con.close()

    checked = warehouse.dbt('test', '--target', 'local', '--select', 'fct_events', 'fct_orders')
    assert checked.returncode != 0, checked.output
    assert checked.run_results is not None
    failed = {
        r['unique_id'].split('.')[2]: r['failures']
        for r in checked.run_results['results']
        if r['status'] == 'fail'
    }
    assert failed == {
        'lakehouse_holds_every_source_key_fct_events_event_id__source_processed_events____ingested_at__ingested_at': 1,
        'lakehouse_holds_every_source_key_fct_orders_order_id__source_processed_orders____ingested_at__ingested_at': 1,
    }, checked.output
