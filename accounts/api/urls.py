from django.urls import path

from accounts.api import views

urlpatterns = [
    path("auth/register/", views.RegisterView.as_view(), name="api-register"),
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("auth/token/refresh/", views.RefreshView.as_view(), name="api-token-refresh"),
    path("auth/logout/", views.LogoutView.as_view(), name="api-logout"),
    path("auth/password-reset/", views.PasswordResetView.as_view(), name="api-password-reset"),
    path(
        "auth/password-reset/confirm/",
        views.PasswordResetConfirmView.as_view(),
        name="api-password-reset-confirm",
    ),
    path("auth/password-change/", views.PasswordChangeView.as_view(), name="api-password-change"),
    path("me/", views.MeView.as_view(), name="api-me"),
    path("me/avatar/", views.MeAvatarView.as_view(), name="api-me-avatar"),
    path("me/export/", views.MeExportView.as_view(), name="api-me-export"),
    path(
        "me/export/<int:export_id>/download/",
        views.MeExportDownloadView.as_view(),
        name="api-me-export-download",
    ),
    path("me/delete/", views.MeDeleteView.as_view(), name="api-me-delete"),
]
