from django.urls import path

from social.api import views

urlpatterns = [
    path("users/", views.UserSearchView.as_view(), name="api-user-search"),
    path("users/<str:username>/", views.UserDetailView.as_view(), name="api-user-detail"),
    path("users/<str:username>/follow/", views.FollowView.as_view(), name="api-user-follow"),
    path(
        "users/<str:username>/followers/",
        views.FollowerListView.as_view(),
        name="api-user-followers",
    ),
    path(
        "users/<str:username>/following/",
        views.FollowingListView.as_view(),
        name="api-user-following",
    ),
    path("users/<str:username>/block/", views.BlockView.as_view(), name="api-user-block"),
    path(
        "me/followers/<str:username>/", views.FollowerRemoveView.as_view(), name="api-me-follower"
    ),
    path("me/follow-requests/", views.FollowRequestListView.as_view(), name="api-follow-requests"),
    path(
        "me/follow-requests/<str:username>/approve/",
        views.FollowRequestApproveView.as_view(),
        name="api-follow-request-approve",
    ),
    path(
        "me/follow-requests/<str:username>/reject/",
        views.FollowRequestRejectView.as_view(),
        name="api-follow-request-reject",
    ),
    path("notifications/", views.NotificationListView.as_view(), name="api-notifications"),
    path(
        "notifications/read/", views.NotificationReadView.as_view(), name="api-notifications-read"
    ),
]
