from django.conf import settings


def site(request):
    centre = getattr(request, "centre", None)
    return {
        "site_name": settings.SERVICE_HALL_NAME,
        "elderly_mode": getattr(request, "elderly_mode", False),
        "current_centre": centre,
    }
