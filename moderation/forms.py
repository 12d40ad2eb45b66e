"""Forms of the moderation pages: they parse and validate, and never write anything."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from forum.content_warnings import ContentWarning
from forum.forms import BodyField, clean_body_text
from forum.guidelines import Guideline
from forum.models import Category, TrustLevel
from moderation.models import ReportReason, ReviewItem, WatchedWord

REASON_MAX_LENGTH = 1000


def _optional_guideline_choices() -> list[tuple[str, Any]]:
    return [("", _("Choose the guideline it relates to")), *Guideline.choices]


class ReasonField(forms.CharField):
    """A moderator's reason: logged, and for most actions shown to the member."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Reason"))
        kwargs.setdefault("max_length", REASON_MAX_LENGTH)
        kwargs.setdefault(
            "error_messages", {"required": _("Please give a reason: it goes in the log.")}
        )
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2}))
        super().__init__(**kwargs)


class GuidelineField(forms.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Guideline"))
        kwargs.setdefault("choices", _optional_guideline_choices)
        kwargs.setdefault(
            "error_messages", {"required": _("Please choose the guideline it relates to.")}
        )
        super().__init__(**kwargs)


# --- Members ----------------------------------------------------------------------------


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What is wrong with this post?"),
        choices=ReportReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose the reason that fits best.")},
    )
    note = forms.CharField(
        label=_("A few words for the moderators"),
        help_text=_(
            "Needed for “Something else”, optional otherwise. Moderators never see who "
            "reported a post."
        ),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        note = (cleaned.get("note") or "").strip()
        cleaned["note"] = note
        if cleaned.get("reason") == ReportReason.OTHER and not note:
            self.add_error("note", _("Please say in a few words what is wrong."))
        return cleaned


class AppealForm(forms.Form):
    text = forms.CharField(
        label=_("Why should the moderators look again?"),
        help_text=_("Only the moderators read this. A few sentences are enough."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Please write a few words for the moderators.")},
    )


# --- Two-factor -------------------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Six-digit code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        error_messages={"required": _("Please type the code your app shows now.")},
    )

    def clean_code(self) -> str:
        return "".join(str(self.cleaned_data["code"]).split())


# --- Moderators: the queue --------------------------------------------------------------

HELD_KINDS = {
    ReviewItem.Kind.HELD_NEW_MEMBER,
    ReviewItem.Kind.HELD_WATCHED_WORD,
    ReviewItem.Kind.HELD_IDENTIFYING,
}

# What a moderator may decide on each kind of item, and what each decision needs.
DECISIONS: dict[str, dict[str, tuple[bool, bool]]] = {
    # decision: (reason required, guideline required)
    **{
        kind: {"approve": (False, False), "reject": (True, True)}
        for kind in (
            ReviewItem.Kind.HELD_NEW_MEMBER,
            ReviewItem.Kind.HELD_WATCHED_WORD,
            ReviewItem.Kind.HELD_IDENTIFYING,
        )
    },
    ReviewItem.Kind.REPORTED: {"remove": (True, True), "dismiss": (True, False)},
    ReviewItem.Kind.APPEAL: {"restore": (True, False), "keep": (True, False)},
}


class DecisionForm(forms.Form):
    """One decision on one queue item, with the version the moderator saw."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    decision = forms.CharField(max_length=16)
    reason = ReasonField(required=False)
    guideline = GuidelineField(required=False)

    def __init__(self, *args: Any, item: ReviewItem, **kwargs: Any) -> None:
        self.item = item
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        allowed = DECISIONS.get(self.item.kind, {})
        decision = cleaned.get("decision")
        if decision not in allowed:
            raise forms.ValidationError(_("That decision does not fit this item."))
        needs_reason, needs_guideline = allowed[decision]
        cleaned["reason"] = (cleaned.get("reason") or "").strip()
        if needs_reason and not cleaned["reason"]:
            self.add_error("reason", _("Please give a reason: it goes in the log."))
        if needs_guideline and not cleaned.get("guideline"):
            self.add_error("guideline", _("Please choose the guideline it relates to."))
        return cleaned


# --- Moderators: posts, threads, members, words ------------------------------------------


class ReasonForm(forms.Form):
    reason = ReasonField()


class ReasonGuidelineForm(forms.Form):
    reason = ReasonField()
    guideline = GuidelineField()


class ContentWarningForm(forms.Form):
    warning = forms.ChoiceField(label=_("Content warning to add"), choices=ContentWarning.choices)
    reason = ReasonField(
        help_text=_(
            "It goes in the log, and the author reads it in a kind notice saying this is "
            "not a punishment."
        )
    )


class ModeratorEditForm(forms.Form):
    body = BodyField(label=_("Text of the post"), help_text="")
    reason = ReasonField(help_text=_("The author is told that a moderator edited the post."))

    def clean_body(self) -> str:
        return clean_body_text(self.cleaned_data["body"])


class MoveThreadForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Move to"), queryset=Category.objects.all(), empty_label=None
    )
    reason = ReasonField()


class SlowModeForm(forms.Form):
    minutes = forms.IntegerField(
        label=_("Minutes between posts per member (0 turns it off)"),
        min_value=0,
        max_value=24 * 60,
    )
    reason = ReasonField()


class TrustForm(forms.Form):
    level = forms.ChoiceField(label=_("Trust level"), choices=TrustLevel.choices)
    locked = forms.BooleanField(
        label=_("Keep this level (automatic promotion leaves it alone)"), required=False
    )
    reason = ReasonField()


class SuspendForm(forms.Form):
    days = forms.IntegerField(label=_("For how many days"), min_value=1, max_value=3650)
    reason = ReasonField(help_text=_("The member reads this in their notice."))
    guideline = GuidelineField()


class WatchedWordForm(forms.Form):
    phrase = forms.CharField(label=_("Word or phrase"), max_length=100)
    action = forms.ChoiceField(
        label=_("What happens to a post that holds it"),
        choices=WatchedWord.Action.choices,
        widget=forms.RadioSelect,
    )
    replacement = forms.CharField(
        label=_("Replace with (for “Replace”)"), max_length=100, required=False
    )
    reason = ReasonField(required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["phrase"] = (cleaned.get("phrase") or "").strip()
        if self.is_bound and not cleaned["phrase"] and "phrase" not in self.errors:
            self.add_error("phrase", _("Please type the word or phrase."))
        if (
            cleaned.get("action") == WatchedWord.Action.REPLACE
            and not cleaned.get("replacement", "").strip()
        ):
            self.add_error("replacement", _("Please say what to replace it with."))
        return cleaned


class RemoveWordForm(forms.Form):
    word = forms.ModelChoiceField(queryset=WatchedWord.objects.all(), widget=forms.HiddenInput)
    reason = ReasonField(required=False)
