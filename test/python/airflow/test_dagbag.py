"""The DAG files load the way Airflow's DAG processor loads them, and have the structure the platform relies on."""

from __future__ import annotations

import re
import shutil
from importlib.metadata import version
from pathlib import Path
from typing import Any

from airflow.providers.amazon.aws.operators.step_function import StepFunctionStartExecutionOperator
from airflow.providers.amazon.aws.sensors.step_function import StepFunctionExecutionSensor
from conftest import DAGS, dagbag_of


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
    # The execution ran dbt (its transform step): the marts are what it refreshed.
    assert [a.name for a in wait.outlets] == ['lakehouse_curated_marts']


def test_one_dbt_build_per_scheduled_run(dagbag: Any) -> None:
    # lakehouse_pipeline runs dbt inside its execution; transform_on_snapshot is the on-demand build, scheduled on an
    # asset only events from outside Airflow update. If a DAG produced that asset, every scheduled run would be
    # followed by a second dbt build of the same data.
    from lakehouse_common import PROCESSED_TABLES

    dag = dagbag.dags['transform_on_snapshot']
    scheduled_on = dag.timetable.asset_condition
    assert scheduled_on == PROCESSED_TABLES
    produced = {outlet.name for other in dagbag.dags.values() for task in other.tasks for outlet in task.outlets}
    assert produced == {'lakehouse_curated_marts'}
    assert scheduled_on.name not in produced


def test_transform_on_snapshot_runs_the_dbt_build(dagbag: Any) -> None:
    dag = dagbag.dags['transform_on_snapshot']
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


def test_airflowignore_keeps_the_helper_module_out_of_the_dag_processor(tmp_path: Path) -> None:
    # The DAGs folder as MWAA gets it from the stacks' upload: every .py file and .airflowignore (the stacks test
    # test/stacks/first-run.test.ts checks the upload holds exactly these). Without the ignore file the processor
    # parses lakehouse_common.py as a DAG file too; with it, only the DAG files.
    for name in [p.name for p in DAGS.glob('*.py')] + ['.airflowignore']:
        shutil.copy(DAGS / name, tmp_path / name)
    with_ignore = dagbag_of(tmp_path)
    assert with_ignore.import_errors == {}
    assert {stat.file for stat in with_ignore.dagbag_stats} == {'lakehouse_pipeline.py', 'transform_on_snapshot.py'}

    (tmp_path / '.airflowignore').unlink()
    without_ignore = dagbag_of(tmp_path)
    assert 'lakehouse_common.py' in {stat.file for stat in without_ignore.dagbag_stats}
