"""Pages of the feed and discovery. Included before the /<username>/ catch-all."""

from django.urls import path

from feed import views

app_name = "feed"

urlpatterns = [
    path("explore/", views.explore, name="explore"),
    path("explore/tags/<str:tag>/", views.tag, name="tag"),
    path("tags/<str:tag>/", views.tag_redirect, name="tag-redirect"),
    path("search/", views.search, name="search"),
]
