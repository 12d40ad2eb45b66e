"""The production shape: docker-compose.yml, the Dockerfile and Django's deploy checks.

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
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def service(name: str) -> dict[str, Any]:
    return compose()["services"][name]


def healthcheck_command(name: str) -> str:
    test = service(name)["healthcheck"]["test"]
    return test if isinstance(test, str) else " ".join(test)


def environment(name: str) -> dict[str, str]:
    env = service(name).get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def web_command() -> str:
    command = service("web")["command"]
    return command if isinstance(command, str) else " ".join(command)


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


# --- docker-compose.yml -----------------------------------------------------------------


def test_compose_defines_postgres_redis_and_web() -> None:
    assert {"postgres", "redis", "web"} <= set(compose()["services"])


def test_postgres_keeps_its_data_in_a_named_volume() -> None:
    volumes = service("postgres")["volumes"]
    named = [v.split(":")[0] for v in volumes if isinstance(v, str)] + [
        v["source"] for v in volumes if isinstance(v, dict) and v.get("type") == "volume"
    ]
    declared = set(compose().get("volumes") or {})
    assert any(name in declared for name in named), "postgres needs a named volume"


def test_postgres_healthcheck_uses_pg_isready() -> None:
    assert "pg_isready" in healthcheck_command("postgres")


def test_redis_healthcheck_uses_redis_cli_ping() -> None:
    assert re.search(r"redis-cli\b.*\bping\b", healthcheck_command("redis"))


def test_web_waits_for_healthy_postgres_and_redis() -> None:
    depends_on = service("web")["depends_on"]
    assert depends_on["postgres"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"


def test_web_command_migrates_before_serving_asgi() -> None:
    command = web_command()
    assert "manage.py migrate" in command
    assert "config.asgi:application" in command
    assert command.index("manage.py migrate") < command.index("config.asgi:application")
    # A failed migration must stop the start, not serve against an old schema.
    assert "&&" in command[command.index("manage.py migrate") :]


def test_web_command_serves_with_uvicorn_workers_behind_a_proxy() -> None:
    command = web_command()
    assert "uvicorn config.asgi:application" in command
    assert "--workers" in command
    assert "--proxy-headers" in command


def test_web_command_keeps_no_access_log_of_visitor_addresses() -> None:
    assert "--no-access-log" in web_command()


def test_web_serves_sockets_without_per_message_compression() -> None:
    # Compressing each small fragment for each socket costs memory per connection and
    # most of a fan-out's time (bench/fanout.py); both ways of running agree.
    assert "--ws-per-message-deflate false" in web_command()
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert '"--ws-per-message-deflate", "false"' in dockerfile


def test_web_environment_uses_postgres_and_redis() -> None:
    env = environment("web")
    assert env["DATABASE_URL"].startswith("postgres://")
    assert env["REDIS_URL"].startswith("redis://")


def test_web_environment_is_production() -> None:
    env = environment("web")
    assert env["DEBUG"].lower() == "false"
    assert env["HTTPS"].lower() == "true"
    assert env["STATIC_MANIFEST"].lower() == "true"
    assert "ALLOWED_HOSTS" in env


def test_web_secret_key_comes_from_a_required_variable() -> None:
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]*\}", environment("web")["SECRET_KEY"])


def test_web_database_password_comes_from_a_required_variable() -> None:
    assert "${POSTGRES_PASSWORD:?" in environment("web")["DATABASE_URL"]
    assert environment("postgres")["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")


def test_compose_publishes_only_web_and_only_on_loopback() -> None:
    services = compose()["services"]
    assert not services["postgres"].get("ports")
    assert not services["redis"].get("ports")
    ports = services["web"]["ports"]
    assert ports
    assert all(str(port).startswith("127.0.0.1:") for port in ports)


def test_web_has_a_healthcheck_and_restarts() -> None:
    check = healthcheck_command("web")
    assert "127.0.0.1" in check
    assert "8000" in check
    assert service("web")["restart"] == "unless-stopped"


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
