"""Content warnings: a fixed list an author (or a moderator) puts on a post, and each
reader's choice for each warning.

A post's warnings are stored on it as a list of these values, in this list's order; the
warnings of a thread are its opening post's. The shared fragment always renders a post
with warnings collapsed (a <details> that opens without JavaScript), the same for every
viewer; the reader's own choices are applied in the browser (static/js/warnings.js)
from the thread page's data attribute.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class ContentWarning(models.TextChoices):
    SEXUAL_ABUSE = "sexual_abuse", _("Sexual abuse or assault")
    MEDICAL_EXAMINATION = "medical_examination", _("Medical examination details")
    EXPLICIT_SEXUAL_DETAIL = "explicit_sexual_detail", _("Explicit sexual detail")
    RELATIONSHIP_PRESSURE = "relationship_pressure", _("Relationship conflict or pressure")
    PREGNANCY_FERTILITY = "pregnancy_fertility", _("Pregnancy and fertility")
    SELF_HARM = "self_harm", _("Self-harm")


class WarningChoice(models.TextChoices):
    """What a reader wants done with posts carrying one warning."""

    SHOW = "show", _("Show")
    COLLAPSE = "collapse", _("Collapse (show the warning first)")
    HIDE = "hide", _("Hide")


DEFAULT_CHOICE = WarningChoice.COLLAPSE


def normalise(values: Iterable[str]) -> list[str]:
    """Known warnings only, each once, in the list's order: what a post stores."""
    chosen = {str(value) for value in values}
    return [warning.value for warning in ContentWarning if warning.value in chosen]


def labels(values: Iterable[str]) -> list[str]:
    """The readable names of the known warnings among `values`, in the list's order."""
    return [str(ContentWarning(value).label) for value in normalise(values)]


def reader_choices(stored: Mapping[str, Any] | None) -> dict[str, str]:
    """A reader's choice for every warning: what they stored where it is valid, the
    default (collapse) everywhere else. Visitors have the default for all."""
    stored = stored if isinstance(stored, Mapping) else {}
    valid = set(WarningChoice.values)
    return {
        warning.value: (
            str(stored[warning.value])
            if stored.get(warning.value) in valid
            else DEFAULT_CHOICE.value
        )
        for warning in ContentWarning
    }


def reader_choices_json(stored: Mapping[str, Any] | None) -> str:
    """The reader's choices as the thread page's data attribute carries them."""
    return json.dumps(reader_choices(stored), sort_keys=True)
