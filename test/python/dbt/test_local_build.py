"""`dbt build --target local` over the sample Iceberg tables: every model, snapshot and data test passes, and the
marts hold what the sample implies."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import contract_tables
import sample_rows
from conftest import DbtResult, Warehouse


def test_build_runs_every_node_and_all_pass(built: tuple[Warehouse, DbtResult]) -> None:
    wh, result = built
    assert result.returncode == 0, result.output
    assert result.run_results is not None
    statuses = {r['unique_id']: r['status'] for r in result.run_results['results']}
    assert {s for s in statuses.values()} <= {'success', 'pass'}, result.output
    kinds = {uid.split('.')[0] for uid in statuses}
    assert kinds == {'model', 'snapshot', 'test'}
    for model in ('fct_events', 'fct_orders', 'fct_order_items', 'dim_users', 'dim_date', 'dim_products'):
        assert f'model.lakehouse.{model}' in statuses
    tests = [uid for uid in statuses if uid.startswith('test.')]
    assert any('relationships_fct_events_user_sk' in t for t in tests)
    assert any('not_null_fct_events_user_sk' in t for t in tests)
    assert any('not_null_fct_orders_user_sk' in t for t in tests)
    assert any('holds_every_source_key_fct_events_event_id' in t for t in tests)
    assert any('holds_every_source_key_fct_orders_order_id' in t for t in tests)
    assert any('accepted_values_fct_orders_status' in t for t in tests)
    assert any('lakehouse_range_' in t for t in tests)
    assert (wh.root / 'marts.duckdb').is_file()


def test_marts_are_queryable_by_schema_and_name(built: tuple[Warehouse, DbtResult]) -> None:
    wh, _ = built
    load = sample_rows.first_load(sample_rows.BASE)
    distinct_events = {e['event_id'] for e in load['events']}
    assert wh.query('select count(*), count(distinct event_id) from marts.fct_events') == [
        (len(distinct_events), len(distinct_events))
    ]
    purchases = {e['event_id']: e['amount'] for e in load['events'] if e['amount'] is not None}
    [(total,)] = wh.query("select sum(amount) from marts.fct_events where event_type = 'purchase'")
    assert total == sum(purchases.values(), Decimal('0'))  # exact decimals end to end
    # The re-delivered event keeps one row, from the later delivery.
    assert wh.query("select count(*) from marts.fct_events where event_id like '%000000000007'") == [(1,)]


def test_marts_answer_when_the_file_is_attached_as_marts(built: tuple[Warehouse, DbtResult]) -> None:
    # How `lakehouse query` attaches it: catalog marts, so `marts.x` means marts.main.x (views over the marts schema).
    import duckdb

    wh, _ = built
    con = duckdb.connect(config={'autoinstall_known_extensions': False, 'autoload_known_extensions': False})
    try:
        con.execute(f"ATTACH '{wh.root / 'marts.duckdb'}' AS marts (READ_ONLY)")
        for name in ('fct_events', 'fct_orders', 'fct_order_items', 'dim_users', 'dim_date', 'dim_products'):
            [(via_view,)] = con.execute(f'select count(*) from marts.{name}').fetchall()
            [(table,)] = con.execute(f'select count(*) from marts.marts.{name}').fetchall()
            assert via_view == table > 0, name
    finally:
        con.close()


def test_fct_orders_holds_the_latest_version_with_item_totals(built: tuple[Warehouse, DbtResult]) -> None:
    wh, _ = built
    rows = wh.query(
        "select status, line_count, units, items_subtotal, total_amount from marts.fct_orders where order_id = 'o00000001'"
    )
    # o00000001 arrived as placed (1 line) then paid (2 lines: 1 kettle + 2 teapots).
    assert rows == [('paid', 2, 3, Decimal('88.90'), Decimal('88.90'))]
    [(orders,)] = wh.query('select count(*) from marts.fct_orders')
    assert orders == 8


def test_dim_users_is_scd2_over_the_version_history(built: tuple[Warehouse, DbtResult]) -> None:
    wh, _ = built
    rows = wh.query(
        "select country, plan, valid_from, valid_to, is_current from marts.dim_users "
        "where user_id = 'u000001' order by valid_from"
    )
    assert [(r[0], r[1], r[4]) for r in rows] == [('DE', 'free', False), ('FR', 'pro', True)]
    (_, _, from_1, to_1, _), (_, _, from_2, to_2, _) = rows
    assert from_1 < to_1 == from_2  # no overlap, no gap
    assert to_2 is None  # the current row is open-ended
    assert wh.query("select count(*) from marts.dim_users where user_id = 'u000002'") == [(1,)]


def test_facts_point_at_the_user_version_valid_at_event_time(built: tuple[Warehouse, DbtResult]) -> None:
    wh, _ = built
    rows = wh.query(
        "select d.country, count(*) from marts.fct_events f join marts.dim_users d on d.user_sk = f.user_sk "
        "where f.user_id = 'u000001' and f.event_ts < d.valid_from group by 1"
    )
    assert rows == []  # never a version that started after the event
    countries = dict(
        wh.query(
            "select d.country, count(*) from marts.fct_events f join marts.dim_users d on d.user_sk = f.user_sk "
            "where f.user_id = 'u000001' group by 1"
        )
    )
    assert set(countries) == {'DE', 'FR'}  # events before and after the move


def test_every_fact_finds_a_user_version_or_the_unknown_member(built: tuple[Warehouse, DbtResult]) -> None:
    wh, _ = built
    for fact in ('fct_events', 'fct_orders'):
        assert wh.query(f'select count(*) from marts.{fact} where user_sk is null') == [(0,)], fact
    # Early-arriving fact: an event older than the account attaches to the user's first version.
    assert wh.query(
        "select d.user_id, d.version_number, d.country from marts.fct_events f join marts.dim_users d "
        f"on d.user_sk = f.user_sk where f.event_id = '{sample_rows.EARLY_EVENT_ID}'"
    ) == [('u000003', 1, 'DE')]
    # Late-arriving dimension: a user with no profile yet is the unknown member, a real row of dim_users.
    assert wh.query(
        "select f.user_id, f.user_sk, d.user_id, d.full_name, d.country from marts.fct_events f "
        f"join marts.dim_users d on d.user_sk = f.user_sk where f.event_id = '{sample_rows.LATE_USER_EVENT_ID}'"
    ) == [(sample_rows.LATE_USER_ID, '-1', None, 'Unknown user', 'ZZ')]
    [(unknown_members,)] = wh.query("select count(*) from marts.dim_users where user_sk = '-1'")
    assert unknown_members == 1


def test_dim_date_covers_every_fact_date(built: tuple[Warehouse, DbtResult]) -> None:
    wh, _ = built
    assert wh.query(
        'select count(*) from marts.fct_events f left join marts.dim_date d on d.date_day = f.event_date '
        'where d.date_day is null'
    ) == [(0,)]
    [(days, distinct_keys)] = wh.query('select count(*), count(distinct date_key) from marts.dim_date')
    assert days == distinct_keys and days >= 15


def test_source_freshness_passes_on_fresh_data(built: tuple[Warehouse, DbtResult]) -> None:
    wh, _ = built
    result = wh.dbt('source', 'freshness', '--target', 'local')
    assert result.returncode == 0, result.output
    assert result.sources is not None
    assert sorted((r['unique_id'], r['status']) for r in result.sources['results']) == [
        ('source.lakehouse.processed.events', 'pass'),
        ('source.lakehouse.processed.orders', 'pass'),
        ('source.lakehouse.processed.users', 'pass'),
    ]


def test_source_freshness_errors_on_stale_data(tmp_path: Path) -> None:
    root = tmp_path / 'lakehouse'
    tables = contract_tables.create_tables(contract_tables.catalog(root))
    wh = Warehouse(root=root, tables=tables, tmp=tmp_path)
    wh.append(sample_rows.first_load(datetime.now(timezone.utc) - timedelta(days=5)))
    result = wh.dbt('source', 'freshness', '--target', 'local')
    assert result.returncode != 0
    assert result.sources is not None
    assert {r['status'] for r in result.sources['results']} == {'error'}
