from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods

from accounts import services
from accounts.forms import (
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    ProfileForm,
    SetPasswordForm,
    SignUpForm,
)
from instaclone.images import ImageRejected


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and form.user is not None:
        login(request, form.user, backend="accounts.backends.UsernameOrEmailBackend")
        messages.success(request, f"Welcome to Instaclone, {form.user.username}!")
        return redirect("accounts:edit")
    status = 400 if form.errors else 200
    return render(request, "accounts/signup.html", {"form": form}, status=status)


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form: LoginForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:edit")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, "Your password was changed. Other sessions were logged out.")
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """One reset path for pages and API: the service sends the email."""

    form_class = PasswordResetForm
    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        services.password_reset_send(email=form.cleaned_data["email"], request=self.request)
        return redirect(self.success_url)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(
        request.POST if request.method == "POST" else None,
        request.FILES or None,
        instance=request.user,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                form.save()
            except ImageRejected as error:
                form.add_error("avatar_upload", error.message)
                status = error.status_code
            else:
                messages.success(request, "Profile saved.")
                return redirect("accounts:edit")
        else:
            status = 400
        # The form mutated the instance; show the stored profile, not the rejected edit.
        request.user.refresh_from_db()
    return render(request, "accounts/edit.html", {"form": form}, status=status)
