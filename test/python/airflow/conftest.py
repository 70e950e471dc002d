"""Airflow in a throwaway home (sqlite metadata DB) and moto's server standing in for Step Functions.

Airflow reads its configuration when first imported, so the environment is set here, before any test module
imports it.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
DAGS = REPO / 'dags'
AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix='lakehouse-airflow-'))
REGION = 'us-east-1'

os.environ.update(
    {
        'AIRFLOW_HOME': str(AIRFLOW_HOME),
        'AIRFLOW__CORE__DAGS_FOLDER': str(DAGS),
        'AIRFLOW__CORE__LOAD_EXAMPLES': 'False',
        'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN': f'sqlite:///{AIRFLOW_HOME}/airflow.db',
        # Sensors look every second instead of every minute, so a run through reschedules takes seconds.
        'LAKEHOUSE_SFN_POKE_INTERVAL_SECONDS': '1',
        # A failing start is retried after seconds, not minutes, so a broken run fails fast.
        'LAKEHOUSE_SFN_RETRY_DELAY_SECONDS': '1',
        'AWS_ACCESS_KEY_ID': 'testing',
        'AWS_SECRET_ACCESS_KEY': 'testing',
        'AWS_DEFAULT_REGION': REGION,
    }
)
for key in ('AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL'):
    os.environ.pop(key, None)


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(AIRFLOW_HOME, ignore_errors=True)


@pytest.fixture(scope='session')
def airflow_db() -> None:
    """A fresh metadata database (schema created by Airflow's own migrations)."""
    from airflow.utils import db

    db.resetdb()


def dagbag_of(folder: Path) -> Any:
    # BundleDagBag is what the DAG processor uses for the dags-folder bundle: it puts the folder on sys.path, which
    # is how the DAG files import lakehouse_common on MWAA too, and honours the folder's .airflowignore.
    from airflow.dag_processing.dagbag import BundleDagBag

    return BundleDagBag(dag_folder=str(folder), bundle_path=str(folder), bundle_name='dags-folder')


@pytest.fixture(scope='session')
def dagbag() -> Any:
    return dagbag_of(DAGS)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope='session')
def moto_endpoint() -> Iterator[str]:
    """moto's server on 127.0.0.1, executing state machines for real (its Step Functions ASL interpreter)."""
    server = Path(sys.executable).parent / 'moto_server'
    if not server.exists():
        raise RuntimeError(f'moto_server is not installed at {server}: run `bash scripts/bootstrap.sh --python`')
    port = _free_port()
    url = f'http://127.0.0.1:{port}'
    proc = subprocess.Popen(
        [str(server), '-H', '127.0.0.1', '-p', str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f'{url}/moto-api/', timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f'moto_server did not start on {url}') from None
                time.sleep(0.1)
        config = json.dumps({'stepfunctions': {'execute_state_machine': True}}).encode()
        request = urllib.request.Request(f'{url}/moto-api/config', data=config, method='POST')
        urllib.request.urlopen(request, timeout=5).close()
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A Step Functions client on moto, and Airflow's aws_default connection pointing at the same server."""
    import boto3

    connection = {
        'conn_type': 'aws',
        'login': 'testing',
        'password': 'testing',
        'extra': {'region_name': REGION, 'endpoint_url': moto_endpoint},
    }
    monkeypatch.setenv('AIRFLOW_CONN_AWS_DEFAULT', json.dumps(connection))
    return boto3.client('stepfunctions', endpoint_url=moto_endpoint, region_name=REGION)
