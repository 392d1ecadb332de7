"""Public tracking (一码通): by code or QR, the matter, the masked name, the stages with their departments, times
and public notes only, the remaining working days — and one answer for every unknown code, rate limited."""
import datetime as dt
import re
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from approvals.models import Application, Chain
from approvals.selectors import normalize_tracking_code, tracking_lookup
from approvals.throttles import TRACKING_LOOKUPS_PER_MINUTE
from approvals.views.tracking import qr_svg

from ..hall.factories import MatterFactory, MatterStageFactory
from .factories import ApplicationEventFactory, ApplicationFactory, ChainFactory, ChainStepFactory, working_days_ago

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
MONDAY = dt.datetime(2026, 11, 16, 10, 0, tzinfo=SHANGHAI)
UNKNOWN = "ABCDEFGHJKLMNPQR"
SECRET_COMMENT = "内部意见：申请人材料存疑，建议从严"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def matter(centre_1, department_a):
    matter = MatterFactory(centre=centre_1, department=department_a, name="食品经营许可", promised_days=10,
                           statutory_days=20)
    for position, (name, share) in enumerate([("受理", 20), ("审核", 40), ("审批", 40)], start=1):
        MatterStageFactory(matter=matter, position=position, name=name, share_percent=share)
    return matter


@pytest.fixture
def in_review(matter, approver_a):
    application = ApplicationFactory(matter=matter, in_review=True, accepted_on=working_days_ago(4),
                                     applicant_name="张三丰", id_number="11010519491231002X",
                                     contact_phone="13812345678")
    ApplicationEventFactory(application=application, kind="accepted", public_note="已受理", actor=approver_a,
                            comment="窗口已核验原件")
    ApplicationEventFactory(application=application, kind="review", from_status="accepted", to_status="review",
                            stage_position=2, public_note="审核中", actor=approver_a, comment=SECRET_COMMENT)
    ApplicationEventFactory(application=application, kind="deficiency_fulfilled", public_note="",
                            comment="不公开的记录")
    return application


def page(client, code):
    return client.get(reverse("track_case", args=[code]))


def comparable(response) -> str:
    """The page without what differs on every request anyway (the CSRF token) or echoes the address."""
    html = response.content.decode()
    html = re.sub(r'"X-CSRFToken": "[^"]*"', "", html)
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    html = re.sub(r'name="next" value="[^"]*"', "", html)
    return re.sub(r'\?next=[^"]*"', '"', html)


# --- the case page ----------------------------------------------------------------------------------------


def test_the_page_shows_the_matter_the_masked_name_and_the_current_stage_in_words(client, in_review):
    response = page(client, in_review.tracking_code)

    html = response.content.decode()
    assert response.status_code == 200
    assert "食品经营许可" in html and "市场监督管理局" in html
    assert "张*丰" in html and "张三丰" not in html
    assert "审核环节（市场监督管理局办理中）" in html


def test_each_past_stage_shows_its_department_time_and_public_note_only(client, in_review):
    html = page(client, in_review.tracking_code).content.decode()

    events = html[html.index('data-testid="events"'):]
    assert events.count("<li>") == 2
    assert "已受理" in events and "审核中" in events
    assert MONDAY.strftime("%Y-%m-%d %H:%M") in events
    for private in (SECRET_COMMENT, "窗口已核验原件", "不公开的记录", in_review.id_number, in_review.contact_phone,
                    "13812345678", "approver_a"):
        assert private not in html


def test_the_remaining_working_days_and_the_due_date_are_shown(client, in_review):
    html = page(client, in_review.tracking_code).content.decode()

    assert in_review.promised_due.strftime("%Y-%m-%d") in html
    assert "6 个工作日" in html


def test_an_overdue_case_says_by_how_many_working_days(client, matter):
    late = ApplicationFactory(matter=matter, accepted_on=working_days_ago(12))

    tracked = tracking_lookup(code=late.tracking_code)

    assert (tracked.remaining_days, tracked.overdue_days) == (-2, 2)
    assert "已超期 2 个工作日" in page(client, late.tracking_code).content.decode()


def test_a_completed_case_shows_the_result_and_how_early_it_was(client, matter):
    done = ApplicationFactory(matter=matter, completed=True, accepted_on=working_days_ago(4))

    html = page(client, done.tracking_code).content.decode()
    tracked = tracking_lookup(code=done.tracking_code)

    assert tracked.remaining_days is None and tracked.due_date is None
    assert (tracked.outcome_label, tracked.completed_on, tracked.early_days) == ("准予许可", MONDAY.date(), 6)
    assert "已办结：准予许可" in html and "提前 6 个工作日办结" in html


def test_a_suspended_case_shows_the_clock_stopped_and_no_countdown(matter):
    tracked = tracking_lookup(code=ApplicationFactory(matter=matter, suspended=True).tracking_code)

    assert tracked.stage_label == "特别程序中，所需时间不计入办理期限"
    assert tracked.remaining_days is None


def test_an_online_submission_shows_its_pre_review_answer_date(matter):
    submitted = ApplicationFactory(matter=matter, submitted_online=True)

    tracked = tracking_lookup(code=submitted.tracking_code)

    assert tracked.stage_label == "已提交，等待预审"
    assert tracked.answer_due == dt.date(2026, 11, 23)


# --- chains ----------------------------------------------------------------------------------------------


@pytest.fixture
def chain(centre_1, department_a, department_b):
    chain = ChainFactory(template__centre=centre_1, template__name="企业开办", template__lead_department=department_a,
                         applicant_name="南通味道餐饮有限公司", accepted_on=working_days_ago(1))
    licence = MatterFactory(centre=centre_1, department=department_a, name="营业执照", promised_days=1)
    tax = MatterFactory(centre=centre_1, department=department_b, name="税务登记", promised_days=1)
    first = ChainStepFactory(chain=chain, template_step__matter=licence, template_step__position=1,
                             application__completed=True)
    ApplicationEventFactory(application=first.application, public_note="已办结：准予许可", comment=SECRET_COMMENT)
    ChainStepFactory(chain=chain, template_step__matter=tax, template_step__position=2, started=False,
                     application__status="submitted", application__accepted_on=None, application__stage_position=0)
    return chain


def test_a_chain_code_shows_every_step_with_its_department(client, chain):
    response = page(client, chain.tracking_code)

    html = response.content.decode()
    assert response.status_code == 200
    assert "企业开办" in html and "南********司" in html and "南通味道餐饮有限公司" not in html
    assert html.count('data-testid="tracked-case"') == 2
    assert "营业执照" in html and "税务登记" in html and "税务局" in html
    assert "等待前置环节办结后开始" in html
    assert SECRET_COMMENT not in html


def test_a_chain_step_can_be_tracked_by_its_own_code(chain):
    step_code = chain.steps.order_by("id").first().application.tracking_code

    tracked = tracking_lookup(code=step_code)

    assert tracked.matter_name == "营业执照"


# --- unknown codes ----------------------------------------------------------------------------------------


def test_an_unknown_code_gets_a_chinese_404(client, in_review):
    response = page(client, UNKNOWN)

    assert response.status_code == 404
    assert "未找到该查询码对应的办件" in response.content.decode()


def test_every_unknown_code_gets_exactly_the_same_answer(client, in_review, matter):
    draft = ApplicationFactory(matter=matter, draft=True)
    near_miss = in_review.tracking_code[:-1] + ("2" if in_review.tracking_code[-1] != "2" else "3")

    answers = [page(client, code) for code in (UNKNOWN, near_miss, draft.tracking_code, "short", "1" * 16)]

    assert {a.status_code for a in answers} == {404}
    assert len({comparable(a) for a in answers}) == 1
    # Content-Length differs only by the echoed address (the login link's ?next=).
    assert len({tuple(sorted((k, v) for k, v in a.headers.items() if k != "Content-Length")) for a in answers}) == 1


def test_a_malformed_code_costs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert tracking_lookup(code="../../etc/passwd") is None


@pytest.mark.parametrize("typed", ["abcd efgh jklm npqr", "ABCD-EFGH-JKLM-NPQR", " abcdefghjklmnpqr "])
def test_what_a_person_types_is_normalised(typed):
    assert normalize_tracking_code(typed) == "ABCDEFGHJKLMNPQR"


# --- the form ---------------------------------------------------------------------------------------------


def test_the_form_sends_a_typed_code_to_its_page(client, in_review):
    response = client.get(reverse("track"), {"code": in_review.tracking_code.lower()})

    assert response.status_code == 302
    assert response.url == reverse("track_case", args=[in_review.tracking_code])


def test_the_form_explains_a_malformed_code_in_chinese(client):
    response = client.get(reverse("track"), {"code": "12"})

    assert response.status_code == 200
    assert "查询码为16位字母和数字" in response.content.decode()


def test_the_empty_form_is_shown_without_an_error(client):
    response = client.get(reverse("track"))

    assert response.status_code == 200
    assert 'data-testid="tracking-form"' in response.content.decode()
    assert "查询码为16位字母和数字" not in response.content.decode()


# --- rate limit -------------------------------------------------------------------------------------------


def test_lookups_are_limited_per_client_address(client, in_review):
    for _ in range(TRACKING_LOOKUPS_PER_MINUTE):
        assert page(client, UNKNOWN).status_code == 404

    refused = page(client, in_review.tracking_code)

    assert refused.status_code == 429
    assert "查询过于频繁" in refused.content.decode()
    assert client.get(reverse("track_case", args=[in_review.tracking_code]),
                      REMOTE_ADDR="10.0.0.2").status_code == 200


def test_the_limit_is_lifted_after_a_minute(client, in_review, clock):
    for _ in range(TRACKING_LOOKUPS_PER_MINUTE + 1):
        page(client, UNKNOWN)
    clock.shift(dt.timedelta(seconds=61))

    assert page(client, in_review.tracking_code).status_code == 200


def test_the_page_and_the_api_share_one_budget(client, in_review):
    for _ in range(TRACKING_LOOKUPS_PER_MINUTE):
        page(client, UNKNOWN)

    response = client.get(reverse("api_tracking", args=[in_review.tracking_code]))

    assert response.status_code == 429
    assert response.json()["detail"].startswith("查询过于频繁，请稍后再试。")


# --- API --------------------------------------------------------------------------------------------------


def test_the_api_answers_with_the_public_view_only(client, in_review):
    response = client.get(reverse("api_tracking", args=[in_review.tracking_code]))

    body = response.json()
    assert response.status_code == 200
    assert body["kind"] == "case"
    assert (body["matter_name"], body["applicant"], body["remaining_days"]) == ("食品经营许可", "张*丰", 6)
    assert body["due_date"] == in_review.promised_due.isoformat()
    assert [e["note"] for e in body["events"]] == ["已受理", "审核中"]
    assert {e["department"] for e in body["events"]} == {"市场监督管理局"}
    text = response.content.decode()
    assert SECRET_COMMENT not in text and in_review.id_number not in text and in_review.contact_phone not in text
    assert "comment" not in text
    assert response["Cache-Control"] == "no-store"


def test_the_api_shows_a_chain_with_every_step(client, chain):
    body = client.get(reverse("api_tracking", args=[chain.tracking_code])).json()

    assert body["kind"] == "chain"
    assert [step["matter_name"] for step in body["steps"]] == ["营业执照", "税务登记"]


def test_the_api_gives_one_chinese_404_for_unknown_codes(client, matter):
    draft = ApplicationFactory(matter=matter, draft=True)

    answers = [client.get(reverse("api_tracking", args=[code])) for code in (UNKNOWN, "bad", draft.tracking_code)]

    assert {a.status_code for a in answers} == {404}
    assert {a.content for a in answers} == {'{"detail":"未找到该查询码对应的办件，请核对后重新输入。"}'.encode()}


def test_the_api_needs_no_account_and_ignores_one(client, in_review, citizen):
    client.force_login(citizen)

    assert client.get(reverse("api_tracking", args=[in_review.tracking_code])).status_code == 200


# --- QR code ----------------------------------------------------------------------------------------------


def test_the_qr_code_is_an_svg_of_the_tracking_page_address(client, in_review, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("track_qr", args=[in_review.tracking_code]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    expected = qr_svg(f"http://testserver/track/{in_review.tracking_code}/")
    assert response.content.decode() == expected
    assert expected.startswith("<?xml") or expected.startswith("<svg")


def test_the_qr_code_of_a_malformed_code_is_a_404(client):
    assert client.get("/track/not-a-code/qr.svg").status_code == 404


def test_the_page_links_its_qr_code(client, in_review):
    html = page(client, in_review.tracking_code).content.decode()

    assert f'src="/track/{in_review.tracking_code}/qr.svg"' in html


# --- query counts -----------------------------------------------------------------------------------------


def test_the_case_page_query_count_is_pinned(client, in_review, matter, django_assert_max_num_queries):
    for _ in range(5):
        ApplicationEventFactory(application=in_review, public_note="审核中")

    with django_assert_max_num_queries(4):
        assert page(client, in_review.tracking_code).status_code == 200


def test_the_chain_page_query_count_is_pinned(client, chain, centre_1, department_a, django_assert_max_num_queries):
    for position in range(3, 6):
        ChainStepFactory(chain=chain, template_step__position=position,
                         template_step__matter=MatterFactory(centre=centre_1, department=department_a))

    with django_assert_max_num_queries(6):
        assert page(client, chain.tracking_code).status_code == 200


def test_an_unknown_code_costs_two_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert page(client, UNKNOWN).status_code == 404


def test_tracking_codes_are_not_sequential(matter):
    codes = {ApplicationFactory(matter=matter).tracking_code for _ in range(5)}
    codes |= {ChainFactory().tracking_code}

    assert len(codes) == 6
    assert all(normalize_tracking_code(code) == code for code in codes)
    assert Application.objects.count() == 5 and Chain.objects.count() == 1
