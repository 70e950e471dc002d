"""Lists every task of every DAG in dags/ as Airflow's DAG processor loads them, with the AWS-facing arguments.

Run with the Airflow venv: `python dag_operators.py '{"dags": "<folder>", "out": "<file>"}'`. Writes one JSON object
(to a file: Airflow logs to stdout):
{"import_errors": {...}, "tasks": [{"dag_id", "task_id", "operator", "module", "fields": {...}}]}.
The permission check maps each operator class to the AWS calls it makes; templated fields stay unrendered
(e.g. `{{ var.value.x }}`) and are resolved on the TypeScript side against the stacks' outputs.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from typing import Any

# Airflow reads its configuration on first import: a throwaway home, no examples, nothing from the machine.
_home = tempfile.mkdtemp(prefix='lakehouse-dag-operators-')
os.environ.update(
    {
        'AIRFLOW_HOME': _home,
        'AIRFLOW__CORE__LOAD_EXAMPLES': 'False',
        'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN': f'sqlite:///{_home}/airflow.db',
    }
)

# The arguments that name AWS resources, for the operators the DAGs use; any other operator is listed with no fields
# and the TypeScript side fails on it until its calls are mapped.
AWS_FIELDS = ('state_machine_arn', 'execution_arn', 'name', 'state_machine_input', 'aws_conn_id')


def main() -> None:
    args = json.loads(sys.argv[1])
    from airflow.dag_processing.dagbag import BundleDagBag

    folder = args['dags']
    bag = BundleDagBag(dag_folder=folder, bundle_path=folder, bundle_name='dags-folder')
    tasks: list[dict[str, Any]] = []
    for dag_id in sorted(bag.dag_ids):
        dag = bag.dags[dag_id]
        for task in dag.tasks:
            fields = {f: getattr(task, f) for f in AWS_FIELDS if hasattr(task, f)}
            tasks.append(
                {
                    'dag_id': dag_id,
                    'task_id': task.task_id,
                    'operator': type(task).__name__,
                    'module': type(task).__module__,
                    'fields': json.loads(json.dumps(fields, default=str)),
                }
            )
    result = {'import_errors': {str(k): str(v) for k, v in bag.import_errors.items()}, 'tasks': tasks}
    with open(args['out'], 'w', encoding='utf-8') as out:
        json.dump(result, out)


if __name__ == '__main__':
    main()
