import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from approvals.models import Application, ApplicationEvent, ClockStop, DishonestyEntry
from approvals.services import intake, transitions
from common.errors import DomainError, InvalidTransition, NotFound, PermissionDeniedError, ValidationFailed
from hall.models import Matter

from ..hall.factories import CitizenFactory, MaterialFactory, MatterFactory, MatterStageFactory, StaffFactory

pytestmark = pytest.mark.django_db

TZ = dt.timezone(dt.timedelta(hours=8))
PERSON = {"applicant_kind": "person", "applicant_name": "张三", "id_number": "11010519491231002X",
          "contact_phone": "13800000001"}
PDF = b"%PDF-1.4\n%test\n"


@pytest.fixture
def clock():
    with time_machine.travel(dt.datetime(2026, 11, 2, 10, 0, tzinfo=TZ), tick=False) as traveller:
        yield traveller


@pytest.fixture
def matter(centre_1, department_a):
    matter = MatterFactory(centre=centre_1, department=department_a, statutory_days=20, promised_days=10,
                           online_apply=True)
    for position, (name, share) in enumerate([("受理", 20), ("审核", 40), ("审批", 40)], start=1):
        MatterStageFactory(matter=matter, position=position, name=name, share_percent=share)
    return matter


@pytest.fixture
def form(matter):
    return MaterialFactory(matter=matter, name="申请表", required=True)


@pytest.fixture
def lease(matter):
    return MaterialFactory(matter=matter, name="场所证明", required=True, deficiency_allowed=True)


@pytest.fixture
def accepted(clerk, matter, form, lease, clock):
    return intake.application_accept_at_window(actor=clerk, matter_id=matter.pk, **PERSON,
                                               provided_material_ids=[form.pk, lease.pk])


def upload(name="a.pdf", content=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- window acceptance -----------------------------------------------------------------------

def test_window_acceptance_sets_the_due_dates_from_the_calendar(accepted):
    assert accepted.status == Application.Status.ACCEPTED
    assert accepted.accepted_on == dt.date(2026, 11, 2)
    assert accepted.promised_due == dt.date(2026, 11, 16)
    assert accepted.statutory_due == dt.date(2026, 11, 30)
    assert list(accepted.events.values_list("kind", flat=True)) == ["submitted", "accepted"]
    assert len(accepted.tracking_code) == 16


def test_acceptance_with_a_required_material_missing_is_refused(clerk, matter, form, lease, clock):
    with pytest.raises(ValidationFailed, match="场所证明"):
        intake.application_accept_at_window(actor=clerk, matter_id=matter.pk, **PERSON, provided_material_ids=[form.pk])
    assert not Application.objects.exists()


def test_accept_with_deficiency_needs_a_deficiency_material_and_a_deadline(clerk, matter, form, lease, clock):
    with pytest.raises(ValidationFailed, match="不可容缺"):
        intake.application_accept_at_window(actor=clerk, matter_id=matter.pk, **PERSON,
                                            provided_material_ids=[lease.pk], deficient_material_ids=[form.pk],
                                            commitment_deadline=dt.date(2026, 11, 9))
    with pytest.raises(ValidationFailed, match="补齐期限"):
        intake.application_accept_at_window(actor=clerk, matter_id=matter.pk, **PERSON,
                                            provided_material_ids=[form.pk], deficient_material_ids=[lease.pk])
    application = intake.application_accept_at_window(
        actor=clerk, matter_id=matter.pk, **PERSON, provided_material_ids=[form.pk],
        deficient_material_ids=[lease.pk], commitment_deadline=dt.date(2026, 11, 9),
    )
    assert application.deficiency.deadline == dt.date(2026, 11, 9)


def test_dishonest_applicants_cannot_use_accept_with_deficiency(clerk, matter, form, lease, centre_1, clock):
    DishonestyEntry.objects.create(centre=centre_1, id_number=PERSON["id_number"], name="张三", reason="虚假承诺",
                                   listed_on=dt.date(2026, 1, 1))

    with pytest.raises(PermissionDeniedError, match="失信"):
        intake.application_accept_at_window(actor=clerk, matter_id=matter.pk, **PERSON, provided_material_ids=[form.pk],
                                            deficient_material_ids=[lease.pk], commitment_deadline=dt.date(2026, 11, 9))
    assert not Application.objects.exists()


@pytest.mark.parametrize("field,value", [("id_number", "110105194912310021"), ("contact_phone", "12345"),
                                         ("applicant_name", "张")])
def test_bad_applicant_data_is_refused(clerk, matter, form, lease, field, value):
    with pytest.raises(ValidationFailed):
        intake.application_accept_at_window(actor=clerk, matter_id=matter.pk, **{**PERSON, field: value},
                                            provided_material_ids=[form.pk, lease.pk])


def test_an_unpublished_matter_cannot_be_applied_for(clerk, matter, form):
    Matter.objects.filter(pk=matter.pk).update(status=Matter.Status.WITHDRAWN)

    with pytest.raises(NotFound, match="清单之外无审批"):
        intake.application_accept_at_window(actor=clerk, matter_id=matter.pk, **PERSON, provided_material_ids=[form.pk])


def test_an_instant_matter_completes_at_the_window_in_one_step(clerk, centre_1, department_a, clock):
    instant = MatterFactory(centre=centre_1, department=department_a, statutory_days=0, promised_days=0)

    application = intake.application_accept_at_window(actor=clerk, matter_id=instant.pk, **PERSON)

    assert application.status == Application.Status.COMPLETED
    assert application.outcome == Application.Outcome.GRANTED
    assert application.promised_due == application.accepted_on == dt.date(2026, 11, 2)
    assert application.early_completion is False


# --- the department's stages -----------------------------------------------------------------

def test_review_approval_and_early_completion(accepted, approver_a, clock):
    transitions.application_start_review(application_id=accepted.pk, actor=approver_a)
    transitions.application_submit_for_approval(application_id=accepted.pk, actor=approver_a)
    clock.move_to(dt.datetime(2026, 11, 10, 10, 0, tzinfo=TZ))
    done = transitions.application_decide(application_id=accepted.pk, actor=approver_a, outcome="granted")

    assert done.status == Application.Status.COMPLETED and done.early_completion is True
    assert done.history.count() >= 4


def test_another_department_cannot_work_the_case(accepted, approver_b):
    with pytest.raises(PermissionDeniedError, match=accepted.department.name):
        transitions.application_start_review(application_id=accepted.pk, actor=approver_b)


def test_a_refusal_needs_a_reason(accepted, approver_a):
    transitions.application_start_review(application_id=accepted.pk, actor=approver_a)
    transitions.application_submit_for_approval(application_id=accepted.pk, actor=approver_a)

    with pytest.raises(ValidationFailed):
        transitions.application_decide(application_id=accepted.pk, actor=approver_a, outcome="refused")
    assert transitions.application_decide(
        application_id=accepted.pk, actor=approver_a, outcome="refused", comment="不符合条件"
    ).outcome == "refused"


def test_return_goes_back_one_stage_with_a_reason(accepted, approver_a):
    transitions.application_start_review(application_id=accepted.pk, actor=approver_a)
    transitions.application_submit_for_approval(application_id=accepted.pk, actor=approver_a)

    returned = transitions.application_return(application_id=accepted.pk, actor=approver_a, reason="需补充核查")

    assert returned.status == Application.Status.REVIEW and returned.stage_position == 2
    assert returned.events.last().comment == "需补充核查"


ALL = [s.value for s in Application.Status]


def _force(application, status):
    Application.objects.filter(pk=application.pk).update(status=status)


@pytest.mark.parametrize("status", [s for s in ALL if s != "accepted"])
def test_start_review_is_refused_from_every_other_state(accepted, approver_a, status):
    _force(accepted, status)
    with pytest.raises(InvalidTransition):
        transitions.application_start_review(application_id=accepted.pk, actor=approver_a)


@pytest.mark.parametrize("status", [s for s in ALL if s != "review"])
def test_submit_for_approval_is_refused_from_every_other_state(accepted, approver_a, status):
    _force(accepted, status)
    with pytest.raises(InvalidTransition):
        transitions.application_submit_for_approval(application_id=accepted.pk, actor=approver_a)


@pytest.mark.parametrize("status", [s for s in ALL if s != "approval"])
def test_decide_is_refused_from_every_other_state(accepted, approver_a, status):
    _force(accepted, status)
    with pytest.raises(InvalidTransition):
        transitions.application_decide(application_id=accepted.pk, actor=approver_a, outcome="granted")


@pytest.mark.parametrize("status", [s for s in ALL if s != "completed"])
def test_delivery_is_refused_from_every_other_state(accepted, clerk, status):
    _force(accepted, status)
    with pytest.raises(InvalidTransition):
        transitions.application_deliver(application_id=accepted.pk, actor=clerk, method="pickup")


@pytest.mark.parametrize("status", ["completed", "delivered", "not_accepted", "withdrawn"])
def test_withdrawal_is_refused_once_completed_or_closed(accepted, citizen, status):
    Application.objects.filter(pk=accepted.pk).update(status=status, applicant=citizen)
    with pytest.raises(InvalidTransition):
        transitions.application_withdraw(application_id=accepted.pk, actor=citizen)


def test_the_applicant_withdraws_before_completion(accepted, citizen):
    Application.objects.filter(pk=accepted.pk).update(applicant=citizen)

    assert transitions.application_withdraw(application_id=accepted.pk, actor=citizen).status == "withdrawn"


def test_someone_else_cannot_withdraw(accepted, citizen):
    Application.objects.filter(pk=accepted.pk).update(applicant=citizen)
    with pytest.raises(PermissionDeniedError):
        transitions.application_withdraw(application_id=accepted.pk, actor=CitizenFactory())


# --- clock: suspension and extension ---------------------------------------------------------

def test_a_hearing_stops_the_clock_and_the_applicant_is_told(accepted, approver_a, clock):
    transitions.application_start_review(application_id=accepted.pk, actor=approver_a)
    transitions.application_suspend(application_id=accepted.pk, actor=approver_a, kind="hearing", reason="组织听证")
    clock.move_to(dt.datetime(2026, 11, 6, 10, 0, tzinfo=TZ))  # Mon → Fri: 4 working days stopped

    resumed = transitions.application_resume(application_id=accepted.pk, actor=approver_a)

    assert resumed.status == Application.Status.REVIEW
    assert resumed.stopped_days == 4
    assert resumed.promised_due == dt.date(2026, 11, 20)
    stop = ClockStop.objects.get()
    assert stop.notice_sent_at is not None and stop.ended_on == dt.date(2026, 11, 6)
    assert "不计入办理期限" in ApplicationEvent.objects.get(kind="suspended").public_note


def test_one_extension_with_the_department_heads_approval(accepted, approver_a, department_a, centre_1):
    head = StaffFactory(centre=centre_1, role="approver", department=department_a, is_department_head=True)
    with pytest.raises(ValidationFailed):
        transitions.application_request_extension(application_id=accepted.pk, actor=approver_a, days=7, reason="x")
    transitions.application_request_extension(
        application_id=accepted.pk, actor=approver_a, days=10, reason="需专家论证"
    )
    with pytest.raises(InvalidTransition, match="一次"):
        transitions.application_request_extension(application_id=accepted.pk, actor=approver_a, days=10, reason="再延")
    with pytest.raises(PermissionDeniedError, match="部门负责人"):
        transitions.application_approve_extension(application_id=accepted.pk, actor=approver_a)

    extended = transitions.application_approve_extension(application_id=accepted.pk, actor=head)

    assert extended.extension_days == 10
    assert extended.statutory_due == dt.date(2026, 12, 14)
    assert "需专家论证" in extended.events.get(kind="extended").public_note


# --- delivery ---------------------------------------------------------------------------------

def test_hand_out_waits_for_the_deficiency_materials(clerk, approver_a, matter, form, lease, clock):
    application = intake.application_accept_at_window(
        actor=clerk, matter_id=matter.pk, **PERSON, provided_material_ids=[form.pk],
        deficient_material_ids=[lease.pk], commitment_deadline=dt.date(2026, 11, 9),
    )
    transitions.application_start_review(application_id=application.pk, actor=approver_a)
    transitions.application_submit_for_approval(application_id=application.pk, actor=approver_a)
    transitions.application_decide(application_id=application.pk, actor=approver_a, outcome="granted")

    with pytest.raises(InvalidTransition, match="容缺"):
        transitions.application_deliver(application_id=application.pk, actor=clerk, method="pickup")
    intake.deficiency_fulfil(application_id=application.pk, actor=clerk)
    with pytest.raises(ValidationFailed, match="邮件单号"):
        transitions.application_deliver(application_id=application.pk, actor=clerk, method="mail")
    delivered = transitions.application_deliver(application_id=application.pk, actor=clerk, method="mail",
                                                mail_tracking_number="SF1234567890")
    assert delivered.status == "delivered" and delivered.mail_tracking_number == "SF1234567890"


# --- online: draft, files, pre-review, one-time notice, resubmission -------------------------

@pytest.fixture
def online(citizen, matter, form, lease, clock):
    draft = intake.application_create_draft(actor=citizen, matter_id=matter.pk, **PERSON)
    intake.application_attach_file(application_id=draft.pk, actor=citizen, material_id=form.pk, uploaded_file=upload())
    return transitions.application_submit(application_id=draft.pk, actor=citizen)


def test_online_submission_gets_its_art_32_deadline(online):
    assert online.status == Application.Status.SUBMITTED
    assert online.online_answer_due == dt.date(2026, 11, 9)


@pytest.mark.parametrize("name,content,content_type", [
    ("x.exe", b"MZ\x90\x00", "application/octet-stream"),
    ("fake.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"),
    ("empty.pdf", b"", "application/pdf"),
])
def test_wrong_file_types_are_refused(citizen, matter, form, name, content, content_type):
    draft = intake.application_create_draft(actor=citizen, matter_id=matter.pk, **PERSON)

    with pytest.raises(ValidationFailed):
        intake.application_attach_file(application_id=draft.pk, actor=citizen, material_id=form.pk,
                                       uploaded_file=upload(name, content, content_type))
    assert not draft.files.exists()


def test_a_file_over_10_mb_is_refused(citizen, matter, form):
    draft = intake.application_create_draft(actor=citizen, matter_id=matter.pk, **PERSON)
    big = upload(content=PDF + b"0" * (10 * 1024 * 1024))

    with pytest.raises(ValidationFailed, match="10MB"):
        intake.application_attach_file(application_id=draft.pk, actor=citizen, material_id=form.pk, uploaded_file=big)


def test_online_acceptance_with_a_required_file_missing_is_refused(online, clerk):
    with pytest.raises(ValidationFailed, match="场所证明"):
        intake.application_accept_online(application_id=online.pk, actor=clerk)


def test_correction_notice_then_resubmission_checked_against_it_then_acceptance(online, clerk, citizen, lease, clock):
    notice = intake.application_request_correction(
        application_id=online.pk, actor=clerk, items=[(lease.pk, "缺少场所证明"), (None, "申请表未签字")]
    )
    assert notice.items.count() == 2
    clock.move_to(dt.datetime(2026, 11, 4, 10, 0, tzinfo=TZ))

    with pytest.raises(ValidationFailed, match="场所证明"):
        intake.application_resubmit(application_id=online.pk, actor=citizen)
    intake.application_attach_file(
        application_id=online.pk, actor=citizen, material_id=lease.pk, uploaded_file=upload()
    )
    resubmitted = intake.application_resubmit(application_id=online.pk, actor=citizen)
    accepted = intake.application_accept_online(application_id=online.pk, actor=clerk)

    assert resubmitted.online_answer_due == dt.date(2026, 11, 11)
    assert accepted.status == "accepted" and accepted.accepted_on == dt.date(2026, 11, 4)
    assert ClockStop.objects.get(kind="correction").ended_on == dt.date(2026, 11, 4)


def test_an_online_submission_answered_late_counts_as_accepted_from_its_arrival(online, clerk, lease, citizen, clock):
    Application.objects.filter(pk=online.pk).update(status="draft")
    intake.application_attach_file(
        application_id=online.pk, actor=citizen, material_id=lease.pk, uploaded_file=upload()
    )
    transitions.application_submit(application_id=online.pk, actor=citizen)
    clock.move_to(dt.datetime(2026, 11, 12, 10, 0, tzinfo=TZ))

    accepted = intake.application_accept_online(application_id=online.pk, actor=clerk)

    assert accepted.deemed_accepted is True and accepted.accepted_on == dt.date(2026, 11, 2)


def test_matters_not_offered_online_refuse_drafts(citizen, centre_1, department_a):
    offline = MatterFactory(centre=centre_1, department=department_a, online_apply=False)

    with pytest.raises(ValidationFailed, match="窗口"):
        intake.application_create_draft(actor=citizen, matter_id=offline.pk, **PERSON)


@pytest.mark.django_db(transaction=True)
def test_two_clerks_accepting_the_same_online_application_at_once_one_wins(centre_1, department_a):
    matter = MatterFactory(centre=centre_1, department=department_a, online_apply=True)
    MatterStageFactory(matter=matter, position=1, share_percent=100)
    citizen = CitizenFactory()
    draft = intake.application_create_draft(actor=citizen, matter_id=matter.pk, **PERSON)
    transitions.application_submit(application_id=draft.pk, actor=citizen)
    clerks = [StaffFactory(centre=centre_1, role="clerk") for _ in range(2)]
    start = threading.Barrier(2)

    def attempt(clerk):
        start.wait()
        try:
            intake.application_accept_online(application_id=draft.pk, actor=clerk)
            return "accepted"
        except DomainError as exc:
            return str(exc.message)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(attempt, clerks))

    assert outcomes[0] == "accepted" and "不能受理" in outcomes[1]
    assert ApplicationEvent.objects.filter(application=draft, kind="accepted").count() == 1
