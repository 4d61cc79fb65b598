"""Error pages: JSON for the API, the site's own pages elsewhere; never a traceback."""

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader

logger = logging.getLogger(__name__)


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without the request's context processors, which need the database and the
    session: the error may be that they are down. If even that fails, plain text."""
    if _wants_json(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    try:
        return HttpResponseServerError(loader.render_to_string("500.html"))
    except Exception:
        logger.exception("The 500 page could not be rendered")
        return HttpResponseServerError(
            "Something went wrong on our side. Please try again in a moment.",
            content_type="text/plain; charset=utf-8",
        )
