"""Pieces the lakehouse DAGs share: the assets that link them, Step Functions execution names, settings.

Not a DAG file (listed in .airflowignore); importable because Airflow puts the DAGs folder on sys.path, on MWAA too.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from airflow.sdk import Asset

# Updated from outside Airflow when the processor has committed Iceberg snapshots that should not wait for the
# daily run: by the stream processor (or an operator) through Airflow's REST API (POST /api/v2/assets/events with
# extra {"table": ..., "snapshot_id": ...}). No DAG updates it: lakehouse_pipeline runs dbt itself, and updating it
# there would start a second dbt build for the same data.
PROCESSED_TABLES = Asset(name='lakehouse_processed_tables', uri='s3://lakehouse/processed/', group='lakehouse')

# Updated when dbt has rebuilt the curated star schema: by lakehouse_pipeline and by transform_on_snapshot.
CURATED_MARTS = Asset(name='lakehouse_curated_marts', uri='s3://lakehouse/curated/marts/', group='lakehouse')

AWS_CONN_ID = 'aws_default'

# How often a sensor looks at its execution. Between looks the sensor gives its worker slot back (reschedule).
POKE_INTERVAL = timedelta(seconds=int(os.environ.get('LAKEHOUSE_SFN_POKE_INTERVAL_SECONDS', '60')))
# First wait before retrying a failed start (doubled on each further retry).
START_RETRY_DELAY = timedelta(seconds=int(os.environ.get('LAKEHOUSE_SFN_RETRY_DELAY_SECONDS', '60')))

_NOT_ALLOWED = re.compile(r'[^A-Za-z0-9_-]+')
_MAX_NAME = 80


def execution_name(dag_id: str, run_id: str, clear_number: int | None = 0) -> str:
    """A Step Functions execution name that is the same on every try of one DAG run.

    StartExecution with the name and input of a *running* execution returns that execution instead of starting a
    second one, so retrying the start task can never run the pipeline twice. A closed execution's name cannot be
    used again, so a DAG run that is cleared to run again (clear_number > 0) gets a new name. Names allow
    [A-Za-z0-9_-] up to 80 characters; a hash of the full identity keeps truncated names distinct.
    """
    identity = f'{dag_id}-{run_id}' + (f'-clear{clear_number}' if clear_number else '')
    digest = hashlib.sha256(identity.encode()).hexdigest()[:10]
    readable = _NOT_ALLOWED.sub('-', identity).strip('-')
    return f'{readable[: _MAX_NAME - len(digest) - 1]}-{digest}'


def asset_event_extras(triggering_asset_events: Mapping[Any, Sequence[Any]] | None) -> str:
    """The extras of the asset events that triggered a run (e.g. table and snapshot id), as a JSON list."""
    extras = [dict(event.extra or {}) for events in (triggering_asset_events or {}).values() for event in events]
    return json.dumps(extras, sort_keys=True, default=str)


USER_MACROS = {'sfn_execution_name': execution_name, 'asset_event_extras': asset_event_extras}


def start_and_wait_for_execution(
    step: str,
    state_machine_arn: str,
    state_machine_input: dict[str, Any],
    timeout: timedelta,
    outlets: Sequence[Asset],
) -> tuple[Any, Any]:
    """Two tasks, `start_<step>` >> `wait_for_<step>`, to be called inside a DAG's context.

    The start task retries (StartExecution with the same name and input is idempotent while the execution runs);
    the sensor reschedules between pokes and never retries: Step Functions owns the pipeline's retries.
    """
    from airflow.providers.amazon.aws.operators.step_function import StepFunctionStartExecutionOperator
    from airflow.providers.amazon.aws.sensors.step_function import StepFunctionExecutionSensor

    start = StepFunctionStartExecutionOperator(
        task_id=f'start_{step}',
        aws_conn_id=AWS_CONN_ID,
        state_machine_arn=state_machine_arn,
        name='{{ sfn_execution_name(dag.dag_id, run_id, dag_run.clear_number) }}',
        state_machine_input=state_machine_input,
        retries=3,
        retry_delay=START_RETRY_DELAY,
        retry_exponential_backoff=2.0,
    )
    wait = StepFunctionExecutionSensor(
        task_id=f'wait_for_{step}',
        aws_conn_id=AWS_CONN_ID,
        execution_arn="{{ ti.xcom_pull(task_ids='start_%s') }}" % step,
        mode='reschedule',
        poke_interval=POKE_INTERVAL,
        timeout=timeout,
        retries=0,
        outlets=list(outlets),
    )
    start >> wait
    return start, wait
