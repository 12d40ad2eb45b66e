"""A quick proof that this database serves the site: counts, the home, a category and a
thread page.

Used by bench/restore_drill.sh on a restored copy; prints what it saw and fails with a
reason. Pages are rendered in-process by Django's test client, as a visitor would see them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from forum.models import Member, Post, Thread


def _host() -> str:
    named = [host for host in settings.ALLOWED_HOSTS if host not in {"*"} and host[0] != "."]
    return named[0] if named else "testserver"


class Command(BaseCommand):
    help = "Count members, threads and posts; render the home, a category and a thread page."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(
            f"members {Member.objects.count()}, threads {Thread.objects.count()}, "
            f"posts {Post.objects.count()}"
        )
        thread = Thread.objects.readable_by(AnonymousUser()).listed().for_listing().first()
        if thread is None:
            raise CommandError("no thread a visitor can read: nothing to render")
        client = Client(HTTP_HOST=_host())
        # Each page with what it must show from the database.
        pages = [
            ("home page", reverse("forum:home"), thread.category.name),
            ("category page", reverse("forum:category", args=[thread.category.slug]), thread.title),
            ("thread page", reverse("forum:thread", args=[thread.pk]), thread.title),
        ]
        for page, path, expected in pages:
            response = client.get(path, secure=settings.SECURE_SSL_REDIRECT)
            if response.status_code != 200:
                raise CommandError(f"{page} {path} answered {response.status_code}")
            if escape(expected) not in response.content.decode():
                raise CommandError(f"{page} {path} does not show {expected!r}")
            self.stdout.write(f"{page} {path}: 200, {len(response.content)} bytes")
