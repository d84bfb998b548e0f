"""A real Celery worker, against Redis, turns a due review into exactly one
notification and one email."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from config.celery import app
from notifications.models import Notification
from tests.casework.helpers import at
from tests.conftest import TEST_BROKER

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_SECONDS = 60


@pytest.fixture
def worker(tmp_path):
    """A worker process on the test database, mailing to files in tmp_path."""
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://{HOST}:{PORT}/{NAME}".format(
            HOST=connection.settings_dict["HOST"] or "127.0.0.1",
            PORT=connection.settings_dict["PORT"] or 5432,
            NAME=connection.settings_dict["NAME"],
        ),
        "CELERY_BROKER_URL": TEST_BROKER,
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "DJANGO_EMAIL_FILE_PATH": str(tmp_path),
        "DJANGO_DEBUG": "false",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    app.conf.task_always_eager = False
    app.control.purge()
    try:
        yield tmp_path
    finally:
        app.conf.task_always_eager = True
        process.terminate()
        output, _ = process.communicate(timeout=30)
        if os.environ.get("HOMEWARD_SHOW_WORKER_LOG"):
            print(output)


def wait_for(condition, what: str):
    """Poll until `condition()` holds; fail after the deadline (never a fixed sleep)."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.django_db(transaction=True)
def test_a_due_review_becomes_one_notification_and_one_email(cast, register, worker):
    from notifications.sweep import sweep
    from notifications.tasks import send_notification_emails

    case = register()
    # The sweep runs as beat would call it; its emails go through Redis to the worker.
    sweep(now=at(14))
    sweep(now=at(14))
    reminder = Notification.objects.get(kind="review_due")
    wait_for(
        lambda: Notification.objects.filter(pk=reminder.pk, emailed_at__isnull=False).exists(),
        "the worker to send the email",
    )
    # A redelivered task finds nothing left to send.
    send_notification_emails.delay([reminder.pk])
    files = wait_for(lambda: list(worker.iterdir()), "the email file")
    messages = [f.read_text() for f in files]
    review_mail = [m for m in messages if f"Review of case {case.reference} is due today" in m]
    assert len(review_mail) == 1
    assert "aigul@homeward.example" in review_mail[0]
    assert Notification.objects.filter(kind="review_due").count() == 1
