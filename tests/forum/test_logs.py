"""What the server keeps of a visit: its log records and its tables.

One walk through the site drives every path that handles something secret, each request
from a distinctive network address: joining (with a refused attempt first), a failed and
a successful sign-in, recovery with a code, a new thread and a reply with distinctive
words (the reply while the channel layer is down, so the failure is logged with its
traceback), a report with a note, and a moderator hiding the reply with a distinctive
reason.

- Logs (point 12): every record of every logger, at DEBUG, holds no password, recovery
  code, post text, report note, moderator's reason, session key or raw address: not in
  its message, its arguments, its traceback or any extra attribute.
- Tables (point 10): no column of any table holds the address, in any of the forms it
  could be stored in (dotted, reversed, hexadecimal, integer, IPv6 expanded); neither do
  the cache's keys and values (rate limits keep only a keyed hash there).
"""

from __future__ import annotations

import ipaddress
import logging
import pickle
import re
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.test import Client
from pytest_django.fixtures import Settings

from forum.models import Category, Member, Post, Thread, TrustLevel
from moderation import actions as moderation_actions
from tests.helpers import sign_in, stored_values
from tests.moderation.clients import verified_client

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ADDRESS = "203.0.113.197"  # TEST-NET-3: nobody's real address
ADDRESS_V6 = "2001:db8:7a11:5ee::c0de"  # the documentation range

FIRST_PASSWORD = "lantern quietly 83 marmalade"
WRONG_PASSWORD = "lantern loudly 19 marmalade"
NEW_PASSWORD = "harbour softly 47 cinnamon"
REJECTED_PASSWORD = "orchard gently 65 saffron"
THREAD_TITLE = "A thread about first steps"
THREAD_BODY = "Zephyrine-pomegranate: I told nobody about the appointment."
REPLY_BODY = "Quillfeather-tangerine: my partner still does not know."
REPORT_NOTE = "Brambleworth-apricot: this reply worries me."
HIDE_REASON = "Thistledown-mulberry: hidden while we check."


def address_forms(address: str) -> list[str]:
    """The address as it might be stored: as given, expanded, reversed, as hex, as a number."""
    parsed = ipaddress.ip_address(address)
    forms = {
        address,
        parsed.compressed,
        parsed.exploded,
        parsed.packed.hex(),
        parsed.packed[::-1].hex(),
        str(int(parsed)),
        parsed.reverse_pointer.rsplit(".in-addr.arpa", 1)[0].rsplit(".ip6.arpa", 1)[0],
    }
    if parsed.version == 4:
        forms.add(".".join(reversed(address.split("."))))
        forms.add(f"::ffff:{address}")
    return sorted(forms)


@dataclass
class Walk:
    """What the walk through the site used that must never be kept."""

    secrets: dict[str, str] = field(default_factory=dict)
    session_keys: set[str] = field(default_factory=set)
    clients: list[Client] = field(default_factory=list)

    def browser(self, address: str = ADDRESS, client: Client | None = None) -> Client:
        client = client or Client(REMOTE_ADDR=address, HTTP_USER_AGENT="Mozilla/5.0 Firefox/128.0")
        self.clients.append(client)
        return client

    def note_sessions(self) -> None:
        for client in self.clients:
            morsel = client.cookies.get(settings.SESSION_COOKIE_NAME)
            if morsel is not None and morsel.value:
                self.session_keys.add(morsel.value)
        self.session_keys.update(Session.objects.values_list("session_key", flat=True))

    def forbidden(self) -> dict[str, str]:
        """Every secret, named for the failure message."""
        found = dict(self.secrets)
        for key in self.session_keys:
            found[f"session key {key[:4]}…"] = key
        for address in (ADDRESS, ADDRESS_V6):
            for form in address_forms(address):
                found[f"address form {form}"] = form
        return found


def walk_through_the_site(make_member: Callable[..., Member]) -> Walk:
    walk = Walk()
    walk.secrets.update(
        {
            "first password": FIRST_PASSWORD,
            "wrong password": WRONG_PASSWORD,
            "new password": NEW_PASSWORD,
            "refused password": REJECTED_PASSWORD,
            "thread body": THREAD_BODY,
            "reply body": REPLY_BODY,
            "report note": REPORT_NOTE,
            "moderator's reason": HIDE_REASON,
        }
    )
    me = walk.browser()

    # Joining: a refused attempt (the passwords differ), then the account.
    refused = me.post(
        "/join/",
        {
            "pseudonym": "HiddenLark",
            "new_password1": REJECTED_PASSWORD,
            "new_password2": REJECTED_PASSWORD + "x",
        },
    )
    assert refused.status_code == 200
    joined = me.post(
        "/join/",
        {
            "pseudonym": "HiddenLark",
            "new_password1": FIRST_PASSWORD,
            "new_password2": FIRST_PASSWORD,
        },
    )
    assert joined.status_code == 302
    codes = re.findall(r"<li><code>([^<]+)</code></li>", me.get("/join/codes/").content.decode())
    assert len(codes) == 10
    for number, code in enumerate(codes):
        walk.secrets[f"recovery code {number}"] = code
    me.post("/join/codes/")
    member = Member.objects.get(pseudonym="HiddenLark")
    moderation_actions.set_trust_level(
        moderator=None, member=member, level=TrustLevel.MEMBER, locked=False, reason="a log test"
    )
    walk.note_sessions()
    me.post("/logout/")

    # Signing in: wrong, then right.
    assert sign_in(me, "HiddenLark", WRONG_PASSWORD).status_code == 200
    assert sign_in(me, "HiddenLark", FIRST_PASSWORD).status_code == 302
    walk.note_sessions()
    me.post("/logout/")

    # Recovery: a wrong code, then a right one.
    wrong_code = me.post(
        "/recover/",
        {
            "pseudonym": "HiddenLark",
            "code": "aaaa-bbbb-cccc",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert wrong_code.status_code == 200
    recovered = me.post(
        "/recover/",
        {
            "pseudonym": "HiddenLark",
            "code": codes[3],
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert recovered.status_code == 302
    walk.note_sessions()

    # Posting: a thread, then a reply while the channel layer is down.
    category = Category.objects.get(slug="questions-support")
    started = me.post(
        "/new/", {"category": category.pk, "title": THREAD_TITLE, "body": THREAD_BODY}
    )
    assert started.status_code == 302
    thread = Thread.objects.get(title=THREAD_TITLE)
    replied = me.post(f"/t/{thread.pk}/reply/", {"body": REPLY_BODY})
    assert replied.status_code == 302
    reply = Post.objects.get(thread=thread, body=REPLY_BODY)

    # A report, from an IPv6 address.
    reporter = make_member("WatchfulOtter")
    theirs = walk.browser(ADDRESS_V6)
    assert sign_in(theirs, reporter.pseudonym).status_code == 302
    reported = theirs.post(f"/p/{reply.pk}/report/", {"reason": "harassment", "note": REPORT_NOTE})
    assert reported.status_code == 302
    walk.note_sessions()

    # A moderator hides the reply.
    moderator = make_member("SteadyHeron")
    moderation_actions.make_moderator(member=moderator, by=None, reason="a log test")
    moderator = Member.objects.get(pk=moderator.pk)
    theirs_too = walk.browser(client=verified_client(moderator, REMOTE_ADDR=ADDRESS))
    hidden = theirs_too.post(
        f"/moderation/posts/{reply.pk}/",
        {"do": "hide", "reason": HIDE_REASON, "guideline": "be-kind"},
    )
    assert hidden.status_code == 302
    reply.refresh_from_db()
    assert reply.status == "removed"
    walk.note_sessions()
    return walk


# --- Logs ---------------------------------------------------------------------------


class EveryRecord(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self._seen: set[int] = set()

    def emit(self, record: logging.LogRecord) -> None:
        # A record that propagates reaches this handler once per logger it passes.
        if id(record) not in self._seen:
            self._seen.add(id(record))
            self.records.append(record)


# The attributes every LogRecord has; anything else was passed as `extra`.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def record_text(record: logging.LogRecord) -> str:
    """Everything a handler could write of the record."""
    parts = [str(record.msg), repr(record.args)]
    try:
        parts.append(record.getMessage())
    except Exception:  # a record whose arguments do not fit its message still counts
        parts.append("<unformattable>")
    if record.exc_info and record.exc_info[1] is not None:
        parts.append("".join(traceback.format_exception(*record.exc_info)))
    if record.exc_text:
        parts.append(record.exc_text)
    if record.stack_info:
        parts.append(record.stack_info)
    parts.extend(
        f"{name}={value!r}" for name, value in vars(record).items() if name not in _STANDARD
    )
    return "\n".join(parts)


@pytest.fixture
def every_log_record() -> Iterator[list[logging.LogRecord]]:
    """Every record any logger makes, at DEBUG, including loggers that do not propagate
    (django.request) and those of channels and daphne."""
    handler = EveryRecord()
    names = {
        "",
        "django",
        "django.request",
        "django.security",
        "django.server",
        "django.channels.server",
        "channels",
        "daphne",
        "ownpace",
        *logging.root.manager.loggerDict,
    }
    saved = []
    for name in sorted(names):
        logger = logging.getLogger(name)
        saved.append((logger, logger.level, logger.disabled))
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
        logger.addHandler(handler)
    previous_disable = logging.root.manager.disable
    logging.disable(logging.NOTSET)
    try:
        yield handler.records
    finally:
        logging.disable(previous_disable)
        for logger, level, disabled in saved:
            logger.removeHandler(handler)
            logger.setLevel(level)
            logger.disabled = disabled


def test_no_secret_reaches_any_log_record(
    settings: Settings,
    make_member: Callable[..., Member],
    every_log_record: list[logging.LogRecord],
) -> None:
    # The channel layer is down: every broadcast fails and is logged with its traceback.
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "tests.forum.test_broadcast.BrokenLayer"}}

    walk = walk_through_the_site(make_member)

    assert walk.session_keys
    records = every_log_record
    # The capture works: the failed broadcasts were logged, with their tracebacks.
    failures = [record for record in records if record.name == "ownpace.broadcast"]
    assert failures, "no broadcast failure was logged: the capture saw nothing"
    assert any(record.exc_info for record in failures)
    leaks = [
        f"{record.name} {record.levelname} {record.msg!r}: holds the {what}"
        for record in records
        for what, secret in walk.forbidden().items()
        if secret in record_text(record)
    ]
    assert leaks == []


# --- Tables -------------------------------------------------------------------------


def _model_values() -> Iterator[tuple[str, str]]:
    """Every value of every model's rows, read through the models (JSON fields decoded,
    binary fields as hex and text), named by model and field."""
    for model in apps.get_models(include_auto_created=True):
        names = [field.attname for field in model._meta.concrete_fields]
        for row in model._default_manager.values_list(*names):
            for name, value in zip(names, row, strict=True):
                if value is None:
                    continue
                label = f"{model._meta.label}.{name}"
                if isinstance(value, bytes | memoryview):
                    raw = bytes(value)
                    yield label, raw.hex()
                    yield label, raw.decode("latin-1")
                else:
                    yield label, str(value)


def test_no_table_holds_the_address(settings: Settings, make_member: Callable[..., Member]) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "tests.forum.test_broadcast.BrokenLayer"}}
    walk_through_the_site(make_member)

    forms = {form for address in (ADDRESS, ADDRESS_V6) for form in address_forms(address)}
    packed = [ipaddress.ip_address(address).packed for address in (ADDRESS, ADDRESS_V6)]
    raw_values = stored_values()  # every column of every table, by SQL, sessions decoded
    assert any("HiddenLark" in value for value in raw_values), "the scan read nothing"
    found = [f"a table holds {form!r}" for value in raw_values for form in forms if form in value]
    found += [
        f"{label} holds {form!r}"
        for label, value in _model_values()
        for form in forms
        if form in value
    ]
    found += [
        f"{label} holds the packed address"
        for label, value in _model_values()
        for address in packed
        if address.decode("latin-1") in value
    ]
    assert found == []


def _cache_entries() -> dict[str, str]:
    """Every key of the default cache with its value as text (local memory or Redis)."""
    default = caches["default"]
    backend = default._cache  # type: ignore[attr-defined]
    if isinstance(backend, dict):  # LocMemCache
        return {
            key: repr(pickle.loads(value))  # noqa: S301 - our own cache's values
            for key, value in backend.items()
        }
    if isinstance(default, RedisCache):
        client = backend.get_client()
        entries = {}
        for raw_key in client.scan_iter(match=f"{default.key_prefix}*"):
            value = client.get(raw_key)
            if value is not None:
                entries[raw_key.decode()] = repr(backend._serializer.loads(value))
        return entries
    pytest.skip(f"a test cannot read the contents of {type(default).__name__}")


def test_the_cache_holds_only_a_keyed_hash_of_the_address(
    settings: Settings, make_member: Callable[..., Member]
) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "tests.forum.test_broadcast.BrokenLayer"}}
    walk_through_the_site(make_member)

    entries = _cache_entries()
    # A failed sign-in and a sign-up were counted for the address, under a hash.
    assert any(":throttle:addr:" in key for key in entries), list(entries)
    forms = {form for address in (ADDRESS, ADDRESS_V6) for form in address_forms(address)}
    found = [
        f"cache entry {key} holds {form!r}"
        for key, value in entries.items()
        for form in forms
        if form in key + value
    ]
    assert found == []
