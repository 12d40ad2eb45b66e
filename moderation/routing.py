from django.urls import path

from moderation import consumers

websocket_urlpatterns = [
    path("ws/moderation/", consumers.ModeratorConsumer.as_asgi()),
]
