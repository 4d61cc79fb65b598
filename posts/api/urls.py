from django.urls import path

from posts.api import views

urlpatterns = [
    path("posts/", views.PostCreateView.as_view(), name="api-post-create"),
    path("posts/<int:post_id>/", views.PostDetailView.as_view(), name="api-post-detail"),
    path("posts/<int:post_id>/like/", views.LikeView.as_view(), name="api-post-like"),
    path("posts/<int:post_id>/likes/", views.LikeListView.as_view(), name="api-post-likes"),
    path(
        "posts/<int:post_id>/comments/", views.CommentListView.as_view(), name="api-post-comments"
    ),
    path("posts/<int:post_id>/save/", views.SaveView.as_view(), name="api-post-save"),
    path("comments/<int:comment_id>/", views.CommentDetailView.as_view(), name="api-comment"),
    path("users/<str:username>/posts/", views.UserPostListView.as_view(), name="api-user-posts"),
    path("me/saved/", views.SavedListView.as_view(), name="api-saved"),
    path("reports/", views.ReportCreateView.as_view(), name="api-reports"),
]
