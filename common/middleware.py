"""Elderly-friendly mode (适老化): large type and high contrast, switched on by a cookie."""

ELDERLY_COOKIE = "elderly_mode"


class ElderlyModeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.elderly_mode = request.COOKIES.get(ELDERLY_COOKIE) == "1"
        return self.get_response(request)
