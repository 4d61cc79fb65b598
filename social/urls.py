"""Pages of the social graph. Included before the /<username>/ catch-all."""

from django.urls import path

from social import views

app_name = "social"

urlpatterns = [
    path("accounts/requests/", views.follow_requests, name="requests"),
    path(
        "accounts/requests/<str:username>/approve/",
        views.follow_request_approve,
        name="request-approve",
    ),
    path(
        "accounts/requests/<str:username>/reject/",
        views.follow_request_reject,
        name="request-reject",
    ),
    path(
        "accounts/followers/<str:username>/remove/", views.follower_remove, name="follower-remove"
    ),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications-read"),
    path("<str:username>/follow/", views.follow, name="follow"),
    path("<str:username>/block/", views.block, name="block"),
    path("<str:username>/unblock/", views.unblock, name="unblock"),
    path("<str:username>/followers/", views.followers, name="followers"),
    path("<str:username>/following/", views.following, name="following"),
]
