import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "x7#kq!2vP9zL@m4Wd8sR$e1TfY6uJ0cN^bH3gA5*oI&pQ_rS-tU+vW=yXzK",
    "DJANGO_ALLOWED_HOSTS": "homeward.example.org",
    "DJANGO_HTTPS": "true",
    "DJANGO_BEHIND_PROXY": "true",
}


def manage(*args, env):
    # Only the variables under test: nothing leaks in from the test run's own environment.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**inherited, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_production_values():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout


def test_check_deploy_rejects_the_development_key():
    env = {**PRODUCTION}
    env.pop("DJANGO_SECRET_KEY")
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DJANGO_DEBUG", "maybe", "DJANGO_DEBUG must be true or false"),
        ("DJANGO_SESSION_IDLE_SECONDS", "thirty", "DJANGO_SESSION_IDLE_SECONDS must be a whole"),
        ("DATABASE_URL", "sqlite:///tmp/db.sqlite3", "DATABASE_URL must point at PostgreSQL"),
    ],
)
def test_malformed_environment_stops_start_up_with_a_clear_message(name, value, message):
    result = manage("check", env={name: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_the_api_wiring_loads_first_in_a_fresh_process():
    """DRF imports the default parser classes while it defines APIView: a process whose
    first DRF import is core.api (a worker, the bench) must not meet a circular import."""
    code = "import django; django.setup(); import core.api; import tests.bench.measure"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
