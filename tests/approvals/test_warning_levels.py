"""The warning job's SQL against the pure deadline functions, case by case, on and around every boundary day:
each yellow, red and purple card the job raises is the one approvals.deadlines says, across a holiday, with
clock stops, extensions, a centre's own share and cases accepted long ago."""
import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
import time_machine

from approvals import deadlines
from approvals.models import Application, CaseWarning
from approvals.services import warnings

from ..hall.factories import MatterFactory, MatterStageFactory
from .factories import ApplicationFactory, WarningPolicyFactory, working_days_ago

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
Level, Reason, Status = CaseWarning.Level, CaseWarning.Reason, Application.Status
SHARES = [20, 40, 40]
# The stage a case is in, by the status the services give it (a position past the template's last stage counts
# as the last stage).
STAGES = {1: Status.ACCEPTED, 2: Status.REVIEW, 3: Status.APPROVAL, 4: Status.APPROVAL}
AGES = [*range(0, 16), 40, 300]  # working days since acceptance: every day of a 10- or 20-day limit, and long ago


def expected_warnings(application, *, today: dt.date, share: Decimal) -> set[tuple]:
    """What approvals.deadlines says for the case today: (stage, level, reason, due date) of each card."""
    limit = application.matter.promised_days + application.extension_days
    level = deadlines.warning_level(today=today, due=application.promised_due, limit_days=limit,
                                    yellow_share=float(share))
    cards = set()
    if level != deadlines.Level.GREEN:
        cards.add((0, level.value, Reason.DEADLINE, application.promised_due))
    stage_dues = deadlines.stage_due_dates(accepted_on=application.accepted_on, promised_days=limit, shares=SHARES,
                                           stopped_days=application.stopped_days)
    stage_due = stage_dues[min(application.stage_position, len(SHARES)) - 1]
    if stage_due < today:
        cards.add((application.stage_position, Level.PURPLE, Reason.STAGE_OVERRUN, stage_due))
    return cards


@pytest.mark.parametrize(
    ("today", "share"),
    [
        (dt.date(2026, 11, 16), None),  # a plain November Monday, the default 30 %
        (dt.date(2026, 10, 12), None),  # the Monday after National Day: limits ran across the holiday
        (dt.date(2026, 10, 12), Decimal("0.35")),  # a centre's own share: 3.5 of 10 days, 7 of 20
    ],
)
def test_every_card_is_the_one_the_deadline_functions_give(centre_1, department_a, approver_a, today, share):
    with time_machine.travel(dt.datetime.combine(today, dt.time(10), tzinfo=SHANGHAI), tick=False):
        if share is not None:
            WarningPolicyFactory(centre=centre_1, yellow_share=share)
        matter = MatterFactory(centre=centre_1, department=department_a, promised_days=10, statutory_days=20)
        for position, percent in enumerate(SHARES, start=1):
            MatterStageFactory(matter=matter, position=position, share_percent=percent)
        cases = [
            ApplicationFactory(matter=matter, handler=approver_a, accepted_on=working_days_ago(age),
                               status=STAGES[stage], stage_position=stage, stopped_days=stopped,
                               extension_days=extension)
            for age in AGES
            for stage in STAGES
            for stopped, extension in [(0, 0), (2, 0), (0, 10)]
        ]

        run = warnings.cases_raise_warnings(now=dt.datetime.combine(today, dt.time(10), tzinfo=SHANGHAI))

    share = share or Decimal("0.30")
    raised = {}
    for warning in CaseWarning.objects.all():
        raised.setdefault(warning.application_id, set()).add(
            (warning.stage_position, warning.level, warning.reason, warning.due_on)
        )
    for application in cases:
        assert raised.get(application.pk, set()) == expected_warnings(application, today=today, share=share), (
            f"accepted {application.accepted_on}, stage {application.stage_position}, "
            f"stopped {application.stopped_days}, extension {application.extension_days}"
        )
    assert {level for cards in raised.values() for _, level, _, _ in cards} == {"yellow", "red", "purple"}
    assert sum(run.raised.values()) == CaseWarning.objects.count()


@pytest.fixture
def monday():
    with time_machine.travel(dt.datetime(2026, 11, 16, 10, tzinfo=SHANGHAI), tick=False):
        yield dt.date(2026, 11, 16)


def stage_cards(application) -> set[tuple[int, dt.date]]:
    return set(application.warnings.filter(level=Level.PURPLE).values_list("stage_position", "due_on"))


def test_a_stage_beyond_the_third_takes_its_share_from_the_template(monday, centre_1, department_a, approver_a):
    # Five stages of 10 %, 10 %, 10 %, 10 % and 60 %: the fourth is due 4 of 10 working days after acceptance.
    matter = MatterFactory(centre=centre_1, department=department_a, promised_days=10, statutory_days=20)
    for position in range(1, 6):
        MatterStageFactory(matter=matter, position=position, share_percent=60 if position == 5 else 10)
    late = ApplicationFactory(matter=matter, handler=approver_a, accepted_on=working_days_ago(5),
                              status=Status.APPROVAL, stage_position=4)
    on_its_day = ApplicationFactory(matter=matter, handler=approver_a, accepted_on=working_days_ago(4),
                                    status=Status.APPROVAL, stage_position=4)

    warnings.cases_raise_warnings(now=dt.datetime.combine(monday, dt.time(10), tzinfo=SHANGHAI))

    assert stage_cards(late) == {(4, working_days_ago(1))}
    assert stage_cards(on_its_day) == set()


def test_a_position_the_template_skips_gets_no_purple_card(monday, centre_1, department_a, approver_a):
    matter = MatterFactory(centre=centre_1, department=department_a, promised_days=10, statutory_days=20)
    for position, percent in [(1, 20), (2, 40), (4, 40)]:  # no stage 3
        MatterStageFactory(matter=matter, position=position, share_percent=percent)
    in_the_gap = ApplicationFactory(matter=matter, handler=approver_a, accepted_on=working_days_ago(9),
                                    status=Status.APPROVAL, stage_position=3)
    in_review = ApplicationFactory(matter=matter, handler=approver_a, accepted_on=working_days_ago(9),
                                   status=Status.REVIEW, stage_position=2)

    warnings.cases_raise_warnings(now=dt.datetime.combine(monday, dt.time(10), tzinfo=SHANGHAI))

    assert stage_cards(in_the_gap) == set()
    assert stage_cards(in_review) == {(2, working_days_ago(3))}  # 60 % of 10 days: due on day 6
    assert in_the_gap.warnings.filter(level=Level.YELLOW).exists()  # the deadline still counts


def test_a_suspended_case_deemed_accepted_keeps_its_art_32_card_and_gets_no_other(monday, centre_1, department_a,
                                                                                 approver_a):
    matter = MatterFactory(centre=centre_1, department=department_a, promised_days=10, statutory_days=20)
    application = ApplicationFactory(matter=matter, handler=approver_a, accepted_on=working_days_ago(12),
                                     status=Status.SUSPENDED, suspended_from=Status.REVIEW, stage_position=2,
                                     source=Application.Source.ONLINE, deemed_accepted=True,
                                     online_answer_due=working_days_ago(7))

    warnings.cases_raise_warnings(now=dt.datetime.combine(monday, dt.time(10), tzinfo=SHANGHAI))

    assert set(application.warnings.values_list("level", "reason")) == {(Level.RED, Reason.ONLINE_UNANSWERED)}
