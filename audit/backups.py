"""Backup and restore with the Postgres tools: `pg_dump -Fc` and `pg_restore`.

The custom format (-Fc) holds schema, data, functions and triggers, so a
restored database still refuses UPDATE and DELETE on the audit trail. The
connection comes from Django's settings (DATABASE_URL); a password, if any,
travels in PGPASSWORD, never on the command line.
"""

import os
import shutil
import subprocess  # noqa: S404  (fixed argument lists, no shell)
from pathlib import Path

from django.db import connections


def _libpq(settings_dict: dict, dbname: str | None = None) -> tuple[list[str], dict]:
    args = []
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    args += ["--dbname", dbname or settings_dict["NAME"]]
    env = {**os.environ}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return args, env


class BackupError(RuntimeError):
    pass


def _run(tool: str, arguments: list[str], env: dict) -> None:
    executable = shutil.which(tool)
    if executable is None:
        raise BackupError(f"{tool} is not on PATH (install the PostgreSQL client tools)")
    done = subprocess.run(  # noqa: S603
        [executable, *arguments], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise BackupError(f"{tool} failed ({done.returncode}): {done.stderr.strip()}")


def backup(output: Path, *, alias: str = "default") -> Path:
    """Dump the database into `output` (custom format, compressed)."""
    args, env = _libpq(connections[alias].settings_dict)
    _run("pg_dump", ["--format=custom", "--no-password", "--file", str(output), *args], env)
    return output


def restore(dump: Path, *, database: str, alias: str = "default") -> None:
    """Create `database` (it must not exist) and restore the dump into it.

    Restoring into a new database and then switching DATABASE_URL to it is the
    safe way: the damaged or old database stays until the restore is proven.
    """
    settings_dict = connections[alias].settings_dict
    args, env = _libpq(settings_dict, dbname="postgres")
    _run("createdb", ["--no-password", *args[:-2], database], env)
    args, env = _libpq(settings_dict, dbname=database)
    _run("pg_restore", ["--no-password", "--exit-on-error", "--no-owner", *args, str(dump)], env)
