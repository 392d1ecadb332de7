"""Staff and citizen reads of cases: who sees what, and the department inbox sorted by urgency."""
import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser

from approvals.models import Application, CaseWarning
from approvals.selectors import application_detail_for_actor, applications_for_actor, department_inbox
from common.errors import NotFound

from ..hall.factories import DepartmentFactory, MatterFactory, MatterStageFactory
from .factories import ApplicationFactory, CaseWarningFactory, WarningPolicyFactory, working_days_ago

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
MONDAY = dt.datetime(2026, 11, 16, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def matter(centre_1, department_a):
    matter = MatterFactory(centre=centre_1, department=department_a, promised_days=10, statutory_days=20)
    for position, (name, share) in enumerate([("受理", 20), ("审核", 40), ("审批", 40)], start=1):
        MatterStageFactory(matter=matter, position=position, name=name, share_percent=share)
    return matter


@pytest.fixture
def other_centre_case(centre_2):
    return ApplicationFactory(matter=MatterFactory(centre=centre_2, department=DepartmentFactory(centre=centre_2)))


# --- department inbox -------------------------------------------------------------------------------------


@pytest.fixture
def inbox_cases(matter, approver_a, department_b, centre_1, other_centre_case):
    cases = {
        "later": ApplicationFactory(matter=matter, in_approval=True, accepted_on=working_days_ago(2)),
        "overdue": ApplicationFactory(matter=matter, in_approval=True, accepted_on=working_days_ago(12)),
        "due_soon": ApplicationFactory(matter=matter, in_approval=True, accepted_on=working_days_ago(9)),
        "review": ApplicationFactory(matter=matter, in_review=True, accepted_on=working_days_ago(7),
                                     handler=approver_a),
        "due_today": ApplicationFactory(matter=matter, in_approval=True, accepted_on=working_days_ago(10)),
    }
    ApplicationFactory(matter=matter, completed=True, accepted_on=working_days_ago(12))
    ApplicationFactory(matter=matter, withdrawn=True, accepted_on=working_days_ago(12))
    ApplicationFactory(matter=MatterFactory(centre=centre_1, department=department_b))
    return cases


def test_the_inbox_lists_the_departments_open_cases_most_urgent_first(approver_a, inbox_cases):
    entries = department_inbox(actor=approver_a)

    order = {application.pk: name for name, application in inbox_cases.items()}
    assert [order[e.application.pk] for e in entries] == ["overdue", "due_today", "due_soon", "review", "later"]


def test_each_inbox_entry_has_its_colour_and_remaining_working_days(approver_a, inbox_cases):
    entries = {e.application.pk: e for e in department_inbox(actor=approver_a)}

    seen = {name: (entries[a.pk].colour, entries[a.pk].remaining_days) for name, a in inbox_cases.items()}
    assert seen == {"overdue": ("red", -2), "due_today": ("red", 0), "due_soon": ("yellow", 1),
                    "review": ("green", 3), "later": ("green", 8)}
    assert entries[inbox_cases["overdue"].pk].overdue is True
    assert entries[inbox_cases["review"].pk].stage_name == "审核"


def test_a_purple_card_on_the_current_stage_colours_the_entry_purple(approver_a, inbox_cases):
    review = inbox_cases["review"]
    CaseWarningFactory(application=review, stage_position=2, level=CaseWarning.Level.PURPLE,
                       reason=CaseWarning.Reason.STAGE_OVERRUN)
    CaseWarningFactory(application=inbox_cases["later"], stage_position=1, level=CaseWarning.Level.PURPLE,
                       reason=CaseWarning.Reason.STAGE_OVERRUN)
    Application.objects.filter(pk=inbox_cases["later"].pk).update(stage_position=3)  # moved on since

    entries = {e.application.pk: e for e in department_inbox(actor=approver_a)}

    assert entries[review.pk].colour == "purple"
    assert entries[inbox_cases["later"].pk].colour == "green"


def test_the_inbox_reads_the_centres_yellow_share(approver_a, inbox_cases, centre_1):
    WarningPolicyFactory(centre=centre_1, yellow_share=Decimal("0.40"))

    entries = {e.application.pk: e for e in department_inbox(actor=approver_a)}

    assert entries[inbox_cases["review"].pk].colour == "yellow"  # 3 of 10 left is under 40 %


def test_the_inbox_is_one_query_plus_one_prefetch(approver_a, inbox_cases, django_assert_num_queries):
    with django_assert_num_queries(2):
        entries = department_inbox(actor=approver_a)
        [(e.application.matter.name, e.application.handler, e.stage_name) for e in entries]


@pytest.mark.parametrize("persona", ["manager_1", "supervisor", "citizen", "callback_operator"])
def test_only_department_staff_have_an_inbox(request, inbox_cases, persona):
    assert department_inbox(actor=request.getfixturevalue(persona)) == []


def test_another_departments_approver_sees_only_their_department(approver_b, inbox_cases):
    entries = department_inbox(actor=approver_b)

    assert len(entries) == 1
    assert entries[0].application.department == approver_b.department


# --- who reads which cases --------------------------------------------------------------------------------


def test_a_citizen_reads_only_their_own_applications(citizen, matter):
    own = ApplicationFactory(matter=matter, applicant=citizen)
    draft = ApplicationFactory(matter=matter, applicant=citizen, draft=True)
    ApplicationFactory(matter=matter)

    assert set(applications_for_actor(actor=citizen)) == {own, draft}


@pytest.mark.parametrize("persona", ["clerk", "approver_b", "manager_1", "supervisor"])
def test_staff_read_their_centres_cases_but_not_drafts(request, matter, other_centre_case, persona):
    case = ApplicationFactory(matter=matter)
    ApplicationFactory(matter=matter, draft=True)

    assert list(applications_for_actor(actor=request.getfixturevalue(persona))) == [case]


@pytest.mark.parametrize("persona", ["callback_operator", "anonymous"])
def test_callback_operators_and_strangers_read_no_cases(request, matter, persona):
    ApplicationFactory(matter=matter)
    actor = AnonymousUser() if persona == "anonymous" else request.getfixturevalue(persona)

    assert not applications_for_actor(actor=actor).exists()


def test_a_centre_granted_for_reading_is_included(clerk, centre_2, other_centre_case):
    clerk.extra_centres.add(centre_2)

    assert list(applications_for_actor(actor=clerk)) == [other_centre_case]


def test_the_detail_of_a_visible_case_comes_with_its_history(clerk, matter, django_assert_max_num_queries):
    case = ApplicationFactory(matter=matter)

    found = application_detail_for_actor(actor=clerk, application_id=case.pk)
    with django_assert_max_num_queries(0):
        list(found.events.all()), list(found.warnings.all()), list(found.matter.stages.all())

    assert found == case


@pytest.mark.parametrize("persona", ["manager_2", "citizen", "callback_operator"])
def test_the_detail_of_a_case_one_may_not_read_is_not_found(request, matter, persona):
    case = ApplicationFactory(matter=matter)

    with pytest.raises(NotFound, match="办件不存在或您无权查看"):
        application_detail_for_actor(actor=request.getfixturevalue(persona), application_id=case.pk)
