"""Joining, signing in and out, recovering an account and its settings."""

from __future__ import annotations

import logging
import re
import secrets

from django import forms
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from forum import actions, export, ratelimits, throttle
from forum.forms import (
    ConfirmPasswordForm,
    ContentWarningChoicesForm,
    PreferencesForm,
    ReaderNumbersForm,
    RecoverForm,
    RenameForm,
    SignInForm,
    SignupForm,
)
from forum.models import BrowserSession, Member
from forum.pseudonyms import pseudonym_key, suggest_pseudonyms

BACKEND = "django.contrib.auth.backends.ModelBackend"

# Fresh recovery codes wait in the cache, never in the database (sessions are stored
# there, readable by anyone with a backup), for long enough to show and download them.
# The session holds only a random ticket naming them.
FRESH_CODES_SESSION_KEY = "fresh_recovery_codes_ticket"
FRESH_CODES_SECONDS = 30 * 60

logger = logging.getLogger("ownpace.accounts")

# What a session remembers of its row in the sessions list: the row's id, the session key
# it was recorded under and the last day it was counted (forum.middleware).
BROWSER_SESSION_KEY = "browser_session"

# The browser families the sessions list names; the order matters (Edge and Opera say
# "Chrome" too, and Chrome says "Safari").
_BROWSER_FAMILIES = [
    ("Edge", re.compile(r"\bEdg(?:e|A|iOS)?/")),
    ("Other", re.compile(r"\b(?:OPR|Opera|SamsungBrowser|YaBrowser|UCBrowser|Vivaldi)/")),
    ("Firefox", re.compile(r"\b(?:Firefox|FxiOS)/")),
    ("Chrome", re.compile(r"(?:\b|Headless)(?:Chrome|CriOS|Chromium)/")),
    ("Safari", re.compile(r"\bVersion/[\d.]+.*\bSafari/")),
]


def browser_family(user_agent: str) -> str:
    """Firefox, Chrome, Safari, Edge or Other: all the sessions list keeps of a browser."""
    for family, pattern in _BROWSER_FAMILIES:
        if pattern.search(user_agent):
            return family
    return "Other"


def _sign_in(request: HttpRequest, member: Member, backend: str | None = None) -> None:
    """Sign the member in and add this browser to their sessions list."""
    login(request, member, backend=backend)
    if request.session.session_key is None:
        # login() flushed another account's session: the new one needs its key now.
        request.session.save()
    key = request.session.session_key
    assert key is not None
    row = actions.record_browser_session(
        member=member,
        session_key=key,
        browser=browser_family(request.META.get("HTTP_USER_AGENT", "")),
    )
    request.session[BROWSER_SESSION_KEY] = {
        "id": row.pk,
        "key": key,
        "day": timezone.localdate().isoformat(),
    }


def _fresh_codes_cache_key(ticket: str) -> str:
    return f"fresh-recovery-codes:{ticket}"


def _show_fresh_codes(request: HttpRequest, codes: list[str]) -> HttpResponse:
    ticket = secrets.token_urlsafe(24)
    try:
        cache.set(_fresh_codes_cache_key(ticket), codes, FRESH_CODES_SECONDS)
    except Exception:
        # Without the cache the codes cannot wait for a second request: show them now,
        # once, rather than lose them.
        logger.warning("cache unavailable; showing recovery codes without a download")
        return render(
            request, "accounts/recovery_codes.html", {"codes": codes, "can_download": False}
        )
    request.session[FRESH_CODES_SESSION_KEY] = ticket
    return redirect("forum:recovery_codes")


def _fresh_codes(request: HttpRequest) -> list[str] | None:
    ticket = request.session.get(FRESH_CODES_SESSION_KEY)
    if not ticket:
        return None
    try:
        codes: list[str] | None = cache.get(_fresh_codes_cache_key(ticket))
    except Exception:
        logger.warning("cache unavailable; fresh recovery codes cannot be shown")
        return None
    return codes


def _forget_fresh_codes(request: HttpRequest) -> None:
    ticket = request.session.pop(FRESH_CODES_SESSION_KEY, None)
    if ticket:
        try:
            cache.delete(_fresh_codes_cache_key(ticket))
        except Exception:
            logger.warning("cache unavailable; fresh recovery codes expire on their own")


def _free_suggestions() -> list[str]:
    suggestions = suggest_pseudonyms(6)
    taken = set(
        Member.objects.filter(
            pseudonym_key__in=[pseudonym_key(name) for name in suggestions]
        ).values_list("pseudonym_key", flat=True)
    )
    return [name for name in suggestions if pseudonym_key(name) not in taken][:3]


def _safe_next(request: HttpRequest, fallback: str = "forum:home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("forum:home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        refusal_text = ratelimits.signup_refusal(request)
        if refusal_text:
            form.add_error(None, refusal_text)
        else:
            try:
                member, codes = actions.register_member(
                    pseudonym=form.cleaned_data["pseudonym"],
                    password=form.cleaned_data["new_password1"],
                )
            except actions.PseudonymTaken as refusal:
                form.add_error("pseudonym", str(refusal))
            else:
                ratelimits.record_signup(request)
                _sign_in(request, member, backend=BACKEND)
                return _show_fresh_codes(request, codes)
    return render(
        request, "accounts/signup.html", {"form": form, "suggestions": _free_suggestions()}
    )


@login_required
@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        _forget_fresh_codes(request)
        messages.success(request, _("Your recovery codes are no longer shown here."))
        return redirect("forum:home")
    codes = _fresh_codes(request)
    if not codes:
        return redirect("forum:settings")
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "can_download": True})


@login_required
def recovery_codes_download(request: HttpRequest) -> HttpResponse:
    codes = _fresh_codes(request)
    if not codes:
        return redirect("forum:settings")
    lines = [
        _("Own Pace recovery codes"),
        "",
        _("Each code works once. With your pseudonym and one of these you can set a new"),
        _("password if you forget yours. Keep them somewhere private."),
        "",
        *codes,
        "",
    ]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="own-pace-recovery-codes.txt"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    pseudonym = request.POST.get("username", "")
    throttled = request.method == "POST" and throttle.is_throttled(request, pseudonym)
    if request.method == "POST" and not throttled:
        form = SignInForm(request, data=request.POST)
        if form.is_valid():
            throttle.clear_name(pseudonym)
            _sign_in(request, form.get_user())
            if form.cleaned_data.get("shared_device"):
                request.session.set_expiry(0)
            return redirect(_safe_next(request))
        throttle.record_failure(request, pseudonym)
    else:
        # A throttled attempt is not even checked: no password is compared.
        form = SignInForm(request, initial={"username": pseudonym})
    return render(
        request,
        "accounts/login.html",
        {"form": form, "throttled": throttled, "next": _safe_next(request, "")},
        status=429 if throttled else 200,
    )


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    if isinstance(request.user, Member):
        actions.end_browser_session(member=request.user, session_key=request.session.session_key)
    logout(request)
    response = redirect("forum:home")
    # Nothing of the visit stays in this browser: its cache, cookies and storage (drafts)
    # for this site are cleared. Browsers honour it over HTTPS and on localhost.
    response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def sessions(request: HttpRequest) -> HttpResponse:
    """Settings › Where you are signed in: started, last used and browser family only."""
    member = request.user
    assert isinstance(member, Member)
    # A row outlives its session when the session expired or its key changed under it:
    # only sessions that can still be used are listed.
    rows = BrowserSession.objects.filter(member=member).signed_in().order_by("-started_at", "-pk")
    this_key = request.session.session_key
    listed = [
        {
            "started_at": row.started_at,
            "last_used_on": row.last_used_on,
            "browser": row.browser or "Other",
            "is_this_browser": row.session_key == this_key,
        }
        for row in rows
    ]
    listed.sort(key=lambda entry: not entry["is_this_browser"])
    return render(
        request,
        "accounts/sessions.html",
        {
            "browser_sessions": listed,
            "others": sum(1 for entry in listed if not entry["is_this_browser"]),
        },
    )


@login_required
@require_POST
def sign_out_others(request: HttpRequest) -> HttpResponse:
    member = request.user
    assert isinstance(member, Member)
    ended = actions.sign_out_other_browsers(
        member=member, keep_session_key=request.session.session_key or ""
    )
    messages.success(
        request,
        ngettext(
            "%(count)d other browser is signed out.",
            "%(count)d other browsers are signed out.",
            ended,
        )
        % {"count": ended},
    )
    return redirect("forum:sessions")


@require_http_methods(["GET", "POST"])
def recover(request: HttpRequest) -> HttpResponse:
    pseudonym = request.POST.get("pseudonym", "")
    throttled = request.method == "POST" and throttle.is_throttled(request, pseudonym)
    if request.method != "POST" or throttled:
        form = RecoverForm(initial={"pseudonym": pseudonym})
        return render(
            request,
            "accounts/recover.html",
            {"form": form, "throttled": throttled},
            status=429 if throttled else 200,
        )
    form = RecoverForm(request.POST)
    if form.is_valid():
        member = actions.recover_account(
            pseudonym=form.cleaned_data["pseudonym"],
            code=form.cleaned_data["code"],
            new_password=form.cleaned_data["new_password1"],
        )
        if member is not None:
            throttle.clear_name(pseudonym)
            _sign_in(request, member, backend=BACKEND)
            left = member.recovery_codes.filter(used_at__isnull=True).count()
            messages.success(
                request,
                _(
                    "Your password is changed. You have %(left)d unused recovery codes left; "
                    "you can make a new set in Settings."
                )
                % {"left": left},
            )
            return redirect("forum:settings")
        throttle.record_failure(request, pseudonym)
        form.add_error("code", _("That code does not match an unused code of this pseudonym."))
    return render(request, "accounts/recover.html", {"form": form, "throttled": False})


def _settings_page(
    request: HttpRequest,
    *,
    password_form: PasswordChangeForm | None = None,
    rename_form: RenameForm | None = None,
    codes_form: ConfirmPasswordForm | None = None,
    warnings_form: ContentWarningChoicesForm | None = None,
    status: int = 200,
) -> HttpResponse:
    member = request.user
    assert isinstance(member, Member)
    context = {
        "password_form": password_form or PasswordChangeForm(member),
        "rename_form": rename_form or RenameForm(member=member),
        "codes_form": codes_form or ConfirmPasswordForm(member=member),
        "warnings_form": warnings_form or ContentWarningChoicesForm(member=member),
        "unused_codes": member.recovery_codes.filter(used_at__isnull=True).count(),
    }
    return render(request, "accounts/settings.html", context, status=status)


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    return _settings_page(request)


@login_required
@require_POST
def change_password(request: HttpRequest) -> HttpResponse:
    member = request.user
    assert isinstance(member, Member)
    form = PasswordChangeForm(member, request.POST)
    if not form.is_valid():
        return _settings_page(request, password_form=form, status=400)
    actions.change_password(
        member=member,
        new_password=form.cleaned_data["new_password1"],
        keep_session_key=request.session.session_key,
    )
    # Keeps this session signed in (under a new key, which its row in the sessions list
    # follows: forum.middleware); every other session of the account has ended.
    update_session_auth_hash(request, member)
    messages.success(request, _("Your password is changed."))
    return redirect("forum:settings")


@login_required
@require_POST
def rename(request: HttpRequest) -> HttpResponse:
    member = request.user
    assert isinstance(member, Member)
    form = RenameForm(request.POST, member=member)
    if form.is_valid():
        try:
            actions.rename_member(member=member, pseudonym=form.cleaned_data["pseudonym"])
        except actions.PseudonymTaken as refusal:
            form.add_error("pseudonym", str(refusal))
        else:
            messages.success(request, _("Your pseudonym is changed everywhere."))
            return redirect("forum:settings")
    return _settings_page(request, rename_form=form, status=400)


@login_required
@require_POST
def regenerate_codes(request: HttpRequest) -> HttpResponse:
    member = request.user
    assert isinstance(member, Member)
    form = ConfirmPasswordForm(request.POST, member=member)
    if not form.is_valid():
        return _settings_page(request, codes_form=form, status=400)
    return _show_fresh_codes(request, actions.regenerate_recovery_codes(member=member))


@login_required
@require_POST
def update_preferences(request: HttpRequest) -> HttpResponse:
    """Settings › Privacy on this device: discreet mode on or off."""
    member = request.user
    assert isinstance(member, Member)
    form = PreferencesForm(request.POST)
    if not form.is_valid():  # a lone checkbox cannot be invalid; kept for the shape
        return _settings_page(request, status=400)
    enabled = bool(form.cleaned_data["discreet_mode"])
    actions.set_discreet_mode(member=member, enabled=enabled)
    messages.success(request, _("Discreet mode is on.") if enabled else _("Discreet mode is off."))
    return redirect("forum:settings")


@login_required
@require_POST
def update_content_warning_choices(request: HttpRequest) -> HttpResponse:
    """Settings › Content warnings: show, collapse or hide, per warning."""
    member = request.user
    assert isinstance(member, Member)
    form = ContentWarningChoicesForm(request.POST, member=member)
    if not form.is_valid():
        return _settings_page(request, warnings_form=form, status=400)
    actions.set_content_warning_choices(member=member, choices=form.choices())
    messages.success(request, _("Your content warning choices are saved."))
    return redirect("forum:settings")


# --- Your data: the download and deleting the account ------------------------------------


class DeleteAccountForm(ConfirmPasswordForm):
    """The password again, and what becomes of the posts."""

    KEEP = "keep"
    DELETE = "delete"

    posts = forms.ChoiceField(
        label=_("Your posts"),
        choices=[
            (KEEP, _("Keep my posts, shown as “former member”")),
            (DELETE, _("Delete my posts too")),
        ],
        widget=forms.RadioSelect,
    )
    field_order = ["posts", "password"]


@login_required
@require_http_methods(["GET", "POST"])
def export_data(request: HttpRequest) -> HttpResponse:
    """Settings › Your data › Download: everything that is the member's own, as JSON."""
    member = request.user
    assert isinstance(member, Member)
    form = ConfirmPasswordForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        response = HttpResponse(
            export.member_data_json(member), content_type="application/json; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="own-pace-my-data.json"'
        response["Cache-Control"] = "no-store"
        return response
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/export.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    """Settings › Your data › Delete: after the password, the account is gone for good
    and this browser is signed out."""
    member = request.user
    assert isinstance(member, Member)
    form = DeleteAccountForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            actions.delete_account(
                member=member, keep_posts=form.cleaned_data["posts"] == DeleteAccountForm.KEEP
            )
        except actions.ActionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            logout(request)
            messages.success(request, _("Your account is deleted. Take good care."))
            response = redirect("forum:home")
            # As at sign-out: nothing of the account stays in this browser (the message
            # above travels in the new, signed-out session's cookie, set after this).
            response["Clear-Site-Data"] = '"cache", "storage"'
            response["Cache-Control"] = "no-store"
            return response
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/delete_account.html", {"form": form}, status=status)


@login_required
@require_POST
def update_reader_numbers(request: HttpRequest) -> HttpResponse:
    """Settings › Reading journeys: "hide other people's numbers" on or off."""
    member = request.user
    assert isinstance(member, Member)
    form = ReaderNumbersForm(request.POST)
    if not form.is_valid():  # a lone checkbox cannot be invalid; kept for the shape
        return _settings_page(request, status=400)
    enabled = bool(form.cleaned_data["hides_others_numbers"])
    actions.set_hides_others_numbers(member=member, enabled=enabled)
    messages.success(
        request,
        _("Other people's numbers are hidden.")
        if enabled
        else _("Other people's numbers are shown again."),
    )
    return redirect(f"{reverse('forum:settings')}#reading-journeys")
