from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


class RequestTooLargeMiddleware:
    """Answer a request body over the limit with a friendly 413 page.

    Django would otherwise raise RequestDataTooBig on the first read of request.POST and
    answer 400, which tells the member nothing useful.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            html = render_to_string("413.html", request=request)
            return HttpResponse(html, status=413)
        return self.get_response(request)
