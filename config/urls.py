from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite

# The admin asks for a code from the authenticator app, like the moderation area:
# a password alone (or a recovery code) never opens it.
admin.site.__class__ = OTPAdminSite

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("moderation.urls")),
    path("", include("forum.urls")),
]

handler400 = "forum.views.bad_request"
handler403 = "forum.views.permission_denied"
handler404 = "forum.views.page_not_found"
handler500 = "config.availability.server_error"
