"""The Athena targets parse, and compile wherever no AWS connection is needed (incremental models ask Glue whether
their table exists, so they compile only against a real account)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_dbt

ATHENA_ENV = {
    'AWS_REGION': 'eu-west-1',
    'AWS_ACCESS_KEY_ID': 'testing',
    'AWS_SECRET_ACCESS_KEY': 'testing',
    'LAKEHOUSE_ATHENA_WORKGROUP': 'lakehouse-dev',
    'LAKEHOUSE_ATHENA_RESULTS_S3': 's3://lakehouse-dev-athena/results/',
    'LAKEHOUSE_CURATED_S3': 's3://lakehouse-dev-lake/curated/',
    'LAKEHOUSE_GLUE_DATABASE_PREFIX': 'lakehouse_dev',
    'LAKEHOUSE_PROCESSED_DATABASE': 'lakehouse_dev_processed',
}


@pytest.mark.parametrize('target', ['dev', 'staging', 'prod'])
def test_athena_targets_parse(tmp_path: Path, target: str) -> None:
    result = run_dbt(tmp_path, 'parse', '--target', target, env=ATHENA_ENV)
    assert result.returncode == 0, result.output
    manifest = json.loads((tmp_path / 'dbt-target' / 'manifest.json').read_text())
    assert manifest['metadata']['adapter_type'] == 'athena'
    nodes = manifest['nodes']
    fct_events = nodes['model.lakehouse.fct_events']
    assert fct_events['schema'] == 'lakehouse_dev_marts'
    assert fct_events['config']['table_type'] == 'iceberg'
    assert fct_events['config']['format'] == 'parquet'
    assert fct_events['config']['incremental_strategy'] == 'merge'
    assert fct_events['config']['unique_key'] == 'event_id'
    assert fct_events['config']['partitioned_by'] == ['day(event_ts)']
    assert nodes['model.lakehouse.fct_orders']['config']['partitioned_by'] == ['day(order_ts)']
    assert manifest['sources']['source.lakehouse.processed.events']['schema'] == 'lakehouse_dev_processed'


def _compile_offline(tmp_path: Path, *selection: str) -> Path:
    """`dbt compile --target dev` of the selected nodes, without a connection; returns the compiled models folder."""
    result = run_dbt(tmp_path, 'compile', '--target', 'dev', '--no-populate-cache', *selection, env=ATHENA_ENV)
    assert result.returncode == 0, result.output
    return tmp_path / 'dbt-target' / 'compiled' / 'lakehouse' / 'models'


def test_athena_compile_uses_trino_sql(tmp_path: Path) -> None:
    compiled = _compile_offline(tmp_path, '--exclude', 'config.materialized:incremental')
    items = (compiled / 'staging' / 'stg_order_items.sql').read_text()
    assert 'cross join unnest(o.line_items) with ordinality' in items
    events = (compiled / 'staging' / 'stg_events.sql').read_text()
    assert '"awsdatacatalog"."lakehouse_dev_processed"."events"' in events
    assert "cast(event_ts at time zone 'UTC' as timestamp(6))" in events
    dim_date = (compiled / 'marts' / 'dim_date.sql').read_text()
    assert 'sequence(' in dim_date and 'day_of_week(date_day)' in dim_date
    # A user's first version is valid from the start of time, typed like Athena's mart timestamps.
    versions = (compiled / 'intermediate' / 'int_user_versions.sql').read_text()
    assert "then timestamp '1900-01-01 00:00:00.000000' else updated_at end as valid_from" in versions
    dim_users = (compiled / 'marts' / 'dim_users.sql').read_text()
    assert "'-1' as user_sk" in dim_users and 'union all' in dim_users


def test_athena_compiles_the_fact_completeness_tests(tmp_path: Path) -> None:
    # A test only names its relations, so it compiles without asking Glue about the incremental facts.
    compiled = _compile_offline(tmp_path, '--select', 'test_name:holds_every_source_key')
    sql = {path.read_text() for path in (compiled / 'marts').rglob('*.sql')}
    assert len(sql) == 2
    for source, fact, key in (('events', 'fct_events', 'event_id'), ('orders', 'fct_orders', 'order_id')):
        [test] = [text for text in sql if f'"lakehouse_dev_marts"."{fact}"' in text]
        assert f'"awsdatacatalog"."lakehouse_dev_processed"."{source}"' in test
        assert f"select {key} as key_value, max(cast(_ingested_at at time zone 'UTC' as timestamp(6)))" in test
        assert 'where held.key_value is null or held.held_version < expected.latest_version' in test


def test_missing_athena_setting_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv('LAKEHOUSE_CURATED_S3', raising=False)
    env = {k: v for k, v in ATHENA_ENV.items() if k != 'LAKEHOUSE_CURATED_S3'}
    result = run_dbt(tmp_path, 'parse', '--target', 'prod', env=env)
    assert result.returncode != 0
    assert "Env var required but not provided: 'LAKEHOUSE_CURATED_S3'" in result.output
