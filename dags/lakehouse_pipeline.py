"""
### lakehouse_pipeline

Runs the daily lakehouse pipeline: one execution of the **pipeline state machine** (Step Functions), which records
the run, crawls the raw and processed Iceberg table folders, runs the dbt project as a child execution of the
**transform state machine** (CodeBuild, `dbt build` against Athena), and records the result (alerting on failure).

* `start_pipeline_execution` starts the execution. Its name is derived from the DAG run id (and how often the run
  was cleared), so a retry of this task gets the execution it already started instead of starting another
  (retried: a transient AWS error here is safe to retry); clearing the DAG run starts a fresh execution.
* `wait_for_pipeline_execution` follows the execution in *reschedule* mode, freeing its worker slot between looks.
  It is **not** retried: the state machine owns retries of its steps, and a failed execution is a real failure.
* On success the asset `lakehouse_curated_marts` is updated: the marts were rebuilt inside the execution. It does
  not update `lakehouse_processed_tables`, so `transform_on_snapshot` does not run dbt a second time.

Settings: Airflow Variable `lakehouse_pipeline_state_machine_arn`; connection `aws_default`.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from airflow.sdk import DAG
from lakehouse_common import CURATED_MARTS, USER_MACROS, start_and_wait_for_execution

with DAG(
    dag_id='lakehouse_pipeline',
    description='Daily Step Functions pipeline run: crawl the Iceberg tables, dbt build, record the run',
    schedule='@daily',
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=['lakehouse', 'pipeline'],
    user_defined_macros=USER_MACROS,
    default_args={'owner': 'data-platform', 'retries': 0},
) as dag:
    start_and_wait_for_execution(
        'pipeline_execution',
        state_machine_arn='{{ var.value.lakehouse_pipeline_state_machine_arn }}',
        # Deterministic per DAG run: StartExecution is idempotent only for the same name *and* input.
        state_machine_input={
            'dag_id': '{{ dag.dag_id }}',
            'run_id': '{{ run_id }}',
            # The run record's key: the metadata store's canonical UTC form (as JavaScript's toISOString prints it).
            'data_interval_start': "{{ data_interval_start.in_timezone('UTC').strftime('%Y-%m-%dT%H:%M:%S.000Z') }}",
            'data_interval_end': "{{ data_interval_end.in_timezone('UTC').strftime('%Y-%m-%dT%H:%M:%S.000Z') }}",
        },
        timeout=timedelta(hours=6),
        outlets=[CURATED_MARTS],
    )
