from django.urls import path

from moderation import views

app_name = "moderation"

urlpatterns = [
    # Members
    path("p/<int:post_id>/report/", views.report, name="report"),
    path("reports/", views.my_reports, name="my_reports"),
    path("notices/", views.notices, name="notices"),
    path("notices/unread/", views.unread_notices, name="unread_notices"),
    path("notices/<int:notice_id>/appeal/", views.appeal, name="appeal"),
    path("transparency/", views.transparency, name="transparency"),
    # Moderators (two-factor)
    path("moderation/", views.queue, name="queue"),
    path("moderation/items/", views.queue_items, name="queue_items"),
    path("moderation/items/<int:item_id>/", views.decide, name="decide"),
    path("moderation/log/", views.log, name="log"),
    path("moderation/words/", views.words, name="words"),
    path("moderation/posts/<int:post_id>/", views.post, name="post"),
    path("moderation/threads/<int:thread_id>/", views.thread, name="thread"),
    path("moderation/members/<int:member_id>/", views.member, name="member"),
    path("moderation/reveals/", views.reveal_requests, name="reveal_requests"),
    path("moderation/reveals/<int:request_id>/", views.reveal_result, name="reveal_result"),
    path("moderation/two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("moderation/two-factor/", views.two_factor_verify, name="two_factor_verify"),
]
