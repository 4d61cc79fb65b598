"""`{% url %}` remembers URLs, and gives what Django's own tag gives in every case."""

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix

from accounts.models import User

pytestmark = pytest.mark.django_db


def render(source: str, **context: object) -> str:
    return Template(source).render(Context(context))


def test_urls_with_plain_arguments_are_django_s() -> None:
    assert render("{% url 'home' %}") == reverse("home")
    assert render("{% url 'profile' 'alice' %}") == reverse("profile", args=["alice"])
    assert render("{% url 'profile' username=name %}", name="bob") == reverse(
        "profile", kwargs={"username": "bob"}
    )
    assert render("{% url 'profile' 'carol' %}") != render("{% url 'profile' 'dave' %}")


def test_a_remembered_url_follows_the_script_prefix() -> None:
    # One template, as the cached loader keeps it: its nodes remember URLs.
    template = Template("{% url 'feed:explore' %} {% url 'profile' 'alice' %}")
    plain = template.render(Context())
    set_script_prefix("/photos/")
    try:
        prefixed = template.render(Context())
    finally:
        clear_script_prefix()
    assert prefixed == " ".join("/photos" + url for url in plain.split(" "))
    assert template.render(Context()) == plain


def test_other_arguments_and_as_var_behave_as_django_s(alice: User) -> None:
    # A model instance is not remembered: it is reversed as Django does, by its str().
    assert render("{% url 'profile' user %}", user=alice) == reverse("profile", args=[str(alice)])
    assert render("{% url 'nowhere' as target %}[{{ target }}]") == "[]"
    with pytest.raises(NoReverseMatch):
        render("{% url 'nowhere' %}")
    with pytest.raises(TemplateSyntaxError):
        Template("{% url %}")


def test_a_url_is_escaped_when_autoescaping() -> None:
    name = "a&b"
    escaped = render("{% url 'profile' name %}", name=name)
    assert "&amp;" in escaped or "%26" in escaped
    raw = render("{% autoescape off %}{% url 'profile' name %}{% endautoescape %}", name=name)
    assert raw == reverse("profile", args=[name])
