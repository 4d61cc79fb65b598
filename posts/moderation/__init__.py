"""Reports and moderation: users report posts, comments and accounts; staff act on them.

Every write here is atomic and safe to repeat. A moderation action takes effect through
the visibility rule (`posts.selectors.visible_posts` and the social selectors), resolves
every open report on its target, and writes one `ModerationAction` row, the audit log.
Each action requires a staff account with its permission (PermissionDenied otherwise):

- hide / unhide a post: `posts.hide_post`; a hidden post is shown only to its author
  and staff, in every list, page, API answer and live subscription;
- delete a post: `posts.delete_post`, through `posts.services.post_delete`;
- delete a comment: `posts.delete_comment`, through `posts.services.comment_delete`
  (counts and live events stay right);
- suspend / unsuspend an account: `posts.suspend_user`; suspension is
  `User.is_active = False`: the account cannot log in, its JWTs stop working, its
  sessions end, and its posts, comments and likes vanish for everyone else;
- dismiss a report: `posts.resolve_report`.

`reports` holds what users do (file a report), `actions` what staff do; both are used as
`from posts import moderation; moderation.<name>(...)`.
"""

from posts.moderation.actions import (
    comment_remove,
    post_hide,
    post_remove,
    post_unhide,
    report_dismiss,
    user_suspend,
    user_unsuspend,
)
from posts.moderation.reports import ReportResult, Target, report_create, report_target_get

__all__ = [
    "ReportResult",
    "Target",
    "comment_remove",
    "post_hide",
    "post_remove",
    "post_unhide",
    "report_create",
    "report_dismiss",
    "report_target_get",
    "user_suspend",
    "user_unsuspend",
]
