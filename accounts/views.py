from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_http_methods

from accounts import selectors, services
from accounts.export import export_download_response
from accounts.forms import (
    AccountDeleteForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    ProfileForm,
    SetPasswordForm,
    SignUpForm,
)
from instaclone.images import ImageRejected
from instaclone.ratelimit import RateLimited, rate_limit


@require_http_methods(["GET", "POST"])
@rate_limit("register")
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

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        form = self.get_form()
        try:
            valid = form.is_valid()
        except RateLimited as locked_out:
            # The login guard (accounts.backends) refused before checking the password.
            form.add_error(None, locked_out.message)
            context = self.get_context_data(form=form)
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(locked_out.retry_after)
            return response
        return self.form_valid(form) if valid else self.form_invalid(form)


class LogoutView(auth_views.LogoutView):
    pass


@method_decorator(rate_limit("password_change"), name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:edit")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, "Your password was changed. Other sessions were logged out.")
        return response


@method_decorator(rate_limit("password_reset"), name="dispatch")
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


@method_decorator(rate_limit("password_reset"), name="dispatch")
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


# --- Download your data -----------------------------------------------------------------


def _data_export_context(request: HttpRequest) -> dict:
    return {"export": selectors.data_export_latest_for(user=request.user)}


@login_required
@require_http_methods(["GET", "POST"])
def data_export(request: HttpRequest) -> HttpResponse:
    """The "Download your data" page; POST asks for a new archive (or finds the one
    being built) and comes back here, where its progress shows."""
    if request.method == "POST":
        services.data_export_request(user=request.user)
        return redirect("accounts:data")
    return render(request, "accounts/data.html", _data_export_context(request))


@login_required
@require_http_methods(["GET"])
def data_export_status(request: HttpRequest) -> HttpResponse:
    """The status card alone, polled by htmx while an export is being built."""
    return render(request, "accounts/_data_export_status.html", _data_export_context(request))


@login_required
@require_http_methods(["GET"])
def data_export_download(request: HttpRequest, export_id: int) -> HttpResponseBase:
    export = selectors.data_export_get(user=request.user, export_id=export_id)
    return export_download_response(export)


# --- Deleting an account ----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
# The password check is a password guess like a password change: one limit for both.
@rate_limit("password_change")
def account_delete(request: HttpRequest) -> HttpResponse:
    form = AccountDeleteForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        username = request.user.username
        services.user_delete(user=request.user)
        logout(request)
        messages.success(request, f"The account @{username} and everything in it were deleted.")
        return redirect("accounts:login")
    status = 400 if form.errors else 200
    return render(request, "accounts/delete.html", {"form": form}, status=status)
