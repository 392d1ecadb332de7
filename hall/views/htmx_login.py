"""login_required for pages that htmx polls: when the session has expired, a poll must not swap the login
page into the panel; the browser is sent to the login page instead, and comes back here afterwards."""
from functools import wraps
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRedirect


def login_required_htmx(view):
    protected = login_required(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        htmx = getattr(request, "htmx", None)
        if htmx and not request.user.is_authenticated:
            back = htmx.current_url_abs_path or request.get_full_path()
            return HttpResponseClientRedirect(f"{resolve_url(settings.LOGIN_URL)}?next={quote(back)}")
        return protected(request, *args, **kwargs)

    return wrapper
