"""`{% extends %}` keeps a root template's blocks, and renders what Django's own tag does."""

from django.template import Context, Engine

from instaclone.templatetags.extends import KeptBlocksExtendsNode

TEMPLATES = {
    "root.html": (
        "<title>{% block title %}Site{% endblock %}</title>"
        "{% if show %}<nav>{% block nav %}links{% endblock %}</nav>{% endif %}"
        "<main>{% block content %}{% endblock %}</main>"
    ),
    "section.html": (
        '{% extends "root.html" %}'
        "{% block title %}Section · {{ block.super }}{% endblock %}"
        "{% block content %}<section>{% block body %}empty{% endblock %}</section>{% endblock %}"
    ),
    "page.html": (
        '{% extends "section.html" %}'
        "{% block body %}{{ text }}{% endblock %}"
        "{% block nav %}{{ block.super }} + more{% endblock %}"
    ),
    "plain.html": '{% extends "root.html" %}{% block content %}{{ text }}{% endblock %}',
}


def engine(*builtins: str) -> Engine:
    loader = ("django.template.loaders.locmem.Loader", TEMPLATES)
    cached = ("django.template.loaders.cached.Loader", [loader])
    return Engine(loaders=[cached], builtins=list(builtins))


def test_pages_render_as_with_django_s_tag_every_time() -> None:
    django_s, ours = engine(), engine("instaclone.templatetags.extends")
    assert isinstance(ours.get_template("page.html").nodelist[0], KeptBlocksExtendsNode)
    for name in ("page.html", "plain.html", "section.html"):
        for show in (True, False, True):
            context = {"text": "<b>hi</b>", "show": show}
            expected = django_s.get_template(name).render(Context(context))
            assert ours.get_template(name).render(Context(context)) == expected
    # What the blocks give, so that an equal but wrong rendering cannot pass.
    page = ours.get_template("page.html").render(Context({"text": "hi", "show": True}))
    assert page == (
        "<title>Section · Site</title><nav>links + more</nav><main><section>hi</section></main>"
    )
