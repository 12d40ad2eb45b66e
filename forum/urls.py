from django.urls import path
from django.views.generic import TemplateView

from forum import account_views, following_views, journeys_views, notifications_views, views

app_name = "forum"

urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/", views.category, name="category"),
    path("new/", views.new_thread, name="new_thread"),
    path("t/<int:thread_id>/", views.thread, name="thread"),
    path("t/<int:thread_id>/reply/", views.reply, name="reply"),
    path("t/<int:thread_id>/posts/", views.posts_after, name="posts_after"),
    path("p/<int:post_id>/", views.post, name="post"),
    path("p/<int:post_id>/edit/", views.edit_post, name="edit_post"),
    path("p/<int:post_id>/delete/", views.delete_post, name="delete_post"),
    path("p/<int:post_id>/history/", views.post_history, name="post_history"),
    path("my-posts/", views.my_posts, name="my_posts"),
    path("notifications/", notifications_views.notifications, name="notifications"),
    path(
        "notifications/<int:notification_id>/",
        notifications_views.open_notification,
        name="open_notification",
    ),
    path("notifications/read/", notifications_views.mark_all_read, name="mark_notifications_read"),
    path("notifications/unread/", notifications_views.unread_count, name="unread_notifications"),
    path("join/", account_views.signup, name="signup"),
    path("join/codes/", account_views.recovery_codes, name="recovery_codes"),
    path(
        "join/codes/own-pace-recovery-codes.txt",
        account_views.recovery_codes_download,
        name="recovery_codes_download",
    ),
    path("login/", account_views.sign_in, name="login"),
    path("logout/", account_views.sign_out, name="logout"),
    path("recover/", account_views.recover, name="recover"),
    path("settings/", account_views.settings_page, name="settings"),
    path("settings/password/", account_views.change_password, name="change_password"),
    path("settings/sessions/", account_views.sessions, name="sessions"),
    path(
        "settings/sessions/sign-out-others/",
        account_views.sign_out_others,
        name="sign_out_others",
    ),
    path("settings/pseudonym/", account_views.rename, name="rename"),
    path("settings/recovery-codes/", account_views.regenerate_codes, name="regenerate_codes"),
    path("settings/preferences/", account_views.update_preferences, name="preferences"),
    path(
        "settings/content-warnings/",
        account_views.update_content_warning_choices,
        name="content_warning_choices",
    ),
    path("settings/your-data/download/", account_views.export_data, name="export_data"),
    path("settings/your-data/delete/", account_views.delete_account, name="delete_account"),
    path(
        "guidelines/",
        TemplateView.as_view(template_name="pages/guidelines.html"),
        name="guidelines",
    ),
    path("get-help/", TemplateView.as_view(template_name="pages/get_help.html"), name="get_help"),
    path("about/", TemplateView.as_view(template_name="pages/about.html"), name="about"),
    path("journeys/", journeys_views.journeys, name="journeys"),
    path("journeys/new/", journeys_views.new_journey, name="new_journey"),
    path("journeys/<int:journey_id>/entries/new/", journeys_views.add_entry, name="add_entry"),
    path("journeys/entries/<int:entry_id>/edit/", journeys_views.edit_entry, name="edit_entry"),
    path(
        "journeys/entries/<int:entry_id>/delete/",
        journeys_views.delete_entry,
        name="delete_entry",
    ),
    path("following/<int:thread_id>/", following_views.follow, name="follow"),
    path("following/<int:thread_id>/stop/", following_views.unfollow, name="unfollow"),
    path("p/<int:post_id>/save/", following_views.save_post, name="save_post"),
    path("saved/", following_views.saved, name="saved"),
    path(
        "saved/in-thread/<int:thread_id>/",
        following_views.saved_in_thread,
        name="saved_in_thread",
    ),
    path("settings/reading/", account_views.update_reader_numbers, name="reader_numbers"),
]
