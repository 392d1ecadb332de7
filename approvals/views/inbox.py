"""The department inbox (部门待办): the open cases of the clerk's or approver's department, overdue first, then
by due date, each with its warning colour in words, the masked applicant, the stage, the remaining working
days and the due date, and a badge when the case is a step of a parallel chain. Managers and supervisors see
their centre's, with a department filter. Filters by colour and stage; paginated. A read only: every action
is on the case page or the chain page."""

from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from .. import inbox_selectors
from .staff import staff_required

MAX_ID = 2**31 - 1
MAX_STAGE_LENGTH = 40


def _int_param(value) -> int | None:
    value = (value or "").strip()
    if value.isdigit() and 0 < len(value) <= 10 and int(value) <= MAX_ID:
        return int(value)
    return None


@require_GET
@staff_required(inbox_selectors.may_read_inbox)
def case_inbox(request):
    query = request.GET
    inbox = inbox_selectors.inbox_for_actor(
        actor=request.user,
        department_id=_int_param(query.get("department")),
        colour=(query.get("colour") or "").strip()[:10],
        stage=(query.get("stage") or "").strip()[:MAX_STAGE_LENGTH],
        page=_int_param(query.get("page")) or 1,
    )
    return render(request, "approvals/inbox/inbox.html", {"inbox": inbox})


urlpatterns = [
    path("cases/inbox/", case_inbox, name="case_inbox"),
]
