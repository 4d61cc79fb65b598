from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from accounts.models import User


class UsernameOrEmailBackend(ModelBackend):
    """Log in with a username or an email address, in any letter case.

    Every login path (pages, API token, admin) goes through this backend, so a later
    brute-force guard only has to sit here.
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
        field = "email__iexact" if "@" in str(identifier) else "username__iexact"
        user = User.objects.filter(**{field: identifier}).first()
        if user is None:
            # Hash anyway so a missing account takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
