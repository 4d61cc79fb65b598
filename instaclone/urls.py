from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from feed import views as feed_views
from instaclone import views
from instaclone.media import serve_media
from posts import views as post_views

# Django tries patterns in order, so the most requested come first: the feed's before the
# rest (and before social's, where users/suggested/ would be users/<str:username>/).
api_v1 = [
    path("", include("feed.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("social.api.urls")),
    path("", include("posts.api.urls")),
]

urlpatterns = [
    path("", feed_views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("ping", views.ping, name="ping"),
    # Early: an API request was trying some fifty page patterns first (no page path starts
    # with api/).
    path("api/v1/", include(api_v1)),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("", include("posts.urls")),
    path("", include("feed.urls")),
    # Before the /<username>/ catch-all below: /<username>/followers/ and the like.
    path("", include("social.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script from `?script`, not inline (CSP).
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
]

if settings.MEDIA_STORAGE["BACKEND"].endswith("FileSystemStorage"):
    # Local media is served by Django itself in the embedded setup; a production
    # deployment puts S3 (or the proxy) in front instead.
    urlpatterns += [
        # Only known image and archive types, never as HTML: see instaclone/media.py.
        re_path(r"^media/(?P<path>.*)$", serve_media, name="media")
    ]

# Last: /<username>/ would shadow any path declared after it (and /<username>/report/
# declared in an app included above would shadow /tags/<tag>/ and the like).
urlpatterns += [
    path("<str:username>/report/", post_views.report_user, name="profile-report"),
    path("<str:username>/", post_views.profile, name="profile"),
]

handler404 = "instaclone.errors.page_not_found"
handler500 = "instaclone.errors.server_error"
