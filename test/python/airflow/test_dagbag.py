"""The DAG files load the way Airflow's DAG processor loads them, and have the structure the platform relies on."""

from __future__ import annotations

import re
from importlib.metadata import version
from typing import Any

from airflow.providers.amazon.aws.operators.step_function import StepFunctionStartExecutionOperator
from airflow.providers.amazon.aws.sensors.step_function import StepFunctionExecutionSensor
from conftest import DAGS


def test_every_dag_file_imports_without_errors(dagbag: Any) -> None:
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == {'lakehouse_pipeline', 'transform_on_snapshot'}
    # lakehouse_common.py is listed in .airflowignore: imported by the DAGs, never parsed as one.
    assert {stat.file for stat in dagbag.dagbag_stats} == {'lakehouse_pipeline.py', 'transform_on_snapshot.py'}
    for dag in dagbag.dags.values():
        assert dag.doc_md and dag.doc_md.strip().startswith(f'### {dag.dag_id}')
        assert dag.catchup is False
        assert dag.max_active_runs == 1


def test_lakehouse_pipeline_structure(dagbag: Any) -> None:
    dag = dagbag.dags['lakehouse_pipeline']
    assert dag.schedule == '@daily'
    assert dag.timetable.expression == '0 0 * * *'  # midnight UTC
    start = dag.get_task('start_pipeline_execution')
    wait = dag.get_task('wait_for_pipeline_execution')
    assert isinstance(start, StepFunctionStartExecutionOperator)
    assert isinstance(wait, StepFunctionExecutionSensor)
    assert start.retries == 3
    assert wait.retries == 0  # Step Functions owns retries
    assert wait.mode == 'reschedule'
    assert wait.upstream_task_ids == {'start_pipeline_execution'}
    assert start.name == '{{ sfn_execution_name(dag.dag_id, run_id, dag_run.clear_number) }}'
    assert "xcom_pull(task_ids='start_pipeline_execution')" in wait.execution_arn
    assert [a.name for a in wait.outlets] == ['lakehouse_processed_tables']


def test_transform_on_snapshot_is_scheduled_on_the_pipeline_asset(dagbag: Any) -> None:
    pipeline = dagbag.dags['lakehouse_pipeline']
    dag = dagbag.dags['transform_on_snapshot']
    [produced] = pipeline.get_task('wait_for_pipeline_execution').outlets
    assert dag.timetable.asset_condition == produced  # the cross-DAG dependency
    start = dag.get_task('start_dbt_build')
    wait = dag.get_task('wait_for_dbt_build')
    assert isinstance(start, StepFunctionStartExecutionOperator) and start.retries == 3
    assert isinstance(wait, StepFunctionExecutionSensor) and wait.retries == 0 and wait.mode == 'reschedule'
    assert wait.upstream_task_ids == {'start_dbt_build'}
    assert [a.name for a in wait.outlets] == ['lakehouse_curated_marts']


def test_execution_names_are_valid_stable_and_distinct() -> None:
    from lakehouse_common import execution_name

    run_id = 'scheduled__2026-03-01T00:00:00+00:00'
    name = execution_name('lakehouse_pipeline', run_id)
    assert name == execution_name('lakehouse_pipeline', run_id)
    assert re.fullmatch(r'[A-Za-z0-9_-]{1,80}', name)
    assert execution_name('lakehouse_pipeline', run_id, 0) == name  # first run of the DAG run
    assert execution_name('lakehouse_pipeline', run_id, 1) != name  # cleared: a closed name cannot be reused
    long_a = execution_name('d' * 100, 'manual__a')
    long_b = execution_name('d' * 100, 'manual__b')
    assert len(long_a) == 80 and long_a != long_b


def test_mwaa_requirements_match_the_tested_provider() -> None:
    lines = [line.strip() for line in (DAGS / 'requirements.txt').read_text().splitlines()]
    assert any(line.startswith('--constraint') and 'constraints-3.3.1/' in line for line in lines)
    pins = dict(line.split('==') for line in lines if line and not line.startswith(('#', '-')))
    assert set(pins) == {'apache-airflow-providers-amazon'}
    assert pins['apache-airflow-providers-amazon'] == version('apache-airflow-providers-amazon')
    assert version('apache-airflow') == '3.3.1'
