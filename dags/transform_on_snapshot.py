"""
### transform_on_snapshot

Rebuilds the curated star schema with dbt on demand, between the daily runs of `lakehouse_pipeline` (which runs
the same dbt build inside its own execution).

* Scheduled on the asset `lakehouse_processed_tables`, which no DAG updates: it is updated by events posted to
  Airflow's REST API, by the stream processor or an operator, for commits whose data should not wait for the next
  daily run. A manual trigger runs it too.
* `start_dbt_build` starts the **transform state machine** (stack output `transform_state_machine_arn`), which
  runs `dbt build --target <env>` (dbt_project/, dbt-athena writing Iceberg under the curated layer) as a CodeBuild
  build; the extras of the triggering asset events (table, snapshot id) are passed along for the run's log.
  Retried: the name is derived from the run id, so a retry never starts a second build. Builds run one at a time
  (the CodeBuild project allows one): a build started while the daily pipeline's build runs waits for it.
* `wait_for_dbt_build` follows it in reschedule mode, without retries (dbt's own failure is final), and then
  updates the asset `lakehouse_curated_marts` for consumers downstream.

Settings: Airflow Variables `lakehouse_transform_state_machine_arn` and `lakehouse_dbt_target` (default `prod`);
connection `aws_default`.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from airflow.sdk import DAG
from lakehouse_common import CURATED_MARTS, PROCESSED_TABLES, USER_MACROS, start_and_wait_for_execution

with DAG(
    dag_id='transform_on_snapshot',
    description='dbt build of the curated star schema when new processed snapshots land',
    schedule=PROCESSED_TABLES,
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    # Snapshots landing during a build queue one more build, which then sees all of them.
    max_active_runs=1,
    doc_md=__doc__,
    tags=['lakehouse', 'dbt'],
    user_defined_macros=USER_MACROS,
    default_args={'owner': 'data-platform', 'retries': 0},
) as dag:
    start_and_wait_for_execution(
        'dbt_build',
        state_machine_arn='{{ var.value.lakehouse_transform_state_machine_arn }}',
        state_machine_input={
            'command': ['dbt', 'build', '--target', "{{ var.value.get('lakehouse_dbt_target', 'prod') }}"],
            'run_id': '{{ run_id }}',
            'snapshots': '{{ asset_event_extras(triggering_asset_events) }}',
        },
        timeout=timedelta(hours=3),
        outlets=[CURATED_MARTS],
    )
