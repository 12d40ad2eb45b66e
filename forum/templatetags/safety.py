"""Template tags for the safety features every page carries."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.forms import BaseForm

from forum import signposting

register = template.Library()


@register.simple_tag
def leave_quickly_url() -> str:
    """Where "Leave quickly" goes: a neutral site (settings.LEAVE_QUICKLY_URL)."""
    return str(settings.LEAVE_QUICKLY_URL)


@register.simple_tag
def signpost_terms() -> str:
    """The signposting word list, for the composer's data attribute."""
    return signposting.terms_json()


@register.simple_tag
def signpost_needed(form: BaseForm) -> bool:
    """Whether a composer that came back with a draft should show "Get help now" open:
    the server's own check, so the box appears without JavaScript too."""
    if not form.is_bound:
        return False
    return signposting.mentions_crisis(form.data.get("title", ""), form.data.get("body", ""))
