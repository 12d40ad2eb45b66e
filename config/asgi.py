import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Django must be set up before anything imports models: build the HTTP app first.
http_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from forum.routing import websocket_urlpatterns as forum_sockets  # noqa: E402
from moderation.routing import websocket_urlpatterns as moderation_sockets  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": http_application,
        # Only pages of this site may open a socket: the Origin must be an allowed host.
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter([*forum_sockets, *moderation_sockets]))
        ),
    }
)
