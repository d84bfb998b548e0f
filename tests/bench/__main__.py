"""Entry point of `make bench`: prepare the benchmark database, then measure.

The environment is set before Django starts because settings read it once, at
import: the database URL in particular must never fall back to the developer's
`homeward` database (the Makefile exports DATABASE_URL pointing there).
"""

import argparse
import os
import sys

import psycopg2
from psycopg2 import sql

DB_HOST = "127.0.0.1"
DB_NAME = "homeward_bench"
DEFAULT_RETURNEES = 100_000


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench",
        description=f"Seed a caseload into the {DB_NAME} database and time the caseload.",
    )
    parser.add_argument(
        "--returnees",
        type=int,
        default=DEFAULT_RETURNEES,
        help=f"size of the seeded caseload (default {DEFAULT_RETURNEES:,})",
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help=f"drop and recreate {DB_NAME} before seeding",
    )
    args = parser.parse_args(argv)
    if args.returnees < 1:
        parser.error("--returnees must be at least 1")
    return args


def prepare_database(*, fresh: bool) -> None:
    """Create the benchmark database if missing; with `fresh`, start from an empty one."""
    # Django cannot create a database it is configured to use, so this talks to
    # the server's maintenance database directly.
    server = psycopg2.connect(host=DB_HOST, dbname="postgres")
    server.autocommit = True  # CREATE/DROP DATABASE refuse to run in a transaction
    name = sql.Identifier(DB_NAME)
    try:
        with server.cursor() as cursor:
            if fresh:
                print(f"Dropping {DB_NAME} (if present)")
                cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(name))
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME])
            if cursor.fetchone() is None:
                print(f"Creating {DB_NAME}")
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(name))
    finally:
        server.close()


def configure_environment() -> None:
    os.environ["DATABASE_URL"] = f"postgres://{DB_HOST}:5432/{DB_NAME}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    # As in production: no query log kept in memory, the settings' production defaults.
    os.environ["DJANGO_DEBUG"] = "false"
    # The default 60 s connection lifetime would make one request in the middle
    # of the run pay for a reconnection; a server under load rarely does.
    os.environ["DJANGO_CONN_MAX_AGE"] = "600"


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    prepare_database(fresh=args.fresh)
    configure_environment()

    import django

    django.setup()

    # Imported only now: it loads models, which needs the app registry.
    from tests.bench import measure

    measure.run(returnees=args.returnees)


if __name__ == "__main__":
    main(sys.argv[1:])
