"""The inbox API (GET /api/cases/inbox/): the same rows as the page — the department's open cases, overdue first,
each with its colour and its words, the masked applicant, the stage, remaining working days and due date, and its
chain; filters by colour, stage and (for managers and supervisors) department; bad filters a Chinese 400."""

import re

import pytest
from django.test import Client

from ..hall.factories import DepartmentFactory, MatterFactory, MatterStageFactory
from .chain_fixtures import *  # noqa: F403
from .chain_fixtures import case
from .factories import ApplicationFactory, working_days_ago

pytestmark = pytest.mark.django_db
URL = "/api/cases/inbox/"
CJK = re.compile(r"[\u4e00-\u9fff]")


def api(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def assert_chinese_refusal(response, status=400):
    assert response.status_code == status, response.content
    assert CJK.search(response.json()["detail"]), response.json()


@pytest.fixture
def matter(centre_1, department_a):
    matter = MatterFactory(centre=centre_1, department=department_a, name="食品经营许可", promised_days=10,
                           statutory_days=20)
    for position, (name, share) in enumerate([("受理", 20), ("审核", 40), ("审批", 40)], start=1):
        MatterStageFactory(matter=matter, position=position, name=name, share_percent=share)
    return matter


@pytest.fixture
def cases(matter, clock, centre_1, department_b):
    made = {
        "later": ApplicationFactory(matter=matter, in_approval=True, accepted_on=working_days_ago(2)),
        "overdue": ApplicationFactory(matter=matter, in_approval=True, accepted_on=working_days_ago(12),
                                      applicant_name="李四"),
        "review": ApplicationFactory(matter=matter, in_review=True, accepted_on=working_days_ago(9)),
    }
    ApplicationFactory(matter=MatterFactory(centre=centre_1, department=department_b))
    return made


def test_an_approver_gets_the_departments_open_cases_most_urgent_first(approver_a, cases):
    body = api(approver_a).get(URL).json()

    assert body["scope"] == "department" and body["count"] == 3
    assert [row["id"] for row in body["results"]] == [cases[k].pk for k in ("overdue", "review", "later")]


def test_each_row_has_its_colour_in_words_and_its_clock(approver_a, cases):
    row = api(approver_a).get(URL).json()["results"][0]

    overdue = cases["overdue"]
    assert row["colour"] == "red" and row["colour_label"] == "红牌预警"
    assert row["remaining_working_days"] == -2 and row["overdue"] is True
    assert row["promised_due"] == f"{overdue.promised_due:%Y-%m-%d}"
    assert row["applicant_masked"] == "李*" and "李四" not in str(row)
    assert row["stage_name"] == "审批" and row["matter_name"] == "食品经营许可"
    assert row["chain"] is None and row["url"] == f"/cases/{overdue.pk}/"


def test_the_colour_counts_come_with_their_words(approver_a, cases):
    counts = api(approver_a).get(URL).json()["colour_counts"]

    assert counts == [
        {"colour": "green", "label": "正常", "count": 1},
        {"colour": "yellow", "label": "黄牌预警", "count": 1},
        {"colour": "red", "label": "红牌预警", "count": 1},
        {"colour": "purple", "label": "紫牌（环节超时）", "count": 0},
    ]


def test_filters_by_colour_and_stage(approver_a, cases):
    assert [r["id"] for r in api(approver_a).get(URL, {"colour": "yellow"}).json()["results"]] == [cases["review"].pk]
    assert [r["id"] for r in api(approver_a).get(URL, {"stage": "审核"}).json()["results"]] == [cases["review"].pk]
    assert api(approver_a).get(URL, {"stage": "听证"}).json()["count"] == 0


def test_a_chain_step_names_its_chain(approver_b, running):
    row = api(approver_b).get(URL).json()["results"][0]

    assert row["id"] == case(running, "tax").pk
    assert row["chain"] == {"id": running.pk, "tracking_code": running.tracking_code, "name": "企业开办",
                            "step_key": "tax", "status": "in_progress", "status_display": "办理中"}


@pytest.mark.parametrize("query", [
    {"colour": "blue"}, {"page": "0"}, {"page": "abc"}, {"page": "9" * 30}, {"stage": "审" * 41},
    {"stage": "审\x00核"}, {"department": "-3"}, {"department": "abc"},
])
def test_bad_filters_are_a_chinese_400(approver_a, cases, query):
    assert_chinese_refusal(api(approver_a).get(URL, query))


def test_a_manager_reads_the_centre_and_filters_by_department(manager_1, cases, department_b):
    everything = api(manager_1).get(URL).json()
    one = api(manager_1).get(URL, {"department": department_b.pk}).json()

    assert everything["scope"] == "centre" and everything["count"] == 4
    assert one["department_id"] == department_b.pk and one["count"] == 1
    assert one["results"][0]["department_name"] == "税务局"


def test_a_department_of_another_centre_is_a_chinese_400(manager_1, cases, centre_2):
    response = api(manager_1).get(URL, {"department": DepartmentFactory(centre=centre_2).pk})

    assert_chinese_refusal(response)
    assert response.json()["field"] == "department"


def test_a_department_filter_is_ignored_in_a_departments_own_inbox(approver_a, cases, department_b):
    assert api(approver_a).get(URL, {"department": department_b.pk}).json()["count"] == 3


@pytest.mark.parametrize("persona", ["citizen", "callback_operator"])
def test_only_department_staff_managers_and_supervisors_have_an_inbox(request, persona):
    assert_chinese_refusal(api(request.getfixturevalue(persona)).get(URL), 403)


def test_an_anonymous_caller_is_refused(db):
    assert api().get(URL).status_code == 403


def test_the_pages_are_of_fifty(approver_a, matter, clock):
    ApplicationFactory.create_batch(55, matter=matter, accepted_on=working_days_ago(1))

    first = api(approver_a).get(URL).json()
    second = api(approver_a).get(URL, {"page": 2}).json()

    assert (first["count"], first["pages"], len(first["results"]), len(second["results"])) == (55, 2, 50, 5)


def test_the_inbox_api_takes_at_most_six_queries(approver_b, running, department_b, clock,
                                                 django_assert_max_num_queries):
    tax = MatterFactory(centre=department_b.centre, department=department_b)
    ApplicationFactory.create_batch(10, matter=tax, accepted_on=working_days_ago(1))
    client = api(approver_b)
    client.get(URL)

    with django_assert_max_num_queries(6):
        body = client.get(URL).json()

    assert body["count"] == 11
