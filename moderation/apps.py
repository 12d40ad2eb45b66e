from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    """Everything a moderator does. It builds on forum; forum never imports it."""

    name = "moderation"
    verbose_name = _("Moderation")
