"""Forms of the posts pages. They only shape input; posts.services validates it."""

from django import forms

from posts.models import CAPTION_MAX_LENGTH, COMMENT_MAX_LENGTH, REPORT_REASON_MAX_LENGTH

INPUT_CLASS = "w-full rounded-lg border border-gray-300 px-3 py-2"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files under one name; their number and content are the service's to judge."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(**kwargs)

    def clean(self, data: object, initial: object = None) -> list:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleImageField, self).clean(item, initial) for item in files]


class PostCreateForm(forms.Form):
    images = MultipleImageField(label="Photos (1-10)", required=False)
    caption = forms.CharField(
        max_length=CAPTION_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": INPUT_CLASS}),
    )


class PostEditForm(forms.Form):
    caption = forms.CharField(
        max_length=CAPTION_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": INPUT_CLASS}),
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        max_length=COMMENT_MAX_LENGTH,
        label="Add a comment",
        widget=forms.TextInput(
            attrs={"class": INPUT_CLASS, "placeholder": "Add a comment…", "autocomplete": "off"}
        ),
    )


class ReportForm(forms.Form):
    reason = forms.CharField(
        max_length=REPORT_REASON_MAX_LENGTH,
        label="What is wrong?",
        help_text="Only the moderators see your report; the person you report is not told.",
        widget=forms.Textarea(attrs={"rows": 5, "class": INPUT_CLASS}),
    )
