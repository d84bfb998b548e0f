"""The apps depend one way (pyproject.toml [tool.importlinter], docs/architecture.md):
the contract holds on the tree, and an import that closes a cycle breaks it."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
# Our apps, as the import contract names them.
PACKAGES = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
    "root_packages"
]


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """A copy of the source tree, so a test can add an import without touching ours."""
    copy = tmp_path_factory.mktemp("tree")
    shutil.copy(ROOT / "pyproject.toml", copy)
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__", "*.mo")
        )
    return copy


def test_the_apps_depend_one_way(tree):
    result = lint_imports(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_an_import_that_closes_a_cycle_breaks_the_contract(tree):
    # referrals imports casework; casework importing referrals back closes a cycle.
    services = tree / "casework" / "services.py"
    original = services.read_text()
    services.write_text(original + "\nfrom referrals.models import Referral  # noqa\n")
    try:
        result = lint_imports(tree)
    finally:
        services.write_text(original)
    assert result.returncode == 1
    assert "Apps depend one way BROKEN" in result.stdout
    assert "casework.services -> referrals.models" in result.stdout


def test_the_contract_names_every_app_of_ours():
    """An app missing from root_packages would be checked by no contract."""
    from django.apps import apps

    ours = {
        config.name.split(".")[0]
        for config in apps.get_app_configs()
        if Path(config.path).parent == ROOT  # not the venv's, which may live in ROOT too
    }
    assert ours <= set(PACKAGES), f"apps outside the contract: {ours - set(PACKAGES)}"
