"""Template tags for the safety features every page carries."""

from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def leave_quickly_url() -> str:
    """Where "Leave quickly" goes: a neutral site (settings.LEAVE_QUICKLY_URL)."""
    return str(settings.LEAVE_QUICKLY_URL)
