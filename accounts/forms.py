from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError

from accounts import services
from accounts.models import BIO_MAX_LENGTH, User
from accounts.validators import validate_http_url

FILE_INPUT_CLASSES = (
    "block w-full text-sm text-gray-600 file:mr-3 file:rounded-lg file:border-0 "
    "file:bg-sky-50 file:px-3 file:py-2 file:font-semibold file:text-sky-700 "
    "hover:file:bg-sky-100"
)
INPUT_CLASSES = (
    "w-full rounded-lg border border-gray-300 bg-gray-50 px-3 py-2 text-sm "
    "focus:border-sky-500 focus:outline-none focus:ring-1 focus:ring-sky-500"
)


class StyledFormMixin:
    """Gives every text-like widget the site's input styling."""

    def style_fields(self) -> None:
        for field in self.fields.values():  # type: ignore[attr-defined]
            if isinstance(field.widget, forms.FileInput):
                field.widget.attrs.setdefault("class", FILE_INPUT_CLASSES)
            elif not isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", INPUT_CLASSES)


class SignUpForm(StyledFormMixin, forms.Form):
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    username = forms.CharField(
        max_length=30, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.style_fields()
        self.user: User | None = None

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        try:
            self.user = services.user_create(
                username=data["username"], email=data["email"], password=data["password"]
            )
        except ValidationError as error:
            self.add_error(None, error)
        return data


class LoginForm(StyledFormMixin, auth_forms.AuthenticationForm):
    error_messages = {
        "invalid_login": "Sorry, that username, email or password is incorrect.",
        "inactive": "Sorry, that username, email or password is incorrect.",
    }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Username or email"
        self.fields["username"].max_length = 254
        self.style_fields()


class ProfileForm(StyledFormMixin, forms.ModelForm):
    website = forms.URLField(
        required=False, max_length=200, assume_scheme="https", validators=[validate_http_url]
    )
    avatar_upload = forms.FileField(
        required=False,
        label="Profile photo",
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    remove_avatar = forms.BooleanField(required=False, label="Remove current photo")

    class Meta:
        model = User
        fields = ["full_name", "bio", "website", "is_private"]
        labels = {"full_name": "Name", "is_private": "Private account"}
        help_texts = {
            "bio": f"At most {BIO_MAX_LENGTH} characters.",
            "is_private": "Only people you approve can see your photos.",
        }
        widgets = {"bio": forms.Textarea(attrs={"rows": 3, "maxlength": BIO_MAX_LENGTH})}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.style_fields()

    def save(self, commit: bool = True) -> User:
        """The photo first: a rejected photo raises ImageRejected before anything is
        saved, so the profile fields stay as they were too."""
        user: User = self.instance
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields}
        upload = self.cleaned_data.get("avatar_upload")
        if upload:
            services.user_set_avatar(user=user, upload=upload)
        elif self.cleaned_data.get("remove_avatar"):
            services.user_delete_avatar(user=user)
        return services.user_update_profile(user=user, **fields)


class NewPasswordMixin:
    """Password forms whose save goes through the one service that ends other sessions."""

    def save(self, commit: bool = True) -> User:
        user: User = self.user  # type: ignore[attr-defined]
        password = self.cleaned_data["new_password1"]  # type: ignore[attr-defined]
        return services.user_set_password(user=user, password=password)


class PasswordChangeForm(NewPasswordMixin, StyledFormMixin, auth_forms.PasswordChangeForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.style_fields()


class SetPasswordForm(NewPasswordMixin, StyledFormMixin, auth_forms.SetPasswordForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.style_fields()


class PasswordResetForm(StyledFormMixin, forms.Form):
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.style_fields()


class AccountDeleteForm(StyledFormMixin, forms.Form):
    """Deleting an account asks for the password again: a borrowed session is not enough."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.style_fields()

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        services.user_confirm_deletion(user=self.user, password=password)
        return password
