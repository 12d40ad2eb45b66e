"""Forms: they parse and validate what a member typed, and never write anything."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from forum.content_warnings import (
    ContentWarning,
    WarningChoice,
    labels,
    normalise,
    reader_choices,
)
from forum.models import (
    COMFORT_MAX,
    AnonymousPosting,
    Category,
    Member,
    Milestone,
    Perspective,
    Post,
    Thread,
)
from forum.pseudonyms import MAX_LENGTH, pseudonym_key, validate_pseudonym

# C0 and C1 control characters, except the line breaks and tab that text may carry.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
LINE_BREAKS_AND_TABS = re.compile("[\n\r\t\u2028\u2029]")


def clean_body_text(value: str) -> str:
    body = value.replace("\r\n", "\n").replace("\r", "\n")
    if CONTROL_CHARACTERS.search(body):
        raise forms.ValidationError(
            _("The text holds invisible control characters (such as NUL). Please remove them."),
            code="control",
        )
    if not body.strip():
        raise forms.ValidationError(_("Please write something first."), code="required")
    if len(body) > settings.BODY_MAX_LENGTH:
        raise forms.ValidationError(
            _("Please keep a post under %(max)s characters (this one has %(count)s)."),
            code="max_length",
            params={"max": f"{settings.BODY_MAX_LENGTH:,}", "count": f"{len(body):,}"},
        )
    return body


def clean_title_text(value: str) -> str:
    if CONTROL_CHARACTERS.search(value) or LINE_BREAKS_AND_TABS.search(value):
        raise forms.ValidationError(
            _("The title holds control characters or line breaks. Please remove them."),
            code="control",
        )
    title = value.strip()
    if not title:
        raise forms.ValidationError(_("Please give the thread a title."), code="required")
    return title


class BodyField(forms.CharField):
    """A post body. Its limit is checked after line endings are normalised, so the
    browser's own limit attribute is left off: CRLF would count twice there."""

    widget = forms.Textarea(attrs={"rows": 10})

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Your post"))
        kwargs.setdefault(
            "help_text",
            _("Markdown works: *emphasis*, **strong**, lists, > quotes and links."),
        )
        super().__init__(strip=False, **kwargs)

    def clean(self, value: Any) -> str:
        return clean_body_text(super().clean(value) or "")


class ContentWarningsField(forms.MultipleChoiceField):
    """The content warnings an author puts on a post: boxes from the fixed list."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Content warnings"))
        kwargs.setdefault(
            "help_text",
            _(
                "Tick what this post talks about, so readers can choose when to read it. "
                "Each reader decides whether such posts are shown, folded behind the "
                "warning, or hidden."
            ),
        )
        super().__init__(choices=ContentWarning.choices, required=False, **kwargs)

    def clean(self, value: Any) -> list[str]:
        return normalise(super().clean(value) or [])


class SubmissionTokenField(forms.UUIDField):
    """A one-time token carried by a posting form, so sending it twice posts once."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)


class PostingForm(forms.Form):
    submission_token = SubmissionTokenField()
    # Shown only once the screening warned that the text may identify someone: the author
    # may publish anyway, and the post then waits for a moderator.
    publish_anyway = forms.BooleanField(
        label=_("Publish anyway — a moderator will look at it first"), required=False
    )
    anonymous = forms.BooleanField(
        label=_("Post anonymously"),
        required=False,
        help_text=_(
            "Others see an alias for this thread (such as “Anonymous Gentle Heron”), never "
            "your pseudonym. You can still edit or delete it, and you are notified of replies."
        ),
    )
    content_warnings = ContentWarningsField()
    show_perspective = forms.BooleanField(
        label=_("Show my perspective on this post if it is anonymous"),
        required=False,
        help_text=_(
            "Your perspective (chosen in Settings) always shows beside your pseudonym. An "
            "anonymous post shows it only if you tick this, and keeps it as it is now."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.confirmation_warning = ""
        if not self.is_bound:
            self.initial.setdefault("submission_token", uuid.uuid4())

    def follow_policy(self, policy: str | None) -> None:
        """The "Post anonymously" box as the category's policy has it: absent where it
        is off, ticked and fixed (the form says so) where every post is anonymous.
        forum.actions applies the policy again, so a forged field changes nothing."""
        if policy == AnonymousPosting.OFF:
            del self.fields["anonymous"]
            del self.fields["show_perspective"]
        elif policy == AnonymousPosting.ALWAYS:
            field = self.fields["anonymous"]
            field.disabled = True
            field.initial = True
            field.help_text = _(
                "Every post in this category is anonymous: others see an alias for this "
                "thread, never your pseudonym."
            )

    def anonymous_chosen(self) -> bool:
        return bool(self.cleaned_data.get("anonymous"))

    def perspective_chosen(self) -> bool:
        return bool(self.cleaned_data.get("show_perspective"))

    def ask_to_confirm(self, warning: str) -> None:
        """The screening found details that could identify someone: say so, keep the
        text, and offer the "Publish anyway" box."""
        self.confirmation_warning = warning

    @property
    def confirming(self) -> bool:
        """Whether the "Publish anyway" box is shown: after the warning, and while the
        author keeps it ticked (a preview, another refusal)."""
        return bool(self.confirmation_warning) or (
            self.is_bound and self.data.get("publish_anyway") in ("on", "true", "1")
        )

    def publish_anyway_chosen(self) -> bool:
        return bool(self.cleaned_data.get("publish_anyway"))

    def token(self) -> uuid.UUID:
        # A form sent without a token (an old page, a script) still posts, just once.
        return self.cleaned_data.get("submission_token") or uuid.uuid4()


class ThreadForm(PostingForm):
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all(), empty_label=None
    )
    title = forms.CharField(label=_("Title"), max_length=settings.TITLE_MAX_LENGTH, strip=False)
    body = BodyField()

    field_order = [
        "category",
        "title",
        "body",
        "content_warnings",
        "anonymous",
        "show_perspective",
        "submission_token",
    ]

    def __init__(self, *args: Any, category: Category | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if category is not None:
            self.follow_policy(category.anonymous_posting)

    def clean_title(self) -> str:
        return clean_title_text(self.cleaned_data["title"])


class ReplyForm(PostingForm):
    body = BodyField(label=_("Your reply"))
    # The post this reply quotes, carried from its Quote link, so its author is told.
    # Anything but the id of a live post of this thread cleans to None, never to an error.
    quote = forms.CharField(required=False, widget=forms.HiddenInput)

    field_order = ["body", "content_warnings", "anonymous", "show_perspective"]

    def __init__(self, *args: Any, thread: Thread | None = None, **kwargs: Any) -> None:
        self.thread = thread
        super().__init__(*args, **kwargs)
        if thread is not None:
            self.follow_policy(thread.category.anonymous_posting)

    def clean_quote(self) -> Post | None:
        """The quoted post when it is a live post of this thread; otherwise no quote.

        Never an error: the post may have been deleted while the reply was written, and
        a reply must not fail over a hidden field.
        """
        raw = str(self.cleaned_data.get("quote") or "")
        if self.thread is None or not re.fullmatch(r"[0-9]{1,18}", raw):
            return None
        return (
            Post.objects.only("thread_id", "author_id", "deleted_at")
            .filter(thread=self.thread, pk=int(raw), deleted_at__isnull=True, status="published")
            .first()
        )


class EditPostForm(forms.Form):
    body = BodyField()
    content_warnings = ContentWarningsField()

    def __init__(self, *args: Any, moderator_warnings: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if moderator_warnings:
            # forum.actions.edit_post keeps them whatever is ticked; the form says so.
            field = self.fields["content_warnings"]
            field.help_text = _(
                "%(help)s A moderator added “%(added)s”: it stays on this post."
            ) % {"help": field.help_text, "added": "”, “".join(labels(moderator_warnings))}


class PseudonymField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Pseudonym"))
        super().__init__(
            max_length=MAX_LENGTH * 2,
            help_text=_(
                "3 to 30 letters, digits, “_” or “-”. Others will see this name; "
                "it cannot be your email address."
            ),
            **kwargs,
        )
        self.widget.attrs.update(
            {"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        )

    def clean(self, value: Any) -> str:
        pseudonym = str(super().clean(value)).strip()
        validate_pseudonym(pseudonym)
        return unicodedata.normalize("NFKC", pseudonym)


class NewPasswordMixin(forms.Form):
    """Two password fields checked by Django's validators against the pseudonym."""

    new_password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters. A few unrelated words make a strong one."),
    )
    new_password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def pseudonym_for_validation(self) -> str:
        return str(self.cleaned_data.get("pseudonym", ""))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("new_password1"), cleaned.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", _("The two passwords are different."))
        elif first:
            probe = Member(pseudonym=self.pseudonym_for_validation())
            try:
                password_validation.validate_password(first, probe)
            except forms.ValidationError as error:
                self.add_error("new_password1", error)
        return cleaned


class SignupForm(NewPasswordMixin):
    pseudonym = PseudonymField()

    field_order = ["pseudonym", "new_password1", "new_password2"]

    def clean_pseudonym(self) -> str:
        pseudonym = str(self.cleaned_data["pseudonym"])
        if Member.objects.filter(pseudonym_key=pseudonym_key(pseudonym)).exists():
            raise forms.ValidationError(
                _("That pseudonym is taken. Please choose another."), code="taken"
            )
        return pseudonym


class SignInForm(AuthenticationForm):
    shared_device = forms.BooleanField(
        label=_("This is a shared device: sign me out when the browser closes"),
        required=False,
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "That pseudonym and password do not match an account. "
            "Check both; the password is case-sensitive."
        ),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Pseudonym")


class RecoverForm(NewPasswordMixin):
    pseudonym = forms.CharField(label=_("Pseudonym"), max_length=MAX_LENGTH * 2)
    code = forms.CharField(
        label=_("One of your recovery codes"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )

    field_order = ["pseudonym", "code", "new_password1", "new_password2"]


class RenameForm(forms.Form):
    pseudonym = PseudonymField(label=_("New pseudonym"))

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        self.member = member
        super().__init__(*args, **kwargs)

    def clean_pseudonym(self) -> str:
        pseudonym = str(self.cleaned_data["pseudonym"])
        taken = Member.objects.filter(pseudonym_key=pseudonym_key(pseudonym)).exclude(
            pk=self.member.pk
        )
        if taken.exists():
            raise forms.ValidationError(
                _("That pseudonym is taken. Please choose another."), code="taken"
            )
        return pseudonym


class ConfirmPasswordForm(forms.Form):
    password = forms.CharField(
        label=_("Your current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        self.member = member
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = str(self.cleaned_data["password"])
        if not self.member.check_password(password):
            raise forms.ValidationError(_("That is not your current password."), code="wrong")
        return password


class PreferencesForm(forms.Form):
    """Settings › Privacy on this device. An unticked box is simply absent from the POST."""

    discreet_mode = forms.BooleanField(label=_("Discreet mode"), required=False)


class ContentWarningChoicesForm(forms.Form):
    """Settings › Content warnings: one choice per warning (show, collapse or hide)."""

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = reader_choices(member.content_warning_choices)
        for warning in ContentWarning:
            self.fields[warning.value] = forms.ChoiceField(
                label=warning.label,
                choices=WarningChoice.choices,
                initial=current[warning.value],
                widget=forms.RadioSelect,
            )

    def choices(self) -> dict[str, str]:
        return {warning.value: self.cleaned_data[warning.value] for warning in ContentWarning}


class PerspectiveForm(forms.Form):
    """Settings › People: how the member's posts are framed."""

    perspective = forms.ChoiceField(
        label=_("Your perspective"),
        choices=[("", _("Nothing (the default)")), *Perspective.choices],
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "A small label beside your pseudonym on your posts, so readers know whose side "
            "of the story they are reading. Nobody checks it."
        ),
    )


class JourneyForm(PostingForm):
    """Begin a journey: its title and where the member is starting (the opening post)."""

    title = forms.CharField(
        label=_("A title for your journey"),
        max_length=settings.TITLE_MAX_LENGTH,
        strip=False,
        help_text=_("For example “Slowly, with a lot of tea”. Others see it on the Journeys page."),
    )
    body = BodyField(
        label=_("Where you are starting"),
        help_text=_(
            "A few words about where you are now, as much or as little as you like. "
            "Others can reply to it. Markdown works."
        ),
    )

    field_order = ["title", "body", "content_warnings", "anonymous", "submission_token"]

    def __init__(self, *args: Any, category: Category | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.follow_policy(category.anonymous_posting if category is not None else None)

    def clean_title(self) -> str:
        return clean_title_text(self.cleaned_data["title"])


class EntryVisibility(forms.ChoiceField):
    PRIVATE = "private"
    SHARED = "shared"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            label=_("Who sees this entry"),
            choices=[
                (self.PRIVATE, _("Only me")),
                (self.SHARED, _("Shared on my journey")),
            ],
            initial=self.PRIVATE,
            widget=forms.RadioSelect,
            help_text=_(
                "Entries are private until you share them; you can change this later. "
                "Followers hear of an entry only when it is shared."
            ),
            **kwargs,
        )


class JourneyEntryForm(forms.Form):
    """An entry of the member's own journey. The note field is called "body", as in the
    other composers, so the wellbeing signposting and the expired-form page find it."""

    submission_token = SubmissionTokenField()
    happened_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    milestone = forms.ChoiceField(
        label=_("Milestone (optional)"),
        choices=[("", _("No milestone")), *Milestone.choices],
        required=False,
        help_text=_("Setbacks and breaks belong to a journey as much as any other step."),
    )
    dilator_size = forms.CharField(
        label=_("Dilator size"),
        max_length=20,
        required=False,
        help_text=_("With “moved up a dilator size”: the size as your set names it."),
    )
    comfort = forms.IntegerField(
        label=_("Comfort, from 0 to 10 (optional)"),
        min_value=0,
        max_value=COMFORT_MAX,
        required=False,
        help_text=_("0 is very uncomfortable, 10 completely comfortable."),
    )
    shares_comfort = forms.BooleanField(
        label=_("Share my rating with this entry"),
        required=False,
        help_text=_("Without this, only you see the rating, even on a shared entry."),
    )
    body = forms.CharField(
        label=_("Note"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown works: *emphasis*, **strong**, lists, > quotes and links."),
    )
    visibility = EntryVisibility()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission_token", uuid.uuid4())

    def clean_body(self) -> str:
        raw = str(self.cleaned_data.get("body") or "")
        return clean_body_text(raw) if raw.strip() else ""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        if not (
            cleaned.get("body") or cleaned.get("milestone") or cleaned.get("comfort") is not None
        ):
            raise forms.ValidationError(
                _("Please add a note, a milestone or a comfort rating."), code="empty"
            )
        if (
            cleaned.get("milestone") == Milestone.MOVED_UP_A_SIZE
            and not str(cleaned.get("dilator_size") or "").strip()
        ):
            self.add_error("dilator_size", _("Which size did you move up to?"))
        return cleaned

    def entry_fields(self) -> dict[str, Any]:
        """The cleaned entry as the journey actions take it."""
        data = self.cleaned_data
        return {
            "happened_on": data["happened_on"],
            "milestone": data.get("milestone") or "",
            "dilator_size": data.get("dilator_size") or "",
            "comfort": data.get("comfort"),
            "shares_comfort": bool(data.get("shares_comfort")),
            "note": data.get("body") or "",
            "is_shared": data.get("visibility") == EntryVisibility.SHARED,
        }

    def token(self) -> uuid.UUID:
        return self.cleaned_data.get("submission_token") or uuid.uuid4()


class ReaderNumbersForm(forms.Form):
    """Settings › Reading: "hide other people's numbers"."""

    hides_others_numbers = forms.BooleanField(
        label=_("Hide other people's numbers"), required=False
    )
