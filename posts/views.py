"""The posts pages: thin views over posts.selectors (reads) and posts.services (writes).

Like, save and comment forms work as plain form posts (redirect back to the post) and,
sent by htmx (`HX-Request`), answer with the partial that replaces the control.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from instaclone.htmx import is_htmx
from instaclone.images import ImageRejected
from instaclone.pagination import cursor_page
from instaclone.ratelimit import rate_limit
from posts import moderation, selectors, services
from posts.forms import CommentForm, PostCreateForm, PostEditForm, ReportForm
from posts.models import Comment, Post
from social import selectors as social_selectors

COMMENTS_ON_PAGE = 50
GRID_PAGE_SIZE = 24


def _add_service_errors(form: object, error: ValidationError) -> None:
    for field, field_messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, field_messages)  # type: ignore[attr-defined]


def post_detail(request: HttpRequest, post_id: int) -> HttpResponse:
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    comments = selectors.comment_list_for_post(post=post, viewer=request.user)[:COMMENTS_ON_PAGE]
    mentioned = selectors.mentioned_usernames(post=post)
    return render(
        request,
        "posts/detail.html",
        {
            "post": post,
            "comments": comments,
            "mentioned": mentioned,
            "comment_form": CommentForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@rate_limit("post_create")
def post_create(request: HttpRequest) -> HttpResponse:
    form = PostCreateForm(request.POST if request.method == "POST" else None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                post = services.post_create(
                    author=request.user,
                    images=form.cleaned_data["images"],
                    caption=form.cleaned_data["caption"],
                    alt_texts=[text.strip() for text in request.POST.getlist("alt_text")],
                )
            except ImageRejected as error:
                form.add_error("images", error.message)
                status = error.status_code
            except ValidationError as error:
                _add_service_errors(form, error)
                status = 400
            else:
                return redirect(post)
        else:
            status = 400
    return render(request, "posts/create.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request: HttpRequest, post_id: int) -> HttpResponse:
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    services.post_check_editor(post=post, editor=request.user)
    form = PostEditForm(
        request.POST if request.method == "POST" else None, initial={"caption": post.caption}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.post_update(
                    post=post,
                    editor=request.user,
                    caption=form.cleaned_data["caption"],
                    alt_texts=[text.strip() for text in request.POST.getlist("alt_text")],
                )
            except ValidationError as error:
                _add_service_errors(form, error)
                status = 400
            else:
                messages.success(request, "Post updated.")
                return redirect(post)
        else:
            status = 400
    return render(request, "posts/edit.html", {"post": post, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def post_delete(request: HttpRequest, post_id: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes."""
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    if request.method == "POST":
        services.post_delete(post=post, actor=request.user)
        messages.success(request, "Post deleted.")
        return redirect("profile", post.author.username)
    services.post_check_deleter(post=post, actor=request.user)
    return render(request, "posts/delete.html", {"post": post})


def _actions(request: HttpRequest, post: Post) -> HttpResponse:
    if is_htmx(request):
        fresh = selectors.post_get(viewer=request.user, post_id=post.pk)
        return render(request, "posts/_actions.html", {"post": fresh})
    return redirect(post)


@login_required
@require_POST
@rate_limit("like")
def post_like(request: HttpRequest, post_id: int) -> HttpResponse:
    """POST `liked=1` to like, `liked=0` to unlike: the wanted state, so repeats are safe."""
    post = selectors.post_get_visible(viewer=request.user, post_id=post_id)
    if request.POST.get("liked", "1") == "1":
        services.like_create(user=request.user, post=post)
    else:
        services.like_delete(user=request.user, post=post)
    return _actions(request, post)


@login_required
@require_POST
def post_save(request: HttpRequest, post_id: int) -> HttpResponse:
    """POST `saved=1` to save, `saved=0` to unsave."""
    post = selectors.post_get_visible(viewer=request.user, post_id=post_id)
    if request.POST.get("saved", "1") == "1":
        services.save_create(user=request.user, post=post)
    else:
        services.save_delete(user=request.user, post=post)
    return _actions(request, post)


def _comment_changed(request: HttpRequest, post: Post, comment: Comment | None) -> HttpResponse:
    """The new comment (if any) plus the post's comment count, swapped out of band."""
    fresh = selectors.post_get_visible(viewer=request.user, post_id=post.pk)
    return render(request, "posts/_comment_changed.html", {"comment": comment, "post": fresh})


@login_required
@require_POST
@rate_limit("comment_create")
def comment_create(request: HttpRequest, post_id: int) -> HttpResponse:
    post = selectors.post_get_visible(viewer=request.user, post_id=post_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = services.comment_create(
                author=request.user, post=post, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            if is_htmx(request):
                return _comment_changed(request, post, comment)
            return redirect(post)
    messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
    if is_htmx(request):
        return HttpResponse(status=400)
    return redirect(post)


@login_required
@require_POST
def comment_delete(request: HttpRequest, post_id: int, comment_id: int) -> HttpResponse:
    comment = selectors.comment_get(viewer=request.user, comment_id=comment_id)
    if comment.post_id != post_id:
        raise Http404("No such comment.")
    services.comment_delete(comment=comment, actor=request.user)
    if is_htmx(request):
        return _comment_changed(request, comment.post, None)
    return redirect(comment.post)


@login_required
def saved(request: HttpRequest) -> HttpResponse:
    posts = selectors.post_list_saved_by(viewer=request.user)
    page = cursor_page(request, posts, ordering=("-saved_at", "-pk"), size=GRID_PAGE_SIZE)
    return _grid_response(request, "posts/saved.html", {"page": page})


def profile(request: HttpRequest, username: str) -> HttpResponse:
    """A profile header with the viewer's relationship to it (follow state, block), and
    the grid of the posts the viewer may see. A private account shows non-followers its
    header only; a user who blocked the viewer is 404; one the viewer blocked shows its
    header with an unblock button."""
    author = social_selectors.profile_get(viewer=request.user, username=username)
    may_see = social_selectors.can_see_connections(viewer=request.user, user=author)
    posts = (
        selectors.post_list_for_author(viewer=request.user, author=author)
        if may_see
        else Post.objects.none()
    )
    page = cursor_page(request, posts, ordering=("-created_at", "-pk"), size=GRID_PAGE_SIZE)
    context = {"profile": author, "page": page, "may_see": may_see}
    return _grid_response(request, "accounts/profile.html", context)


# --- Reports --------------------------------------------------------------------------------

REPORT_THANKS = "Thanks for telling us. Our moderators will review your report."
REPORT_ALREADY = "You already reported this. Our moderators will review it."


def _report_page(
    request: HttpRequest, *, target_type: str, target_id: int | str, back_url: str
) -> HttpResponse:
    """GET: the reason form, with what is reported; POST: file the report and go back
    with a confirmation. What the reporter may not see is 404; their own, 400."""
    try:
        target = moderation.report_target_get(
            reporter=request.user, target_type=target_type, target_id=target_id
        )
    except ValidationError as error:
        context = {"error": " ".join(error.messages), "back_url": back_url}
        return render(request, "posts/report.html", context, status=400)
    form = ReportForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = moderation.report_create(
                    reporter=request.user,
                    target_type=target_type,
                    target_id=target_id,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                _add_service_errors(form, error)
            else:
                messages.success(request, REPORT_THANKS if result.created else REPORT_ALREADY)
                return redirect(back_url)
        status = 400
    context = {"target": target, "form": form, "back_url": back_url}
    return render(request, "posts/report.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@rate_limit("report")
def report_post(request: HttpRequest, post_id: int) -> HttpResponse:
    return _report_page(
        request,
        target_type="post",
        target_id=post_id,
        back_url=reverse("posts:detail", args=[post_id]),
    )


@login_required
@require_http_methods(["GET", "POST"])
@rate_limit("report")
def report_comment(request: HttpRequest, post_id: int, comment_id: int) -> HttpResponse:
    comment = selectors.comment_get_shown(viewer=request.user, comment_id=comment_id)
    if comment.post_id != post_id:
        raise Http404("No such comment.")
    return _report_page(
        request,
        target_type="comment",
        target_id=comment_id,
        back_url=reverse("posts:detail", args=[post_id]),
    )


@login_required
@require_http_methods(["GET", "POST"])
@rate_limit("report")
def report_user(request: HttpRequest, username: str) -> HttpResponse:
    return _report_page(
        request,
        target_type="user",
        target_id=username,
        back_url=reverse("profile", args=[username]),
    )


def _grid_response(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """The whole page, or for htmx's infinite scroll only the next grid items."""
    if is_htmx(request) and request.GET.get("cursor"):
        template = "posts/_grid_items.html"
    return render(request, template, context)
