"""`dag.test()` runs of the DAGs against moto's server, whose Step Functions interpreter really executes the state
machines: a success, a failure, and a manual run of the transform DAG."""

from __future__ import annotations

import json
from datetime import timezone
from typing import Any

import pytest

ROLE = 'arn:aws:iam::123456789012:role/lakehouse-sfn'

# Waits long enough that the sensor sees RUNNING at least once and goes through a reschedule.
SUCCEEDS = {
    'StartAt': 'Ingest',
    'States': {
        'Ingest': {'Type': 'Wait', 'Seconds': 3, 'Next': 'Commit'},
        'Commit': {'Type': 'Pass', 'Result': {'committed_tables': ['events', 'users', 'orders']}, 'End': True},
    },
}
FAILS = {
    'StartAt': 'Ingest',
    'States': {
        'Ingest': {'Type': 'Pass', 'Next': 'Reject'},
        'Reject': {'Type': 'Fail', 'Error': 'Pipeline.ValidationFailed', 'Cause': 'quarantine threshold exceeded'},
    },
}


def _state_machine(sfn: Any, name: str, definition: dict[str, Any]) -> str:
    return sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)['stateMachineArn']


def _task_states(dag_run: Any) -> dict[str, tuple[str, int]]:
    return {ti.task_id: (ti.state, ti.try_number) for ti in dag_run.get_task_instances()}


def _asset_events(asset_name: str, run_id: str) -> list[Any]:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        return list(
            session.scalars(
                select(AssetEvent)
                .join(AssetModel, AssetModel.id == AssetEvent.asset_id)
                .where(AssetModel.name == asset_name, AssetEvent.source_run_id == run_id)
            )
        )


def test_pipeline_success_runs_the_execution_and_updates_the_asset(
    airflow_db: None, dagbag: Any, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lakehouse_common import execution_name

    arn = _state_machine(aws, 'pipeline-ok', SUCCEEDS)
    monkeypatch.setenv('AIRFLOW_VAR_LAKEHOUSE_PIPELINE_STATE_MACHINE_ARN', arn)

    dag_run = dagbag.dags['lakehouse_pipeline'].test()

    assert dag_run.state == 'success'
    assert _task_states(dag_run) == {
        'start_pipeline_execution': ('success', 1),
        'wait_for_pipeline_execution': ('success', 1),
    }
    [execution] = aws.list_executions(stateMachineArn=arn)['executions']
    assert execution['name'] == execution_name('lakehouse_pipeline', dag_run.run_id, dag_run.clear_number)
    assert execution['status'] == 'SUCCEEDED'
    described = aws.describe_execution(executionArn=execution['executionArn'])
    sent = json.loads(described['input'])
    assert sent['run_id'] == dag_run.run_id
    # The run record's sort key, in the metadata store's canonical form (src/metadata/types.ts canonicalTime).
    start = dag_run.data_interval_start.astimezone(timezone.utc)
    assert sent['data_interval_start'] == start.strftime('%Y-%m-%dT%H:%M:%S.000Z')
    assert json.loads(described['output']) == {'committed_tables': ['events', 'users', 'orders']}

    from airflow.models.taskreschedule import TaskReschedule
    from airflow.utils.session import create_session
    from sqlalchemy import func, select

    with create_session() as session:
        reschedules = session.scalar(select(func.count()).select_from(TaskReschedule))
    assert reschedules >= 1  # the sensor gave its slot back while the execution ran

    # The execution ran the dbt build: the marts asset is updated, the one transform_on_snapshot runs on is not.
    assert len(_asset_events('lakehouse_curated_marts', dag_run.run_id)) == 1
    assert _asset_events('lakehouse_processed_tables', dag_run.run_id) == []


def test_pipeline_failure_fails_the_run_without_retrying_the_sensor(
    airflow_db: None, dagbag: Any, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn = _state_machine(aws, 'pipeline-fails', FAILS)
    monkeypatch.setenv('AIRFLOW_VAR_LAKEHOUSE_PIPELINE_STATE_MACHINE_ARN', arn)

    dag_run = dagbag.dags['lakehouse_pipeline'].test()

    assert dag_run.state == 'failed'
    assert _task_states(dag_run) == {
        'start_pipeline_execution': ('success', 1),
        'wait_for_pipeline_execution': ('failed', 1),
    }
    [execution] = aws.list_executions(stateMachineArn=arn)['executions']
    assert execution['status'] == 'FAILED'
    assert _asset_events('lakehouse_curated_marts', dag_run.run_id) == []


def test_transform_on_snapshot_runs_on_manual_trigger(
    airflow_db: None, dagbag: Any, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn = _state_machine(aws, 'transform-ok', SUCCEEDS)
    monkeypatch.setenv('AIRFLOW_VAR_LAKEHOUSE_TRANSFORM_STATE_MACHINE_ARN', arn)
    monkeypatch.setenv('AIRFLOW_VAR_LAKEHOUSE_DBT_TARGET', 'staging')

    dag_run = dagbag.dags['transform_on_snapshot'].test()

    assert dag_run.state == 'success'
    [execution] = aws.list_executions(stateMachineArn=arn)['executions']
    assert execution['status'] == 'SUCCEEDED'
    sent = json.loads(aws.describe_execution(executionArn=execution['executionArn'])['input'])
    assert sent['command'] == ['dbt', 'build', '--target', 'staging']
    assert json.loads(sent['snapshots']) == []  # manual: no triggering asset events
    assert len(_asset_events('lakehouse_curated_marts', dag_run.run_id)) == 1
