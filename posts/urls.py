from django.urls import path

from posts import views

app_name = "posts"

urlpatterns = [
    path("p/new/", views.post_create, name="create"),
    path("p/<int:post_id>/", views.post_detail, name="detail"),
    path("p/<int:post_id>/edit/", views.post_edit, name="edit"),
    path("p/<int:post_id>/delete/", views.post_delete, name="delete"),
    path("p/<int:post_id>/like/", views.post_like, name="like"),
    path("p/<int:post_id>/save/", views.post_save, name="save"),
    path("p/<int:post_id>/comments/", views.comment_create, name="comment-create"),
    path(
        "p/<int:post_id>/comments/<int:comment_id>/delete/",
        views.comment_delete,
        name="comment-delete",
    ),
    path("p/<int:post_id>/report/", views.report_post, name="report-post"),
    path(
        "p/<int:post_id>/comments/<int:comment_id>/report/",
        views.report_comment,
        name="report-comment",
    ),
    path("saved/", views.saved, name="saved"),
]
