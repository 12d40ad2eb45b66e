import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Django must be set up before anything imports models, so the HTTP application is built
# first; the WebSocket routes join it when live threads arrive.
application = get_asgi_application()
