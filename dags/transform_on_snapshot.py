"""
### transform_on_snapshot

Rebuilds the curated star schema with dbt whenever new Iceberg snapshots land in the processed tables.

* Scheduled on the asset `lakehouse_processed_tables`, which `lakehouse_pipeline` updates after a successful run
  and the stream processor updates through the REST API after each commit. A manual trigger runs it too.
* `start_dbt_build` starts the **transform state machine**, which runs `dbt build --target <env>` (dbt_project/,
  dbt-athena writing Iceberg under the curated layer) in a container; the extras of the triggering asset events
  (table, snapshot id) are passed along for the run's log. Retried: the name is derived from the run id, so a
  retry never starts a second build.
* `wait_for_dbt_build` follows it in reschedule mode, without retries (dbt's own failure is final), and then
  updates the asset `lakehouse_curated_marts` for consumers downstream.

Settings: Airflow Variables `lakehouse_transform_state_machine_arn` and `lakehouse_dbt_target` (default `prod`);
connection `aws_default`.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from airflow.providers.amazon.aws.operators.step_function import StepFunctionStartExecutionOperator
from airflow.providers.amazon.aws.sensors.step_function import StepFunctionExecutionSensor
from airflow.sdk import DAG
from lakehouse_common import AWS_CONN_ID, CURATED_MARTS, POKE_INTERVAL, PROCESSED_TABLES, START_RETRY_DELAY, USER_MACROS

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
    start_dbt_build = StepFunctionStartExecutionOperator(
        task_id='start_dbt_build',
        aws_conn_id=AWS_CONN_ID,
        state_machine_arn='{{ var.value.lakehouse_transform_state_machine_arn }}',
        name='{{ sfn_execution_name(dag.dag_id, run_id, dag_run.clear_number) }}',
        state_machine_input={
            'command': ['dbt', 'build', '--target', "{{ var.value.get('lakehouse_dbt_target', 'prod') }}"],
            'run_id': '{{ run_id }}',
            'snapshots': '{{ asset_event_extras(triggering_asset_events) }}',
        },
        retries=3,
        retry_delay=START_RETRY_DELAY,
        retry_exponential_backoff=2.0,
    )

    wait_for_dbt_build = StepFunctionExecutionSensor(
        task_id='wait_for_dbt_build',
        aws_conn_id=AWS_CONN_ID,
        execution_arn="{{ ti.xcom_pull(task_ids='start_dbt_build') }}",
        mode='reschedule',
        poke_interval=POKE_INTERVAL,
        timeout=timedelta(hours=3),
        retries=0,
        outlets=[CURATED_MARTS],
    )

    start_dbt_build >> wait_for_dbt_build
