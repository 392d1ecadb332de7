"""The warning job: yellow, red, purple (紫牌), Art. 32 deemed acceptance and unmet 容缺 commitments, raised once
and sent once to the holder of the step and the department's head(s)."""
import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
import time_machine

from approvals import deadlines
from approvals.models import Application, CaseWarning, WarningPolicy
from approvals.services import warnings
from approvals.tasks import cases_raise_warnings as warnings_task
from approvals.tasks import notify_applicant_of_stage_change
from common.errors import PermissionDeniedError, ValidationFailed
from hall.models import Notice, Role

from ..hall.factories import MatterFactory, MatterStageFactory, StaffFactory
from .factories import (
    ApplicationFactory,
    ChainStepFactory,
    DeficiencyCommitmentFactory,
    WarningPolicyFactory,
    working_days_ago,
)

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
MONDAY = dt.datetime(2026, 11, 16, 10, 0, tzinfo=SHANGHAI)  # November 2026 has no holidays
Level, Reason = CaseWarning.Level, CaseWarning.Reason


@pytest.fixture
def clock(db):
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
def holder(approver_a):
    approver_a.phone = "13900000001"
    approver_a.save(update_fields=["phone"])
    return approver_a


@pytest.fixture
def head(centre_1, department_a):
    return StaffFactory(username="head_a", role=Role.APPROVER, centre=centre_1, department=department_a,
                        is_department_head=True, phone="13900000002")


def case(matter, holder, *, accepted_ago: int, **kwargs):
    """A case of `matter` accepted `accepted_ago` working days before today, held by `holder`."""
    kwargs.setdefault("in_approval", True)
    return ApplicationFactory(matter=matter, handler=holder, accepted_on=working_days_ago(accepted_ago), **kwargs)


def run(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return warnings.cases_raise_warnings(now=MONDAY)


def levels(application) -> set[tuple[str, str]]:
    return set(application.warnings.values_list("level", "reason"))


# --- yellow and red on the promised due date -------------------------------------------------------------


def test_yellow_when_the_remaining_days_fall_under_the_share_of_the_limit(clock, matter, holder, head,
                                                                          django_capture_on_commit_callbacks):
    application = case(matter, holder, accepted_ago=9)  # 1 of 10 working days left: under 30 %

    result = run(django_capture_on_commit_callbacks)

    assert levels(application) == {(Level.YELLOW, Reason.DEADLINE)}
    warning = application.warnings.get()
    assert (warning.holder, warning.department_id, warning.due_on) == (holder, matter.department_id,
                                                                       application.promised_due)
    assert result.raised == {"yellow": 1, "red": 0, "purple": 0}


def test_three_days_left_of_ten_is_still_green(clock, matter, holder, django_capture_on_commit_callbacks):
    application = case(matter, holder, accepted_ago=7)

    run(django_capture_on_commit_callbacks)

    assert not application.warnings.exists()


def test_red_on_the_due_day(clock, matter, holder, django_capture_on_commit_callbacks):
    application = case(matter, holder, accepted_ago=10)
    assert application.promised_due == MONDAY.date()

    run(django_capture_on_commit_callbacks)

    assert (Level.RED, Reason.DEADLINE) in levels(application)
    assert (Level.YELLOW, Reason.DEADLINE) not in levels(application)


def test_red_when_overdue(clock, matter, holder, django_capture_on_commit_callbacks):
    application = case(matter, holder, accepted_ago=12)

    run(django_capture_on_commit_callbacks)

    assert application.warnings.get(reason=Reason.DEADLINE).level == Level.RED


def test_a_case_that_turns_red_after_yellow_gets_both_once(clock, matter, holder, django_capture_on_commit_callbacks):
    application = case(matter, holder, accepted_ago=9)
    run(django_capture_on_commit_callbacks)
    clock.move_to(MONDAY + dt.timedelta(days=1))

    with django_capture_on_commit_callbacks(execute=True):
        warnings.cases_raise_warnings(now=MONDAY + dt.timedelta(days=1))

    assert levels(application) == {(Level.YELLOW, Reason.DEADLINE), (Level.RED, Reason.DEADLINE)}


def test_the_centres_policy_sets_the_yellow_share(clock, matter, holder, centre_1, django_capture_on_commit_callbacks):
    WarningPolicyFactory(centre=centre_1, yellow_share=Decimal("0.50"))
    application = case(matter, holder, accepted_ago=6)  # 4 of 10 left: green at 30 %, yellow at 50 %

    run(django_capture_on_commit_callbacks)

    assert levels(application) == {(Level.YELLOW, Reason.DEADLINE)}


def test_the_extension_counts_in_the_limit(clock, matter, holder, django_capture_on_commit_callbacks):
    # 20 working days in all (10 + 10 extension), 5 left: 25 % is under 30 %.
    application = case(matter, holder, accepted_ago=15, extension_days=10)
    assert deadlines.remaining_working_days(today=MONDAY.date(), due=application.promised_due) == 5

    run(django_capture_on_commit_callbacks)

    assert levels(application) == {(Level.YELLOW, Reason.DEADLINE)}


# --- purple: the current stage overruns its share ---------------------------------------------------------


def test_purple_when_the_current_stage_overruns_its_share(clock, matter, holder, head,
                                                          django_capture_on_commit_callbacks):
    # Review is 20 % + 40 % = 6 of 10 days: due 6 working days after acceptance, yesterday for this case.
    application = case(matter, holder, accepted_ago=7, in_approval=False, in_review=True)

    run(django_capture_on_commit_callbacks)

    assert levels(application) == {(Level.PURPLE, Reason.STAGE_OVERRUN)}
    warning = application.warnings.get()
    stage_dues = deadlines.stage_due_dates(accepted_on=application.accepted_on, promised_days=10,
                                           shares=[20, 40, 40])
    assert warning.due_on == stage_dues[1] == working_days_ago(1)
    assert (warning.stage_position, warning.holder) == (2, holder)
    assert set(Notice.objects.filter(title__startswith="紫牌").values_list("recipient", flat=True)) == {holder.pk,
                                                                                                        head.pk}


def test_no_purple_on_the_stages_due_day(clock, matter, holder, django_capture_on_commit_callbacks):
    application = case(matter, holder, accepted_ago=6, in_approval=False, in_review=True)

    run(django_capture_on_commit_callbacks)

    assert not application.warnings.exists()


def test_the_first_stage_overruns_after_its_twenty_percent(clock, matter, holder, django_capture_on_commit_callbacks):
    late = case(matter, holder, accepted_ago=3, in_approval=False)
    on_time = case(matter, holder, accepted_ago=2, in_approval=False)

    run(django_capture_on_commit_callbacks)

    assert levels(late) == {(Level.PURPLE, Reason.STAGE_OVERRUN)}
    assert not on_time.warnings.exists()


def test_stopped_days_move_the_stage_due_date(clock, matter, holder, django_capture_on_commit_callbacks):
    application = case(matter, holder, accepted_ago=7, in_approval=False, in_review=True, stopped_days=2)

    run(django_capture_on_commit_callbacks)

    assert not application.warnings.filter(level=Level.PURPLE).exists()


def test_each_overrun_stage_gets_its_own_purple_card(clock, matter, holder, django_capture_on_commit_callbacks):
    application = case(matter, holder, accepted_ago=3, in_approval=False)
    run(django_capture_on_commit_callbacks)
    Application.objects.filter(pk=application.pk).update(status=Application.Status.REVIEW, stage_position=2)
    clock.move_to(MONDAY + dt.timedelta(days=4))  # Friday: review was due 6 days after acceptance

    with django_capture_on_commit_callbacks(execute=True):
        warnings.cases_raise_warnings(now=MONDAY + dt.timedelta(days=4))

    assert set(application.warnings.filter(level=Level.PURPLE).values_list("stage_position", flat=True)) == {1, 2}


def test_a_matter_without_stages_gets_no_purple(clock, centre_1, department_a, holder,
                                                django_capture_on_commit_callbacks):
    bare = MatterFactory(centre=centre_1, department=department_a, promised_days=10, statutory_days=20)
    application = case(bare, holder, accepted_ago=7, in_approval=False, in_review=True)

    run(django_capture_on_commit_callbacks)

    assert not application.warnings.exists()


# --- cases the job leaves alone ----------------------------------------------------------------------------


@pytest.mark.parametrize("trait", ["completed", "withdrawn", "suspended"])
def test_nothing_for_cases_whose_clock_is_not_running(clock, matter, holder, trait,
                                                      django_capture_on_commit_callbacks):
    application = case(matter, holder, accepted_ago=12, in_approval=False, **{trait: True})

    run(django_capture_on_commit_callbacks)

    assert not application.warnings.exists()
    assert not Notice.objects.exists()


def test_a_chain_step_waiting_for_its_predecessors_gets_nothing(clock, matter, holder,
                                                                django_capture_on_commit_callbacks):
    step = ChainStepFactory(template_step__matter=matter, chain__accepted_on=working_days_ago(12), started=False)

    run(django_capture_on_commit_callbacks)

    assert not step.application.warnings.exists()


# --- 行政许可法 Art. 32: an online submission unanswered in 5 working days --------------------------------


@pytest.fixture
def sync_applicant_notices(monkeypatch):
    """Run the after-commit applicant notification task in-process (the task called directly)."""
    monkeypatch.setattr(notify_applicant_of_stage_change, "delay", lambda **kw: notify_applicant_of_stage_change(**kw))


def test_an_unanswered_online_submission_is_deemed_accepted_from_its_arrival_and_raises_red(
    clock, matter, head, sync_applicant_notices, sms_outbox, django_capture_on_commit_callbacks
):
    arrived = dt.datetime(2026, 11, 6, 15, 0, tzinfo=SHANGHAI)  # answer due Friday 13 November
    application = ApplicationFactory(matter=matter, submitted_online=True, submitted_at=arrived)
    assert application.online_answer_due == dt.date(2026, 11, 13)

    result = run(django_capture_on_commit_callbacks)

    application.refresh_from_db()
    assert result.deemed_accepted == 1
    assert application.status == Application.Status.ACCEPTED
    assert application.deemed_accepted is True
    assert application.accepted_on == dt.date(2026, 11, 6)
    assert application.promised_due == deadlines.due_date(accepted_on=dt.date(2026, 11, 6), limit_days=10)
    assert application.events.last().kind == "deemed_accepted"
    warning = application.warnings.get(reason=Reason.ONLINE_UNANSWERED)
    assert (warning.level, warning.due_on) == (Level.RED, dt.date(2026, 11, 13))
    assert Notice.objects.filter(recipient=head, title__contains="逾期未答复").count() == 1
    assert any(phone == application.contact_phone and "视为已受理" in text for phone, text in sms_outbox)


def test_an_online_submission_on_its_answer_day_is_left_alone(clock, matter, django_capture_on_commit_callbacks):
    application = ApplicationFactory(matter=matter, submitted_online=True,
                                     submitted_at=dt.datetime(2026, 11, 9, 9, 0, tzinfo=SHANGHAI))
    assert application.online_answer_due == MONDAY.date()

    run(django_capture_on_commit_callbacks)

    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert not application.warnings.exists()


def test_deemed_acceptance_rechecks_the_case_under_its_lock(clock, matter, clerk):
    application = ApplicationFactory(matter=matter, submitted_online=True,
                                     submitted_at=dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI))
    Application.objects.filter(pk=application.pk).update(status=Application.Status.CORRECTION)

    assert warnings.application_deem_accepted(application_id=application.pk, today=MONDAY.date()) is None
    application.refresh_from_db()
    assert application.status == Application.Status.CORRECTION


# --- 容缺: an unmet commitment past its deadline ---------------------------------------------------------


def test_an_unmet_deficiency_commitment_past_its_deadline_warns(clock, matter, holder, head,
                                                                django_capture_on_commit_callbacks):
    application = case(matter, holder, accepted_ago=2)
    DeficiencyCommitmentFactory(application=application, deadline=dt.date(2026, 11, 13))

    run(django_capture_on_commit_callbacks)

    warning = application.warnings.get(reason=Reason.DEFICIENCY_OVERDUE)
    assert (warning.level, warning.due_on) == (Level.YELLOW, dt.date(2026, 11, 13))
    assert Notice.objects.filter(title__startswith="容缺材料逾期未补齐").count() == 2


def test_a_commitment_due_today_or_fulfilled_does_not_warn(clock, matter, holder, django_capture_on_commit_callbacks):
    due_today = case(matter, holder, accepted_ago=2)
    DeficiencyCommitmentFactory(application=due_today, deadline=MONDAY.date())
    fulfilled = case(matter, holder, accepted_ago=2)
    DeficiencyCommitmentFactory(application=fulfilled, deadline=dt.date(2026, 11, 13), fulfilled_at=MONDAY)

    run(django_capture_on_commit_callbacks)

    assert not CaseWarning.objects.exists()


def test_a_granted_case_waiting_for_its_deficiency_materials_still_warns(clock, matter, holder,
                                                                         django_capture_on_commit_callbacks):
    # The result waits at the pick-up window until the materials come, so the applicant must be chased.
    application = case(matter, holder, accepted_ago=2, in_approval=False, completed=True)
    DeficiencyCommitmentFactory(application=application, deadline=dt.date(2026, 11, 13))

    run(django_capture_on_commit_callbacks)

    assert levels(application) == {(Level.YELLOW, Reason.DEFICIENCY_OVERDUE)}


# --- notices and SMS: each new warning once ---------------------------------------------------------------


def test_each_warning_tells_the_holder_and_the_department_heads_in_app_and_by_sms(
    clock, matter, holder, head, approver_b, sms_outbox, django_capture_on_commit_callbacks
):
    StaffFactory(username="head_b", role=Role.APPROVER, centre=holder.centre, department=approver_b.department,
                 is_department_head=True, phone="13900000003")
    StaffFactory(username="head_gone", role=Role.APPROVER, centre=holder.centre, department=holder.department,
                 is_department_head=True, is_active=False, phone="13900000004")
    application = case(matter, holder, accepted_ago=9)

    result = run(django_capture_on_commit_callbacks)

    warning = application.warnings.get()
    notices = Notice.objects.filter(dedupe_key=f"case-warning-{warning.pk}")
    assert set(notices.values_list("recipient", flat=True)) == {holder.pk, head.pk}
    notice = notices.first()
    assert notice.kind == "case_warning"
    assert notice.title == f"黄牌预警：“食品经营许可”（{application.tracking_code}）将于2026-11-17到期"
    assert "张三丰" not in notice.title + notice.body and application.id_number not in notice.body
    assert sorted(phone for phone, _ in sms_outbox) == ["13900000001", "13900000002"]
    assert all(text.startswith("【测试市政务服务中心】黄牌预警") for _, text in sms_outbox)
    assert (result.notices, result.sms) == (2, 2)


def test_a_holder_who_is_the_head_gets_one_notice(clock, matter, head, sms_outbox,
                                                  django_capture_on_commit_callbacks):
    case(matter, head, accepted_ago=9)

    run(django_capture_on_commit_callbacks)

    assert Notice.objects.filter(recipient=head).count() == 1
    assert len(sms_outbox) == 1


def test_staff_without_a_phone_get_the_notice_only(clock, matter, approver_a, sms_outbox,
                                                   django_capture_on_commit_callbacks):
    case(matter, approver_a, accepted_ago=9)

    result = run(django_capture_on_commit_callbacks)

    assert Notice.objects.filter(recipient=approver_a).count() == 1
    assert (result.notices, result.sms, len(sms_outbox)) == (1, 0, 0)


def test_no_sms_is_sent_before_the_job_commits(clock, matter, holder, sms_outbox, django_capture_on_commit_callbacks):
    case(matter, holder, accepted_ago=9)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        warnings.cases_raise_warnings(now=MONDAY)

    assert sms_outbox == []
    assert len(callbacks) == 1


def test_a_rerun_raises_and_sends_nothing_twice(clock, matter, holder, head, sms_outbox,
                                                django_capture_on_commit_callbacks):
    case(matter, holder, accepted_ago=9)  # yellow
    case(matter, holder, accepted_ago=12)  # red, and purple for the last stage
    case(matter, holder, accepted_ago=3, in_approval=False)  # purple for the first stage
    first = run(django_capture_on_commit_callbacks)
    counts = (CaseWarning.objects.count(), Notice.objects.count(), len(sms_outbox))

    second = run(django_capture_on_commit_callbacks)

    assert counts == (4, 8, 8)
    assert (CaseWarning.objects.count(), Notice.objects.count(), len(sms_outbox)) == counts
    assert first.raised == {"yellow": 1, "red": 1, "purple": 2}
    assert (sum(second.raised.values()), second.notices, second.sms) == (0, 0, 0)


def test_the_job_is_a_fixed_number_of_queries_whatever_the_number_of_cases(
    clock, matter, holder, head, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    for ago in range(20):
        case(matter, holder, accepted_ago=ago, in_approval=ago % 2 == 0, in_review=ago % 2 == 1)

    with django_assert_max_num_queries(9):
        result = run(django_capture_on_commit_callbacks)

    assert sum(result.raised.values()) > 10


# --- the Celery task ----------------------------------------------------------------------------------------


def test_the_task_does_nothing_on_a_day_off(matter, holder):
    with time_machine.travel(dt.datetime(2026, 11, 21, 10, 5, tzinfo=SHANGHAI), tick=False):  # Saturday
        case(matter, holder, accepted_ago=12)
        assert warnings_task() == {"skipped": "non_working_day"}
    assert not CaseWarning.objects.exists()


def test_the_beat_schedule_runs_the_job_at_five_past_each_working_hour(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["cases-raise-warnings"]
    assert entry["task"] == "approvals.tasks.cases_raise_warnings"
    assert entry["schedule"].minute == {5}
    assert entry["schedule"].hour == set(range(8, 19))


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_hourly_task_raises_warnings_once_through_a_real_worker_and_broker(centre_1, department_a, sms_outbox):
    from celery.contrib.testing.worker import start_worker

    from config.celery import app
    from tests.hall.calendar_helpers import seed_package_calendar_if_flushed

    seed_package_calendar_if_flushed()
    with time_machine.travel(MONDAY):
        holder = StaffFactory(username="holder", role=Role.APPROVER, centre=centre_1, department=department_a,
                              is_department_head=True, phone="13900000009")
        matter = MatterFactory(centre=centre_1, department=department_a, promised_days=10, statutory_days=20)
        MatterStageFactory(matter=matter, position=1, share_percent=100)
        application = ApplicationFactory(matter=matter, handler=holder, accepted_on=working_days_ago(12),
                                         status=Application.Status.APPROVAL, stage_position=1)
        app.control.purge()  # tasks other tests left on the real broker would run first
        with start_worker(app, perform_ping_check=False, pool="solo", concurrency=1):
            first = warnings_task.delay().get(timeout=30)
            second = warnings_task.delay().get(timeout=30)

    assert first["raised"] == {"yellow": 0, "red": 1, "purple": 1}
    assert sum(second["raised"].values()) == second["notices"] == second["sms"] == 0
    assert CaseWarning.objects.filter(application=application).count() == 2
    assert Notice.objects.filter(recipient=holder).count() == 2
    assert [phone for phone, _ in sms_outbox] == ["13900000009", "13900000009"]


# --- the policy -------------------------------------------------------------------------------------------


def test_a_manager_sets_the_centres_yellow_share_with_history(manager_1, centre_1):
    policy = warnings.warning_policy_update(actor=manager_1, centre_id=centre_1.pk, yellow_share="0.4")

    assert policy.yellow_share == Decimal("0.40")
    assert warnings.warning_policy_for_centre(centre_1.pk) == Decimal("0.40")
    warnings.warning_policy_update(actor=manager_1, centre_id=centre_1.pk, yellow_share="0.25")
    assert [h.yellow_share for h in WarningPolicy.history.order_by("history_id")] == [Decimal("0.40"),
                                                                                       Decimal("0.25")]
    assert WarningPolicy.history.last().history_user == manager_1


def test_without_a_policy_the_share_is_thirty_percent(centre_1):
    assert warnings.warning_policy_for_centre(centre_1.pk) == Decimal("0.30")


@pytest.mark.parametrize("value", ["0", "0.96", "1", "abc", ""])
def test_a_share_out_of_range_is_refused(manager_1, centre_1, value):
    with pytest.raises(ValidationFailed, match=r"0\.05至0\.95"):
        warnings.warning_policy_update(actor=manager_1, centre_id=centre_1.pk, yellow_share=value)
    assert not WarningPolicy.objects.exists()


@pytest.mark.parametrize("persona", ["clerk", "supervisor", "manager_2"])
def test_only_the_centres_manager_sets_its_policy(request, centre_1, persona):
    actor = request.getfixturevalue(persona)
    with pytest.raises(PermissionDeniedError):
        warnings.warning_policy_update(actor=actor, centre_id=centre_1.pk, yellow_share="0.4")
    assert not WarningPolicy.objects.exists()
