"""The production shape: the Dockerfile and Django's deploy checks (docker-compose.yml and
the proxy: tests/test_compose.py).

No Docker engine is needed: the files are read, and `check --deploy` runs against the
settings with production environment values (it does not connect to the database).
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    text = (ROOT / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, arguments = line.strip().partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


# --- Dockerfile -------------------------------------------------------------------------


def test_dockerfile_runs_as_a_non_root_user() -> None:
    users = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "USER"]
    assert users, "the Dockerfile must switch to a USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}


def test_dockerfile_installs_the_project_without_dev_extras() -> None:
    runs = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "RUN"]
    assert any(re.search(r"pip install (-e )?\.(\s|$)", run) for run in runs)
    assert not any("[dev]" in run for run in runs)


def test_dockerfile_collects_static_files_with_the_manifest_storage() -> None:
    runs = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "RUN"]
    collect = [run for run in runs if "collectstatic" in run]
    assert collect
    assert "STATIC_MANIFEST=true" in collect[0]


def test_dockerignore_keeps_local_data_and_secrets_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".git", ".env", ".venv", "**/*.sqlite3"):
        assert entry in ignored


# --- Django's deploy checks -------------------------------------------------------------


@pytest.fixture
def production_env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DATABASE_URL", "REDIS_URL", "SECURE_HSTS_PRELOAD"):
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        HTTPS="true",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="forum.example.org",
        CSRF_TRUSTED_ORIGINS="https://forum.example.org",
        STATIC_MANIFEST="false",
    )
    return env


def test_deploy_check_reports_no_issues_with_production_settings(
    production_env: dict[str, str],
) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output
