"""A second `dbt build` after a second load: incremental facts touch only new or changed rows (a fact whose user
arrived late is re-pointed from the unknown member), the users snapshot records the change it observed, and columns
are still matched by Iceberg field id after the schema evolved."""

from __future__ import annotations

from datetime import datetime, timedelta

import sample_rows
from conftest import Warehouse


def _invocations(wh: Warehouse, table: str, key: str) -> dict[str, str]:
    return dict(wh.query(f'select {key}, dbt_invocation_id from marts.{table}'))


def test_second_run_touches_only_new_and_changed_rows(warehouse: Warehouse, now: datetime) -> None:
    first = warehouse.dbt('build', '--target', 'local')
    assert first.returncode == 0, first.output
    events_1 = _invocations(warehouse, 'fct_events', 'event_id')
    orders_1 = _invocations(warehouse, 'fct_orders', 'order_id')
    [run_1] = set(events_1.values())

    # Reorder the events table's columns: files written before and after now disagree on column positions, so
    # only a reader that matches columns by field id still lines the values up.
    with warehouse.tables['events'].update_schema() as update:
        update.move_first('_source')
        update.move_after('country', 'session_id')
    second_load = sample_rows.second_load(now)
    warehouse.append(second_load)

    second = warehouse.dbt('build', '--target', 'local')
    assert second.returncode == 0, second.output
    events_2 = _invocations(warehouse, 'fct_events', 'event_id')
    orders_2 = _invocations(warehouse, 'fct_orders', 'order_id')
    [run_2] = set(events_2.values()) - {run_1}

    new_events = {e['event_id'] for e in second_load['events']}
    assert set(events_2) == set(events_1) | new_events
    # The late user's profile arrived: their event moves from the unknown member to the profile's version.
    re_pointed = {sample_rows.LATE_USER_EVENT_ID}
    assert {k for k, v in events_2.items() if v == run_2} == new_events | re_pointed
    assert all(events_2[k] == run_1 for k in set(events_1) - re_pointed)  # untouched
    assert warehouse.query(
        'select d.user_id, d.country from marts.fct_events f join marts.dim_users d on d.user_sk = f.user_sk '
        f"where f.event_id = '{sample_rows.LATE_USER_EVENT_ID}'"
    ) == [(sample_rows.LATE_USER_ID, 'NL')]

    assert {k for k, v in orders_2.items() if v == run_2} == {'o00000002', 'o00000009'}
    assert all(orders_2[k] == run_1 for k in orders_1 if k != 'o00000002')
    assert warehouse.query("select status, line_count from marts.fct_orders where order_id = 'o00000002'") == [
        ('shipped', 3)
    ]

    # Values of the new, reordered files landed in the right columns.
    new_rows = warehouse.query(
        "select country, session_id, event_type from marts.fct_events where event_id in "
        f"({', '.join(repr(e) for e in sorted(new_events))}) order by event_id"
    )
    expected = sorted(second_load['events'], key=lambda e: e['event_id'])
    assert new_rows == [(e['country'], e['session_id'], e['event_type']) for e in expected]


def test_scd2_history_grows_across_runs_and_snapshot_records_it(warehouse: Warehouse, now: datetime) -> None:
    assert warehouse.dbt('build', '--target', 'local').returncode == 0
    warehouse.append({'users': sample_rows.second_load(now)['users']})
    result = warehouse.dbt('build', '--target', 'local')
    assert result.returncode == 0, result.output

    rows = warehouse.query(
        "select country, valid_from, valid_to from marts.dim_users where user_id = 'u000002' order by valid_from"
    )
    assert [r[0] for r in rows] == ['DE', 'AT']
    assert rows[0][2] == rows[1][1] and rows[1][2] is None
    moved_at = sample_rows.BASE + timedelta(days=2)
    assert rows[1][1] == moved_at

    snapshot = warehouse.query(
        "select country, dbt_valid_to is null from snapshots.users_snapshot where user_id = 'u000002' "
        'order by dbt_valid_from'
    )
    assert snapshot == [('DE', False), ('AT', True)]
