"""
### lakehouse_pipeline

Runs the daily lakehouse pipeline: one execution of the **pipeline state machine** (Step Functions), which
ingests, validates and commits the day's data to the processed Iceberg tables.

* `start_pipeline_execution` starts the execution. Its name is derived from the DAG run id (and how often the run
  was cleared), so a retry of this task gets the execution it already started instead of starting another
  (retried: a transient AWS error here is safe to retry); clearing the DAG run starts a fresh execution.
* `wait_for_pipeline_execution` follows the execution in *reschedule* mode, freeing its worker slot between looks.
  It is **not** retried: the state machine owns retries of its steps, and a failed execution is a real failure.
* On success the asset `lakehouse_processed_tables` is updated, which triggers `transform_on_snapshot`.

Settings: Airflow Variable `lakehouse_pipeline_state_machine_arn`; connection `aws_default`.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from airflow.providers.amazon.aws.operators.step_function import StepFunctionStartExecutionOperator
from airflow.providers.amazon.aws.sensors.step_function import StepFunctionExecutionSensor
from airflow.sdk import DAG
from lakehouse_common import AWS_CONN_ID, POKE_INTERVAL, PROCESSED_TABLES, START_RETRY_DELAY, USER_MACROS

with DAG(
    dag_id='lakehouse_pipeline',
    description='Daily Step Functions pipeline run that refreshes the processed Iceberg tables',
    schedule='@daily',
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=['lakehouse', 'pipeline'],
    user_defined_macros=USER_MACROS,
    default_args={'owner': 'data-platform', 'retries': 0},
) as dag:
    start_pipeline_execution = StepFunctionStartExecutionOperator(
        task_id='start_pipeline_execution',
        aws_conn_id=AWS_CONN_ID,
        state_machine_arn='{{ var.value.lakehouse_pipeline_state_machine_arn }}',
        name='{{ sfn_execution_name(dag.dag_id, run_id, dag_run.clear_number) }}',
        # Deterministic per DAG run: StartExecution is idempotent only for the same name *and* input.
        state_machine_input={
            'dag_id': '{{ dag.dag_id }}',
            'run_id': '{{ run_id }}',
            # The run record's key: the metadata store's canonical UTC form (as JavaScript's toISOString prints it).
            'data_interval_start': "{{ data_interval_start.in_timezone('UTC').strftime('%Y-%m-%dT%H:%M:%S.000Z') }}",
            'data_interval_end': "{{ data_interval_end.in_timezone('UTC').strftime('%Y-%m-%dT%H:%M:%S.000Z') }}",
        },
        retries=3,
        retry_delay=START_RETRY_DELAY,
        retry_exponential_backoff=2.0,
    )

    wait_for_pipeline_execution = StepFunctionExecutionSensor(
        task_id='wait_for_pipeline_execution',
        aws_conn_id=AWS_CONN_ID,
        execution_arn="{{ ti.xcom_pull(task_ids='start_pipeline_execution') }}",
        mode='reschedule',
        poke_interval=POKE_INTERVAL,
        timeout=timedelta(hours=6),
        retries=0,
        outlets=[PROCESSED_TABLES],
    )

    start_pipeline_execution >> wait_for_pipeline_execution
