"""Row locks for cases: the application first, then its children (clock stops, notices), by id."""

from .models import Application


def application_lock(application_id: int) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("matter", "department", "centre")
        .get(pk=application_id)
    )
