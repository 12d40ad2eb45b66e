from django.urls import path

from forum import consumers

websocket_urlpatterns = [
    path("ws/threads/<int:thread_id>/", consumers.ThreadConsumer.as_asgi()),
    path("ws/me/", consumers.MemberConsumer.as_asgi()),
]
