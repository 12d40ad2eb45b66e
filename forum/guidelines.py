"""The community guidelines, by name: what a moderator's decision points to.

The guidelines page explains each one; a removed post's tombstone and a moderator's
notice name the guideline, never the moderator's private reasoning.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Guideline(models.TextChoices):
    BE_KIND = "be-kind", _("Be kind, always")
    NO_PRESSURE = "no-pressure", _("Consent leads, pressure never does")
    OWN_PACE = "own-pace", _("You set the pace")
    NOT_MEDICAL_ADVICE = "not-medical-advice", _("Experience, not medical advice")
    PRIVACY = "privacy", _("Protect everyone's privacy")
    NO_SPAM = "no-spam", _("No advertising or spam")


def guideline_url(guideline: str) -> str:
    return f"{reverse('forum:guidelines')}#{guideline}"
