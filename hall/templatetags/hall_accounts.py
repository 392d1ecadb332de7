"""Template filters for the account pages."""
import datetime as dt

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration_zh(value) -> str:
    """A timedelta as a person says it: 30 分钟, 1 小时 30 分钟 (rounded up to the minute)."""
    if not isinstance(value, dt.timedelta):
        return ""
    minutes = max(int(-(-value.total_seconds() // 60)), 1)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return _("%(hours)d 小时 %(minutes)d 分钟") % {"hours": hours, "minutes": minutes}
    if hours:
        return _("%(hours)d 小时") % {"hours": hours}
    return _("%(minutes)d 分钟") % {"minutes": minutes}
