"""The department inbox page (部门待办): the department's open cases, overdue first then by due date, each with its
warning colour in words, the masked applicant, stage, remaining working days and due date, a badge for chain steps;
filters by colour and stage; pages of 25; managers and supervisors read their centre with a department filter."""

import re

import pytest
from django.urls import reverse

from approvals.models import CaseWarning

from ..hall.factories import DepartmentFactory, MatterFactory, MatterStageFactory
from .chain_fixtures import *  # noqa: F403
from .chain_fixtures import case
from .factories import ApplicationFactory, CaseWarningFactory, working_days_ago

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return response.content.decode()


def _rows(response) -> list[int]:
    return [row.application.pk for row in response.context["inbox"].rows]


@pytest.fixture
def matter(centre_1, department_a):
    matter = MatterFactory(centre=centre_1, department=department_a, name="食品经营许可", promised_days=10,
                           statutory_days=20)
    for position, (name, share) in enumerate([("受理", 20), ("审核", 40), ("审批", 40)], start=1):
        MatterStageFactory(matter=matter, position=position, name=name, share_percent=share)
    return matter


@pytest.fixture
def cases(matter, clock, centre_1, department_b, centre_2):
    made = {
        "later": ApplicationFactory(matter=matter, in_approval=True, accepted_on=working_days_ago(2),
                                    applicant_name="王小明"),
        "overdue": ApplicationFactory(matter=matter, in_approval=True, accepted_on=working_days_ago(12),
                                      applicant_name="李四"),
        "due_soon": ApplicationFactory(matter=matter, in_approval=True, accepted_on=working_days_ago(9)),
        "review": ApplicationFactory(matter=matter, in_review=True, accepted_on=working_days_ago(7)),
    }
    ApplicationFactory(matter=matter, completed=True, accepted_on=working_days_ago(12))
    ApplicationFactory(matter=MatterFactory(centre=centre_1, department=department_b), applicant_name="税务件")
    ApplicationFactory(matter=MatterFactory(centre=centre_2, department=DepartmentFactory(centre=centre_2)),
                       applicant_name="外中心")
    return made


@pytest.fixture
def approver_client(client, approver_a):
    client.force_login(approver_a)
    return client


# --- who reads it ------------------------------------------------------------------------------------


def test_a_visitor_is_sent_to_log_in(client):
    response = client.get(reverse("case_inbox"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["citizen", "callback_operator"])
def test_the_inbox_is_for_department_staff_managers_and_supervisors(client, request, persona):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse("case_inbox"))

    assert response.status_code == 403 and "仅供工作人员使用" in _text(response)


# --- a department's inbox ----------------------------------------------------------------------------


def test_the_departments_open_cases_come_overdue_first_then_by_due_date(approver_client, cases):
    response = approver_client.get(reverse("case_inbox"))

    order = {a.pk: name for name, a in cases.items()}
    assert response.status_code == 200
    assert [order[pk] for pk in _rows(response)] == ["overdue", "due_soon", "review", "later"]


def test_each_row_shows_its_colour_in_words_the_masked_applicant_and_the_clock(approver_client, cases):
    html = _text(approver_client.get(reverse("case_inbox")))

    overdue = cases["overdue"]
    row = re.search(rf'data-case="{overdue.pk}".*?</tr>', html, re.S).group(0)
    assert 'data-colour="red"' in row and "红牌预警" in row
    assert "李*" in row and "李四" not in html
    assert "已超期 2 个工作日" in row and f"{overdue.promised_due:%Y-%m-%d}" in row
    assert "审批" in row and overdue.tracking_code in row
    assert f'href="/cases/{overdue.pk}/"' in row
    assert "黄牌预警" in re.search(rf'data-case="{cases["due_soon"].pk}".*?</tr>', html, re.S).group(0)
    assert "王*明" in html and "王小明" not in html


def test_another_departments_and_centres_cases_are_not_listed(approver_client, cases):
    html = _text(approver_client.get(reverse("case_inbox")))

    assert "税*件" not in html and "外*心" not in html


def test_a_purple_card_is_shown_with_its_words(approver_client, cases):
    CaseWarningFactory(application=cases["review"], stage_position=2, level=CaseWarning.Level.PURPLE,
                       reason=CaseWarning.Reason.STAGE_OVERRUN)

    html = _text(approver_client.get(reverse("case_inbox")))

    row = re.search(rf'data-case="{cases["review"].pk}".*?</tr>', html, re.S).group(0)
    assert 'data-colour="purple"' in row and "紫牌（环节超时）" in row


def test_the_colour_counts_are_shown_as_numbers_with_words(approver_client, cases):
    inbox = approver_client.get(reverse("case_inbox")).context["inbox"]

    assert inbox.colour_counts == {"green": 2, "yellow": 1, "red": 1, "purple": 0}


def test_filtering_by_colour(approver_client, cases):
    response = approver_client.get(reverse("case_inbox"), {"colour": "green"})

    assert set(_rows(response)) == {cases["later"].pk, cases["review"].pk}


def test_filtering_by_stage(approver_client, cases):
    response = approver_client.get(reverse("case_inbox"), {"stage": "审核"})

    assert _rows(response) == [cases["review"].pk]


@pytest.mark.parametrize("query", [{"colour": "blue"}, {"colour": "<script>"}, {"page": "abc"}, {"page": "-1"},
                                   {"department": "x" * 50}, {"stage": "不存在" * 30}])
def test_a_bad_filter_never_fails(approver_client, cases, query):
    response = approver_client.get(reverse("case_inbox"), query)

    assert response.status_code == 200 and "<script>" not in _text(response)


def test_an_unknown_colour_is_ignored_and_said_so(approver_client, cases):
    response = approver_client.get(reverse("case_inbox"), {"colour": "blue"})

    assert len(_rows(response)) == 4 and "部分筛选条件无效" in _text(response)


def test_a_step_of_a_chain_has_its_badge(client, approver_b, running):
    client.force_login(approver_b)

    html = _text(client.get(reverse("case_inbox")))

    tax = case(running, "tax")
    row = re.search(rf'data-case="{tax.pk}".*?</tr>', html, re.S).group(0)
    assert "并联 · 企业开办" in row and reverse("chain_detail", args=[running.pk]) in row


def test_a_waiting_chain_step_is_not_yet_in_the_inbox(client, approver_b, chain):
    client.force_login(approver_b)

    response = client.get(reverse("case_inbox"))

    assert _rows(response) == []
    assert "目前没有在办的办件" in _text(response)


def test_the_inbox_is_paginated_by_25(approver_client, matter, clock):
    ApplicationFactory.create_batch(30, matter=matter, accepted_on=working_days_ago(1))

    first = approver_client.get(reverse("case_inbox"))
    second = approver_client.get(reverse("case_inbox"), {"page": 2})

    assert len(_rows(first)) == 25 and len(_rows(second)) == 5
    assert "第 1 页，共 2 页" in _text(first)
    assert not set(_rows(first)) & set(_rows(second))


def test_the_inbox_takes_at_most_six_queries(client, approver_b, department_b, running, clock,
                                             django_assert_max_num_queries):
    tax_matter = MatterFactory(centre=department_b.centre, department=department_b, promised_days=5)
    ApplicationFactory.create_batch(20, matter=tax_matter, accepted_on=working_days_ago(3))
    client.force_login(approver_b)
    client.get(reverse("case_inbox"))

    with django_assert_max_num_queries(6):
        response = client.get(reverse("case_inbox"))
        html = _text(response)

    assert len(_rows(response)) == 21 and html.count('data-testid="chain-badge"') == 1


# --- managers and supervisors ---------------------------------------------------------------------------


def test_a_manager_reads_the_whole_centre_with_the_department_of_each_case(client, manager_1, cases):
    client.force_login(manager_1)

    response = client.get(reverse("case_inbox"))

    assert len(_rows(response)) == 5  # four of department A and one of department B; none of centre 2
    assert response.context["inbox"].scope == "centre" and "税务局" in _text(response)


def test_a_manager_filters_by_department(client, manager_1, cases, department_b):
    client.force_login(manager_1)

    response = client.get(reverse("case_inbox"), {"department": department_b.pk})

    rows = response.context["inbox"].rows
    assert [row.application.department_id for row in rows] == [department_b.pk]


def test_a_department_of_another_centre_is_ignored(client, manager_1, cases, centre_2):
    client.force_login(manager_1)

    response = client.get(reverse("case_inbox"), {"department": DepartmentFactory(centre=centre_2).pk})

    assert len(_rows(response)) == 5 and "部分筛选条件无效" in _text(response)


def test_a_supervisor_reads_the_centre_inbox(client, supervisor, cases):
    client.force_login(supervisor)

    assert len(_rows(client.get(reverse("case_inbox")))) == 5


def test_the_manager_inbox_takes_at_most_six_queries(client, manager_1, cases, department_b,
                                                     django_assert_max_num_queries):
    client.force_login(manager_1)
    client.get(reverse("case_inbox"))

    with django_assert_max_num_queries(6):
        _text(client.get(reverse("case_inbox"), {"department": department_b.pk}))


def test_a_department_filter_means_nothing_in_a_departments_own_inbox(approver_client, cases, department_b):
    response = approver_client.get(reverse("case_inbox"), {"department": department_b.pk})

    assert len(_rows(response)) == 4
    assert 'name="department"' not in _text(response)
