from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from accounts.models import User
from instaclone import ratelimit

LOCKED_OUT = "Too many failed login attempts. Please try again in {wait}."


class UsernameOrEmailBackend(ModelBackend):
    """Log in with a username or an email address, in any letter case.

    Every login path (pages, API token, admin) goes through this backend, so the
    brute-force guard sits here: failed logins are counted per typed name
    (`login_account`) and per client address (`login_address`); past either limit every
    attempt, right or wrong, raises RateLimited until the window ends (a soft lock: the
    owner gets back in after the cool-down). A success clears the name's count, never the
    address's: an attacker could otherwise log in to an account of their own between
    guesses at others.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: object,
    ) -> User | None:
        identifier = username or kwargs.get(get_user_model().USERNAME_FIELD)
        if not identifier or password is None:
            return None
        subjects = _guard_subjects(request, str(identifier))
        for scope, who in subjects:
            ratelimit.check(scope, who, message=LOCKED_OUT)
        user = self._authenticate(str(identifier), password)
        if user is None:
            # The failure that uses up a limit is answered like any wrong password; the
            # next attempt is refused.
            for scope, who in subjects:
                ratelimit.count(scope, who)
        else:
            ratelimit.reset("login_account", ratelimit.name_subject(str(identifier)))
        return user

    def get_user(self, user_id: object) -> User | None:
        """The session's user, as ModelBackend finds it, with the navigation's badges
        that every signed-in page shows: read with the session itself when the request's
        session was (instaclone.sessions), else in one statement."""
        from instaclone.sessions import session_user
        from social.selectors import user_with_nav_counts

        try:
            account_id = int(user_id)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            return None
        user = session_user(account_id) or user_with_nav_counts(user_id=account_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def _authenticate(self, identifier: str, password: str) -> User | None:
        field = "email__iexact" if "@" in identifier else "username__iexact"
        user = User.objects.filter(**{field: identifier}).first()
        if user is None:
            # Hash anyway so a missing account takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def _guard_subjects(request: HttpRequest | None, identifier: str) -> list[tuple[str, str]]:
    # Counted by the name as typed, not by the account it resolves to: a missing account
    # locks exactly like an existing one, and a lock on "alice" does not reveal that
    # "alice@example.com" is the same account.
    subjects = [("login_account", ratelimit.name_subject(identifier))]
    if request is not None:
        subjects.append(("login_address", ratelimit.address_subject(request)))
    return subjects
