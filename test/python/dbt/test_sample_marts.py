"""The marts built from the generator's own data, over two weekly runs of one world, as `lakehouse run` makes them:
each week is generated (users, events, orders; ~3% broken on purpose), ingested through the record path into the
processed Iceberg tables by the `lakehouse ingest` command (broken records quarantined), then `dbt build` runs.

dim_users must then hold an SCD2 history whose versions keep the user's identity, and the sessions must be real:
one user each, no silence over 30 minutes inside one, more than 30 minutes between two of a user, nothing
before the user signed up."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, DbtResult, Warehouse

SEED = 42
USERS = 200
COUNTS = {'users': USERS, 'events': 4000, 'orders': 300}
ORIGIN = datetime(2026, 11, 1, tzinfo=timezone.utc)
TIMEOUT = timedelta(minutes=30)
CHANGEABLE = ('country', 'plan', 'marketing_opt_in', 'loyalty_points')

# The generator called the way `lakehouse run` calls it for its run number `run`: the same world (seed), the
# next week of it, new order numbers. Its options arrive as JSON on stdin.
GENERATE = """
import { writeSampleFile } from '%s';
let text = '';
for await (const chunk of process.stdin) text += chunk;
const { out, dataset, count, options } = JSON.parse(text);
await writeSampleFile(out, dataset, count, { ...options, start: new Date(options.start) });
""" % (REPO / 'src' / 'sample' / 'generate.ts').as_uri()


def _node() -> str:
    node = shutil.which('node')
    if node is None:
        raise RuntimeError('node is not on PATH: run `eval "$(bash scripts/bootstrap.sh --python)"` first')
    return node


def _generate(out: Path, dataset: str, run: int) -> list[str]:
    options = {
        'seed': SEED,
        'users': USERS,
        'start': (ORIGIN + timedelta(weeks=run)).isoformat(),
        'firstId': 1 + run * COUNTS['orders'] if dataset == 'orders' else 1,
    }
    request = {'out': str(out), 'dataset': dataset, 'count': COUNTS[dataset], 'options': options}
    proc = subprocess.run(
        [_node(), '--input-type=module', '-e', GENERATE],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return out.read_text().splitlines()


def _ingest(root: Path, path: Path, dataset: str, quarantine: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [_node(), 'src/cli/bin.mjs', 'ingest', str(path), '--table', f'processed.{dataset}', '--contract', dataset]
        + ['--warehouse', str(root), '--quarantine', str(quarantine)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _quarantined_lines(quarantine: Path) -> set[str]:
    return {
        json.loads(line)['raw']
        for path in quarantine.rglob('*.ndjson')
        for line in path.read_text().splitlines()
        if line.strip()
    }


@pytest.fixture(scope='module')
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Warehouse, list[DbtResult], list[dict[str, Any]]]:
    """Two weeks generated, ingested and built; returns the warehouse, both dbt results and the accepted users."""
    tmp = tmp_path_factory.mktemp('sample-marts')
    root = tmp / 'lakehouse'
    wh = Warehouse(root=root, tables={}, tmp=tmp)
    builds: list[DbtResult] = []
    accepted_users: list[dict[str, Any]] = []
    for run in range(2):
        for dataset in ('users', 'events', 'orders'):
            path = tmp / f'run-{run}' / f'{dataset}.ndjson'
            lines = _generate(path, dataset, run)
            quarantine = tmp / f'run-{run}' / f'quarantine-{dataset}'
            summary = _ingest(root, path, dataset, quarantine)
            rejected = _quarantined_lines(quarantine)
            assert summary['received'] == len(lines) == summary['accepted'] + summary['quarantined']
            assert summary['quarantined'] <= 0.06 * len(lines) + 2, summary  # ~3% broken on purpose, not more
            if dataset == 'events':
                assert summary['quarantined'] > 0, summary
            if dataset == 'users':
                accepted_users += [json.loads(line) for line in lines if line not in rejected]
        builds.append(wh.dbt('build', '--target', 'local'))
    return wh, builds, accepted_users


def _micros(text: str) -> datetime:
    return datetime.fromisoformat(text.replace('Z', '+00:00'))


def test_both_builds_pass_every_model_and_test(two_runs: tuple[Warehouse, list[DbtResult], list[dict[str, Any]]]) -> None:
    _, builds, _ = two_runs
    for build in builds:
        assert build.returncode == 0, build.output
        assert build.run_results is not None
        assert {r['status'] for r in build.run_results['results']} <= {'success', 'pass'}, build.output


def test_dim_users_keeps_a_version_per_change_with_a_stable_identity(
    two_runs: tuple[Warehouse, list[DbtResult], list[dict[str, Any]]],
) -> None:
    wh, _, accepted = two_runs
    history: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for version in accepted:
        history[version['user_id']].append(version)
    changed = {user for user, versions in history.items() if len(versions) > 1}
    assert len(changed) >= USERS // 10, 'about a fifth of the users change something each week'

    rows = wh.query(
        'select user_id, email, full_name, created_at, updated_at, country, plan, marketing_opt_in, loyalty_points, '
        'valid_from, valid_to, is_current from marts.dim_users '
        # The unknown member (user_sk '-1', no user_id) stands for facts whose user has no profile yet.
        'where user_id is not null order by user_id, valid_from'
    )
    dim: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        dim[row[0]].append(row)
    assert set(dim) == set(history)
    for user in changed:
        versions = dim[user]
        assert len(versions) == len(history[user]) >= 2, user
        # Identity: one email, name and created_at over all versions, the ones generated.
        generated = history[user][0]
        assert {(v[1], v[2]) for v in versions} == {(generated['email'], generated['full_name'])}, user
        assert {v[3] for v in versions} == {_micros(generated['created_at'])}, user
        # A change is a change: consecutive versions differ in at least one of the attributes that change.
        for before, after in zip(versions, versions[1:]):
            assert before[5:9] != after[5:9], user
            assert before[10] == after[9], user  # valid_to of one is valid_from of the next
        assert [v[11] for v in versions] == [False] * (len(versions) - 1) + [True], user
    # The second run's changes landed on users the first run already delivered: history grew across runs.
    assert any(min(v[4] for v in dim[u]) < ORIGIN + timedelta(weeks=1) <= max(v[4] for v in dim[u]) for u in changed)


def test_sessions_belong_to_one_user_and_are_cut_at_30_minutes_of_silence(
    two_runs: tuple[Warehouse, list[DbtResult], list[dict[str, Any]]],
) -> None:
    wh, _, _ = two_runs
    assert wh.query(
        'select session_id from marts.fct_events group by session_id having count(distinct user_id) > 1'
    ) == []
    # dim_sessions' owner and span are those of its events.
    mismatched = wh.query(
        'select s.session_id from marts.dim_sessions s join ('
        '  select session_id, min(user_id) as user_id, min(event_ts) as first_ts, max(event_ts) as last_ts, '
        '  count(*) as n from marts.fct_events group by session_id'
        ') e using (session_id) '
        'where s.user_id <> e.user_id or s.session_start <> e.first_ts or s.session_end <> e.last_ts '
        '  or s.event_count <> e.n'
    )
    assert mismatched == []
    sessions = wh.query(
        'select user_id, session_start, session_end, duration_seconds, event_count from marts.dim_sessions '
        'order by user_id, session_start'
    )
    assert len(sessions) > 300
    for user, start, end, duration, events in sessions:
        elapsed = end - start
        assert timedelta(0) <= elapsed <= (events - 1) * TIMEOUT, (user, start)
        # DuckDB's date_diff counts second boundaries crossed, so a session's whole seconds may be one more than
        # the time that elapsed (Athena truncates the elapsed time instead).
        assert int(elapsed.total_seconds()) <= duration <= int(elapsed.total_seconds()) + 1, (user, start)
    assert any(events > 1 and duration > 0 for _, _, _, duration, events in sessions)
    # No silence over 30 minutes inside a session ...
    assert wh.query(
        'select count(*) from ('
        '  select event_ts - lag(event_ts) over (partition by session_id order by event_ts) as pause'
        '  from marts.fct_events'
        f") where pause > interval '{int(TIMEOUT.total_seconds())} seconds'"
    ) == [(0,)]
    # ... and more than 30 minutes between two sessions of one user, across runs too.
    for (user, _, end, _, _), (next_user, next_start, _, _, _) in zip(sessions, sessions[1:]):
        if user == next_user:
            assert next_start - end > TIMEOUT, (user, end, next_start)


def test_nothing_happens_before_the_user_signed_up(
    two_runs: tuple[Warehouse, list[DbtResult], list[dict[str, Any]]],
) -> None:
    wh, _, _ = two_runs
    signed_up = 'select user_id, min(created_at) as created_at from marts.dim_users group by user_id'
    for fact, ts in (('fct_events', 'event_ts'), ('fct_orders', 'order_ts')):
        assert wh.query(
            f'select count(*) from marts.{fact} f join ({signed_up}) u using (user_id) where f.{ts} < u.created_at'
        ) == [(0,)], fact
    # Facts find the user version valid at their time, bar the few users whose every version was broken on purpose.
    [(events, without_user)] = wh.query('select count(*), count(*) filter (where user_sk is null) from marts.fct_events')
    assert without_user < 0.06 * events
    assert wh.query(
        'select count(*) from marts.fct_events f join marts.dim_users d using (user_sk) '
        'where f.event_ts < d.valid_from or (d.valid_to is not null and f.event_ts >= d.valid_to)'
    ) == [(0,)]
