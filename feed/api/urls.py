from django.urls import path

from feed.api import views

urlpatterns = [
    path("feed/", views.FeedView.as_view(), name="api-feed"),
    path("explore/", views.ExploreView.as_view(), name="api-explore"),
    path("tags/trending/", views.TrendingTagsView.as_view(), name="api-tags-trending"),
    path("tags/<str:name>/posts/", views.TagPostsView.as_view(), name="api-tag-posts"),
    # Before social's users/<str:username>/ (instaclone/urls.py includes feed first).
    path("users/suggested/", views.SuggestedUsersView.as_view(), name="api-users-suggested"),
]
