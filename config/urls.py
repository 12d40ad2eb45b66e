from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("forum.urls")),
]

handler400 = "forum.views.bad_request"
handler403 = "forum.views.permission_denied"
handler404 = "forum.views.page_not_found"
handler500 = "forum.views.server_error"
