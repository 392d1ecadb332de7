"""Template tags of the base layout."""
from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def service_hall_name() -> str:
    """The deployment's name. Not `site_name`: Django's auth views put the host name under that key."""
    return settings.SERVICE_HALL_NAME
