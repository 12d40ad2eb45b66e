"""The production stack: docker-compose.yml and the nginx proxy in front of the web replicas.

No Docker engine is needed (none can pull images here): the files are read and checked
for what `docker compose up --scale web=3` and the proxy depend on.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from config.availability import HEALTH_PATH

ROOT = Path(__file__).resolve().parent.parent
NGINX_CONF = ROOT / "config" / "nginx" / "nginx.conf"
LONG_RUNNING = ("postgres", "redis", "web", "proxy")


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


def command(name: str) -> str:
    value = service(name)["command"]
    return value if isinstance(value, str) else " ".join(value)


def volumes(name: str) -> dict[str, tuple[str, str]]:
    """target: (source, mode) for each short-syntax volume of a service."""
    mounted = {}
    for volume in service(name).get("volumes") or []:
        # The source may be a ${VARIABLE:-default}; the target is an absolute path.
        found = re.fullmatch(r"(.+?):(/[^:]*)(?::(\w+))?", volume)
        assert found, volume
        mounted[found.group(2)] = (found.group(1), found.group(3) or "rw")
    return mounted


def nginx() -> str:
    """The proxy's configuration without its comments."""
    return re.sub(r"#[^\n]*", "", NGINX_CONF.read_text())


def directives(text: str, name: str) -> list[str]:
    """The arguments of every `name ...;` directive in text."""
    return [m.group(1).strip() for m in re.finditer(rf"(?:^|[\s;{{}}]){name}\s+([^;{{]*);", text)]


def block(text: str, opening: str) -> str:
    """The inside of the first `opening { ... }` block (nested blocks included)."""
    start = re.search(re.escape(opening) + r"\s*\{", text)
    assert start, f"no block {opening!r}"
    depth, index = 1, start.end()
    while depth:
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        index += 1
    return text[start.end() : index - 1]


def server(port: str) -> str:
    for match in re.finditer(r"\bserver\s*\{", nginx()):
        inside = block(nginx()[match.start() :], "server")
        if re.search(rf"\blisten\s+{port}\b", inside):
            return inside
    raise AssertionError(f"no server listens on {port}")


# --- docker-compose.yml: services -------------------------------------------------------


def test_compose_defines_postgres_redis_web_and_the_proxy() -> None:
    assert set(LONG_RUNNING) <= set(compose()["services"])


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_every_long_running_service_has_a_healthcheck_and_restarts(name: str) -> None:
    assert healthcheck_command(name)
    assert service(name)["restart"] == "unless-stopped"


def test_postgres_keeps_its_data_in_a_named_volume() -> None:
    declared = set(compose().get("volumes") or {})
    assert any(source in declared for source, _mode in volumes("postgres").values())


def test_postgres_healthcheck_uses_pg_isready() -> None:
    assert "pg_isready" in healthcheck_command("postgres")


def test_redis_healthcheck_uses_redis_cli_ping() -> None:
    assert re.search(r"redis-cli\b.*\bping\b", healthcheck_command("redis"))


def test_only_the_proxy_publishes_ports_and_it_publishes_80_and_443() -> None:
    services = compose()["services"]
    published = {name for name, definition in services.items() if definition.get("ports")}
    assert published == {"proxy"}
    container_ports = {str(port).rsplit(":", 1)[-1] for port in services["proxy"]["ports"]}
    assert container_ports == {"80", "443"}


# --- docker-compose.yml: web replicas ---------------------------------------------------


def test_web_can_be_scaled_no_fixed_name_and_no_host_port() -> None:
    # `docker compose up --scale web=3` refuses a container_name or a fixed host port.
    web = service("web")
    assert "container_name" not in web
    assert "ports" not in web
    assert [str(port) for port in web["expose"]] == ["8000"]


def test_web_replicas_share_one_postgres_and_one_redis() -> None:
    # Replicas are copies of one service definition: these are the same for all of them,
    # and they name the compose services, not anything local to a container.
    env = {
        name: re.sub(r"\$\{[^}]*\}", "variable", value)
        for name, value in environment("web").items()
    }
    database, redis = urlsplit(env["DATABASE_URL"]), urlsplit(env["REDIS_URL"])
    assert (database.scheme, database.hostname) == ("postgres", "postgres")
    assert (redis.scheme, redis.hostname) == ("redis", "redis")
    assert {"postgres", "redis"} <= set(compose()["services"])


def test_web_waits_for_healthy_postgres_and_redis_and_for_the_migrations() -> None:
    depends_on = service("web")["depends_on"]
    assert depends_on["postgres"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"
    assert depends_on["migrate"]["condition"] == "service_completed_successfully"


def test_migrations_run_once_with_the_web_settings_not_in_every_replica() -> None:
    assert "manage.py migrate" in command("migrate")
    assert "migrate" not in command("web")
    assert environment("migrate") == environment("web")
    assert service("migrate")["image"] == service("web")["image"]


def test_web_command_serves_with_uvicorn_workers_behind_a_proxy() -> None:
    served = command("web")
    assert "uvicorn config.asgi:application" in served
    assert "--workers" in served
    assert "--proxy-headers" in served


def test_web_command_keeps_no_access_log_of_visitor_addresses() -> None:
    assert "--no-access-log" in command("web")


def test_web_serves_sockets_without_per_message_compression() -> None:
    # Compressing each small fragment for each socket costs memory per connection and
    # most of a fan-out's time (bench/fanout.py); both ways of running agree.
    assert "--ws-per-message-deflate false" in command("web")
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert '"--ws-per-message-deflate", "false"' in dockerfile


def test_web_healthcheck_asks_the_health_endpoint() -> None:
    check = healthcheck_command("web")
    assert f"http://127.0.0.1:8000{HEALTH_PATH}" in check
    assert "urllib" in check  # the image has no curl


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


# --- docker-compose.yml: the proxy ------------------------------------------------------


def test_proxy_waits_for_a_healthy_web_service() -> None:
    assert service("proxy")["depends_on"]["web"]["condition"] == "service_healthy"


def test_proxy_is_nginx_new_enough_to_follow_the_replicas() -> None:
    # `server web:8000 resolve` in an upstream needs open-source nginx 1.27.3 or later.
    image = service("proxy")["image"]
    found = re.fullmatch(r"nginx:(\d+)\.(\d+)(?:\.\d+)?(?:-alpine)?", image)
    assert found, image
    assert (int(found.group(1)), int(found.group(2))) >= (1, 28)


def test_proxy_runs_the_repositorys_config_read_only() -> None:
    source, mode = volumes("proxy")["/etc/nginx/nginx.conf"]
    assert (ROOT / source).resolve() == NGINX_CONF
    assert mode == "ro"


def test_proxy_certificates_are_mounted_read_only_where_nginx_reads_them() -> None:
    _source, mode = volumes("proxy")["/etc/nginx/certs"]
    assert mode == "ro"
    for path in directives(server("443"), "ssl_certificate") + directives(
        server("443"), "ssl_certificate_key"
    ):
        assert path.startswith("/etc/nginx/certs/")


def test_proxy_healthcheck_asks_its_own_health_location() -> None:
    assert "http://127.0.0.1/proxy-health" in healthcheck_command("proxy")
    assert "location = /proxy-health" in server("80")


# --- nginx ------------------------------------------------------------------------------


def test_nginx_sends_every_request_to_all_web_replicas() -> None:
    upstream = block(nginx(), "upstream web")
    port = str(service("web")["expose"][0])
    # Docker's DNS answers with every replica; `resolve` keeps following it.
    assert directives(upstream, "server") == [f"web:{port} resolve"]
    assert directives(nginx(), "resolver")[0].startswith("127.0.0.11 ")
    assert set(directives(server("443"), "proxy_pass")) == {"http://web"}


def test_nginx_redirects_plain_http_to_https() -> None:
    assert "return 301 https://$host$request_uri;" in block(server("80"), "location /")


def test_nginx_terminates_tls_on_443() -> None:
    listens = directives(server("443"), "listen")
    assert "443 ssl default_server" in listens
    assert set(directives(server("443"), "ssl_protocols")) == {"TLSv1.2 TLSv1.3"}


def test_nginx_upgrades_websockets_with_the_forwarded_headers() -> None:
    sockets = block(server("443"), "location /ws/")
    headers = directives(sockets, "proxy_set_header")
    assert directives(sockets, "proxy_http_version") == ["1.1"]
    assert "Upgrade $http_upgrade" in headers
    assert 'Connection "upgrade"' in headers
    # Any proxy_set_header in a location drops the inherited ones: the origin check needs
    # Host, the secure-request check X-Forwarded-Proto.
    assert "Host $host" in headers
    assert "X-Forwarded-Proto $scheme" in headers
    assert "X-Forwarded-For $remote_addr" in headers


def test_nginx_forwards_the_scheme_and_replaces_any_client_supplied_address() -> None:
    headers = directives(nginx(), "proxy_set_header")
    assert "X-Forwarded-Proto $scheme" in headers
    assert "X-Forwarded-For $remote_addr" in headers
    assert not any("$proxy_add_x_forwarded_for" in header for header in headers)


def test_nginx_access_log_holds_no_query_string_and_no_address() -> None:
    formats = re.findall(r"log_format\s+(\w+)\s+([^;]*);", nginx())
    assert formats
    for _name, text in formats:
        assert "$uri" in text
        for variable in (
            "$request",  # the request line, query string included
            "$request_uri",
            "$args",
            "$arg_",
            "$query_string",
            "$is_args",
            "$remote_addr",
            "$binary_remote_addr",
            "$http_x_forwarded_for",
            "$proxy_add_x_forwarded_for",
            "$http_referer",
            "$http_user_agent",
            "$http_cookie",
        ):
            assert not re.search(re.escape(variable) + r"\b", text), variable


def test_nginx_access_logs_only_with_its_own_format() -> None:
    names = {name for name, _text in re.findall(r"log_format\s+(\w+)\s+([^;]*);", nginx())}
    for arguments in directives(nginx(), "access_log"):
        assert arguments == "off" or arguments.split()[-1] in names, arguments


def test_nginx_caches_hashed_static_files_for_a_year() -> None:
    found = re.search(r'location\s+~\s+"([^"]+)"\s*\{', server("443"))
    assert found
    hashed_names = re.compile(found.group(1))
    assert hashed_names.match("/static/css/site.e42b7317cad9.css")
    assert not hashed_names.match("/static/css/site.css")
    inside = block(server("443"), f'location ~ "{found.group(1)}"')
    assert directives(inside, "add_header") == [
        'Cache-Control "public, max-age=31536000, immutable"'
    ]
    assert directives(inside, "proxy_hide_header") == ["Cache-Control"]


def test_nginx_leaves_hsts_and_the_other_security_headers_to_django() -> None:
    # Django sends them (HTTPS=true; tests/test_production_shape.py runs check --deploy):
    # one place decides them, and no response gets them twice.
    added = " ".join(directives(nginx(), "add_header")).lower()
    for header in ("strict-transport-security", "content-security-policy", "x-frame-options"):
        assert header not in added


def test_nginx_never_sends_a_post_to_a_second_replica() -> None:
    # A retried POST could post a reply twice.
    for arguments in directives(nginx(), "proxy_next_upstream"):
        assert "non_idempotent" not in arguments


def test_nginx_passes_the_health_endpoint_to_the_web_service() -> None:
    health = block(server("443"), f"location = {HEALTH_PATH}")
    assert directives(health, "proxy_pass") == ["http://web"]
