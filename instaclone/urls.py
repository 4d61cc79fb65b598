from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from feed import views as feed_views
from instaclone import views
from posts import views as post_views

api_v1 = [
    path("", include("accounts.api.urls")),
    # Before social's: users/suggested/ would otherwise be users/<str:username>/.
    path("", include("feed.api.urls")),
    path("", include("social.api.urls")),
    path("", include("posts.api.urls")),
]

urlpatterns = [
    path("", feed_views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("ping", views.ping, name="ping"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("", include("posts.urls")),
    path("", include("feed.urls")),
    # Before the /<username>/ catch-all below: /<username>/followers/ and the like.
    path("", include("social.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

if settings.MEDIA_STORAGE["BACKEND"].endswith("FileSystemStorage"):
    # Local media is served by Django itself in the embedded setup; a production
    # deployment puts S3 (or the proxy) in front instead.
    urlpatterns += [
        re_path(
            r"^media/(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
            name="media",
        )
    ]

# Last: /<username>/ would shadow any path declared after it.
urlpatterns += [
    path("<str:username>/", post_views.profile, name="profile"),
]

handler404 = "instaclone.errors.page_not_found"
handler500 = "instaclone.errors.server_error"
