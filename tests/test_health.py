"""The health endpoint: database and channel-layer reachability, for the proxy and for
monitoring. It runs on both test setups: SQLite with the in-memory layer, PostgreSQL
with Redis."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.layers import InMemoryChannelLayer
from django.contrib.sessions.models import Session
from django.test import Client
from pytest_django import DjangoAssertNumQueries
from pytest_django.fixtures import Settings

from forum import broadcast
from forum.models import Member
from tests.helpers import database_unreachable

pytestmark = pytest.mark.django_db


class UnreachableLayer(InMemoryChannelLayer):
    """A channel layer whose server refuses every connection."""

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        raise ConnectionRefusedError("the channel layer's server refused the connection")


class SilentLayer(InMemoryChannelLayer):
    """A channel layer whose server never answers (packets dropped)."""

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        await asyncio.sleep(60)


def layer_backend(settings: Settings, backend: str, **config: Any) -> None:
    # channels forgets its layers when CHANNEL_LAYERS changes.
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": backend, "CONFIG": config}}


def test_health_answers_200_when_the_database_and_the_channel_layer_answer(
    client: Client,
) -> None:
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "channel_layer": "ok"}


def test_health_costs_one_query(
    client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(1):
        client.get("/health/")


def test_health_answers_503_naming_the_database_when_it_is_unreachable(client: Client) -> None:
    with database_unreachable():
        response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"database": "down", "channel_layer": "ok"}


def test_health_answers_503_naming_the_channel_layer_when_it_refuses(
    client: Client, settings: Settings
) -> None:
    layer_backend(settings, "tests.test_health.UnreachableLayer")
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "channel_layer": "down"}


def test_health_answers_503_when_the_channel_layer_does_not_answer_in_time(
    client: Client, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(broadcast, "SEND_TIMEOUT_SECONDS", 0.2)
    layer_backend(settings, "tests.test_health.SilentLayer")
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "channel_layer": "down"}


def test_health_answers_503_when_redis_is_not_listening(client: Client, settings: Settings) -> None:
    # The production layer, pointed at a port where nothing listens.
    layer_backend(
        settings,
        "channels_redis.pubsub.RedisPubSubChannelLayer",
        hosts=[{"address": "redis://127.0.0.1:9/0"}],
    )
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["channel_layer"] == "down"


def test_health_names_both_parts_when_both_are_down(client: Client, settings: Settings) -> None:
    layer_backend(settings, "tests.test_health.UnreachableLayer")
    with database_unreachable():
        response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"database": "down", "channel_layer": "down"}


def test_health_is_never_cached(client: Client) -> None:
    assert client.get("/health/").headers["Cache-Control"] == "no-store"


def test_health_answers_head_requests_for_monitors(client: Client) -> None:
    assert client.head("/health/").status_code == 200


def test_health_makes_no_session_and_sets_no_cookie(client: Client) -> None:
    response = client.get("/health/")
    assert not response.cookies
    assert not Session.objects.exists()


def test_health_leaves_a_signed_in_members_session_untouched(
    client: Client, member: Member, settings: Settings
) -> None:
    # Any page would now save the session and send its cookie again; /health/ is answered
    # before the sessions middleware runs.
    settings.SESSION_SAVE_EVERY_REQUEST = True
    client.force_login(member)
    session = Session.objects.get()
    response = client.get("/health/")
    assert not response.cookies
    assert Session.objects.get().expire_date == session.expire_date


def test_health_answers_over_plain_http_from_any_host_when_https_is_on(
    client: Client, settings: Settings
) -> None:
    # The container's own check asks http://127.0.0.1:8000/health/ with no forwarded
    # headers: it must not be redirected to HTTPS or refused for its host.
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["forum.example.org"]
    response = client.get("/health/", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200


def test_health_answers_only_reads(client: Client) -> None:
    assert client.post("/health/").status_code == 404
