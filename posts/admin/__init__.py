"""The admin of posts: the moderation desk (report queue, audit log) and a moderation
view of posts, comments, hashtags and accounts.

Posts and comments are shown read-only; they can be hidden or deleted, and accounts
suspended, only through posts.moderation like every other face: the media files leave
storage after the commit, the counters (`User.posts_count`, `Post.comments_count`) stay
exact, open reports on the target are resolved, and every action is written to the audit
log (`ModerationAction`, read-only here). Editing a caption here would skip the hashtag
and mention parsing of `post_update`, so the admin does not offer it.

Who may do what comes from Django permissions (the "Moderators" and "Admins" groups of
migration posts.0003): each action is offered only with its permission, and the
moderation services check it again (403 otherwise).
"""

# Importing the modules registers their model admins.
from posts.admin import content, reports, users

__all__ = ["content", "reports", "users"]
