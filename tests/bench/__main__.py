"""Entry point of `make bench`: prepare the benchmark database, then measure.

The environment is set before Django starts because settings read it once, at
import: the database URL in particular must never fall back to the developer's
`homeward` database (the Makefile exports DATABASE_URL pointing there).
"""

import argparse
import os
import subprocess
import sys

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


def database_exists() -> bool:
    result = subprocess.run(
        ["psql", "-h", DB_HOST, "-d", "postgres", "-Atqc", "SELECT datname FROM pg_database"],
        check=True,
        capture_output=True,
        text=True,
    )
    return DB_NAME in result.stdout.split()


def prepare_database(*, fresh: bool) -> None:
    """Create the benchmark database if missing; with `fresh`, start from an empty one."""
    if fresh and database_exists():
        print(f"Dropping {DB_NAME}")
        subprocess.run(["dropdb", "-h", DB_HOST, DB_NAME], check=True)
    if not database_exists():
        print(f"Creating {DB_NAME}")
        subprocess.run(["createdb", "-h", DB_HOST, DB_NAME], check=True)


def configure_environment() -> None:
    os.environ["DATABASE_URL"] = f"postgres://{DB_HOST}:5432/{DB_NAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Production behaviour: no debug toolbar of queries kept in memory, real
    # error pages, and the settings' production defaults.
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
