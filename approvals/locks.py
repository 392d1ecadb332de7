"""Row locks for cases: a chain before its steps' cases, cases by id, then their children (clock stops,
notices). An unknown id is a NotFound with a Chinese message."""
from django.utils.translation import gettext as _

from common.errors import NotFound

from .models import Application


def application_lock(application_id: int) -> Application:
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("matter", "department", "centre")
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise NotFound(_("办件不存在。"))
    return application
