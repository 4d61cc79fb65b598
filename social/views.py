"""The social pages: thin views over social.selectors (reads) and social.services (writes).

Buttons are plain forms that redirect back (to a safe `next`, else the profile) and,
sent by htmx (`HX-Request`), answer with the partial that replaces the button.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from instaclone.htmx import is_htmx
from instaclone.pagination import cursor_page
from instaclone.ratelimit import rate_limit
from social import selectors, services

PEOPLE_PAGE_SIZE = 30
NOTIFICATIONS_PAGE_SIZE = 30


def _back(request: HttpRequest, default: str) -> HttpResponse:
    """Redirect to the form's `next` when it is a path of this site, else `default`."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = default
    return redirect(target)


def _profile_url(username: str) -> str:
    return reverse("profile", args=[username])


# --- Follow -------------------------------------------------------------------------------


@login_required
@require_POST
@rate_limit("follow")
def follow(request: HttpRequest, username: str) -> HttpResponse:
    """POST `follow=1` to follow (or request), `follow=0` to unfollow or withdraw: the
    wanted state, so repeats are safe."""
    if request.POST.get("follow", "1") == "1":
        target = selectors.user_get_visible(viewer=request.user, username=username)
        try:
            services.follow_create(follower=request.user, followee=target)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        target = selectors.user_get_active(username=username)
        services.follow_delete(follower=request.user, followee=target)
    if is_htmx(request):
        fresh = selectors.user_get_visible(viewer=request.user, username=username)
        return render(
            request,
            "social/_follow_button.html",
            {
                "person": fresh,
                "is_following": fresh.is_following,
                "follow_requested": fresh.follow_requested,
                "next": request.POST.get("next", ""),
            },
        )
    return _back(request, _profile_url(target.username))


@login_required
@require_POST
def follower_remove(request: HttpRequest, username: str) -> HttpResponse:
    follower = selectors.user_get_active(username=username)
    services.follower_remove(user=request.user, follower=follower)
    if is_htmx(request):
        return HttpResponse("")
    messages.success(request, f"Removed {follower.username} from your followers.")
    return redirect("social:followers", request.user.username)


# --- Lists --------------------------------------------------------------------------------


def _people_page(request: HttpRequest, username: str, *, direction: str) -> HttpResponse:
    user = selectors.user_get_visible(viewer=request.user, username=username)
    may_see = selectors.can_see_connections(viewer=request.user, user=user)
    if direction == "followers":
        rows, person = selectors.follower_list(viewer=request.user, user=user), "follower"
    else:
        rows, person = selectors.following_list(viewer=request.user, user=user), "followee"
    page = cursor_page(request, rows, ordering=("-created_at", "-pk"), size=PEOPLE_PAGE_SIZE)
    people = [
        {
            "user": getattr(row, person),
            "is_following": getattr(row, "person_followed", False),
            "follow_requested": getattr(row, "person_requested", False),
        }
        for row in page.items
    ]
    context = {
        "profile": user,
        "direction": direction,
        "people": people,
        "page": page,
        "may_see": may_see,
        "own_followers": direction == "followers" and request.user == user,
    }
    return render(request, "social/people.html", context)


def followers(request: HttpRequest, username: str) -> HttpResponse:
    return _people_page(request, username, direction="followers")


def following(request: HttpRequest, username: str) -> HttpResponse:
    return _people_page(request, username, direction="following")


# --- Requests -----------------------------------------------------------------------------


@login_required
def follow_requests(request: HttpRequest) -> HttpResponse:
    rows = selectors.follow_request_list_for(user=request.user)
    page = cursor_page(request, rows, ordering=("-created_at", "-pk"), size=PEOPLE_PAGE_SIZE)
    return render(request, "social/requests.html", {"page": page})


def _answer_request(request: HttpRequest, username: str, *, approve: bool) -> HttpResponse:
    requester = selectors.user_get_active(username=username)
    if approve:
        services.follow_request_approve(target=request.user, requester=requester)
    else:
        services.follow_request_reject(target=request.user, requester=requester)
    if is_htmx(request):
        return render(
            request, "social/_request_answered.html", {"requester": requester, "approved": approve}
        )
    verb = "approved" if approve else "declined"
    messages.success(request, f"You {verb} {requester.username}'s request.")
    return redirect("social:requests")


@login_required
@require_POST
def follow_request_approve(request: HttpRequest, username: str) -> HttpResponse:
    return _answer_request(request, username, approve=True)


@login_required
@require_POST
def follow_request_reject(request: HttpRequest, username: str) -> HttpResponse:
    return _answer_request(request, username, approve=False)


# --- Blocks -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def block(request: HttpRequest, username: str) -> HttpResponse:
    """GET asks for confirmation; POST blocks."""
    target = selectors.profile_get(viewer=request.user, username=username)
    if target.pk == request.user.pk:
        messages.error(request, "You cannot block yourself.")
        return redirect("profile", target.username)
    if request.method == "POST":
        services.block_create(blocker=request.user, blocked=target)
        messages.success(request, f"You blocked {target.username}.")
        return redirect("profile", target.username)
    return render(request, "social/block_confirm.html", {"person": target})


@login_required
@require_POST
def unblock(request: HttpRequest, username: str) -> HttpResponse:
    target: User = selectors.user_get_active(username=username)
    services.block_delete(blocker=request.user, blocked=target)
    messages.success(request, f"You unblocked {target.username}.")
    return redirect("profile", target.username)


# --- Notifications ------------------------------------------------------------------------


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    rows = selectors.notification_list_for(user=request.user)
    page = cursor_page(request, rows, ordering=("-created_at", "-pk"), size=NOTIFICATIONS_PAGE_SIZE)
    return render(request, "social/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    """Mark all read (the page's button)."""
    services.notification_mark_read(user=request.user)
    return redirect("social:notifications")
