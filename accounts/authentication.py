"""The API's JWT authentication: simplejwt's, remembering the tokens it has verified."""

from functools import lru_cache

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication as SimpleJWTAuthentication
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import aware_utcnow

# Per process. A client sends the same access token with every request of its lifetime.
VERIFIED_TOKENS = 2048


@lru_cache(maxsize=VERIFIED_TOKENS)
def _verified(raw_token: bytes) -> Token:
    """The token simplejwt validates `raw_token` to. Kept only when valid: an error is
    raised, not remembered."""
    return SimpleJWTAuthentication().get_validated_token(raw_token)


class JWTAuthentication(SimpleJWTAuthentication):
    """simplejwt's. A token whose signature and claims it has verified is remembered by its
    text, and only its expiry is checked again: decoding and verifying it was a tenth of
    an API request's time. What can change is still checked on every request, by
    simplejwt's `get_user`: that the account exists and is active, and that its password
    is the one the token was issued under."""

    def get_validated_token(self, raw_token: bytes) -> Token:
        token = _verified(raw_token)
        try:
            token.check_exp(current_time=aware_utcnow())
        except TokenError:
            # Expired since it was remembered: simplejwt's own path raises its own error.
            return super().get_validated_token(raw_token)
        return token


class JWTScheme(SimpleJWTScheme):
    """The API schema's description of JWTAuthentication: simplejwt's (defining the
    subclass registers it with drf-spectacular)."""

    target_class = "accounts.authentication.JWTAuthentication"
