"""The demo approvals (`seed_demo_approvals`): the two chains of the demo city centre and a month of
cases in every state, played through the services on a simulated clock. The demo is loaded once for the
module inside a transaction that is rolled back at the end."""
import datetime as dt
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count

from approvals.chain_selectors import chain_report
from approvals.demo import demo_approvals_loaded, demo_seed_approvals
from approvals.models import Application, ApplicationEvent, Chain, ChainTemplate, ClockStop, CorrectionNotice
from hall.models import Matter, Notice

TZ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 11, 30, 17, 30, tzinfo=TZ)  # a Monday evening


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", history_days=0, stderr=mock.MagicMock())
        counts = demo_seed_approvals(now=NOW)
        yield counts
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_the_two_seed_chains_are_set_up_for_the_city_centre(demo):
    startup = ChainTemplate.objects.get(centre__code="city", code="business-startup")
    construction = ChainTemplate.objects.get(centre__code="city", code="construction-permit")

    assert (startup.promised_days, startup.lead_department.code) == (3, "amr")
    assert [s.matter.name for s in startup.steps.order_by("position")][:2] == ["有限责任公司设立登记", "公章刻制备案"]
    assert construction.promised_days == 22 and construction.lead_department.code == "housing"
    permit = construction.steps.get(key="permit")
    assert sorted(d.key for d in permit.depends_on.all()) == ["airdefence", "fire", "land", "planning"]


def test_the_seal_matter_is_added_to_the_catalogue_and_published(demo):
    seal = Matter.objects.get(centre__code="city", code="GA-007")

    assert seal.name == "公章刻制备案" and seal.department.code == "psb" and seal.is_published
    assert seal.materials.count() == 3 and seal.stages.count() == 3


def test_there_are_cases_in_every_state(demo):
    statuses = set(Application.objects.filter(centre__code="city").values_list("status", flat=True))

    assert statuses == set(Application.Status.values)


def test_there_are_chains_completed_running_in_correction_stopped_and_ended(demo):
    statuses = dict(Chain.objects.values_list("status").annotate(n=Count("id")))

    assert set(statuses) == set(Chain.Status.values)
    assert statuses[Chain.Status.COMPLETED] >= 5


def test_some_cases_are_overdue_and_some_completed_early(demo):
    open_cases = Application.objects.filter(status__in=Application.OPEN_STATUSES)

    assert open_cases.filter(promised_due__lt=NOW.date()).count() >= 3
    assert Application.objects.filter(early_completion=True).count() >= 20
    assert Application.objects.filter(early_completion=False, matter__promised_days__gt=0).exists()


def test_the_past_month_is_dated_in_the_past(demo):
    first = Application.objects.filter(accepted_on__isnull=False).order_by("accepted_on").first().accepted_on

    assert dt.date(2026, 10, 25) <= first <= dt.date(2026, 11, 3)
    assert not ApplicationEvent.objects.filter(created_at__gte=NOW).exists()
    assert not Application.history.filter(history_date__gte=NOW).exists()


def test_the_business_chains_finish_within_their_promise_unless_their_clock_stopped(demo):
    plain = Chain.objects.filter(template__code="business-startup", status=Chain.Status.COMPLETED,
                                 correction_notices__isnull=True)

    assert plain.exists()
    assert all(chain_report(chain=chain).elapsed_working_days <= 3 for chain in plain)


def test_the_completed_construction_chain_beats_the_statutory_limits(demo):
    chain = Chain.objects.get(template__code="construction-permit", status=Chain.Status.COMPLETED)

    report = chain_report(chain=chain)

    assert report.elapsed_working_days <= 22 and report.statutory_days_sum == 95
    assert report.faster_percent > 56


def test_a_construction_chain_waits_on_one_notice_merging_two_departments(demo):
    chain = Chain.objects.get(template__code="construction-permit", status=Chain.Status.CORRECTION)
    notice = CorrectionNotice.objects.get(chain=chain)

    assert {item.department.code for item in notice.items.all()} == {"fire", "airdefence"}
    open_steps = chain.steps.filter(started=True, application__status__in=Application.OPEN_STATUSES)
    stops = ClockStop.objects.filter(application__chain_step__chain=chain, ended_on__isnull=True)
    assert stops.count() == open_steps.count() == 3
    assert len({stop.started_on for stop in stops}) == 1


def test_the_stopped_chain_told_the_lead_department(demo):
    chain = Chain.objects.get(status=Chain.Status.STOPPED)

    recipients = Notice.objects.filter(kind="chain_stopped", dedupe_key__startswith=f"chain-stopped-{chain.pk}-")
    assert recipients.exists()
    assert {n.recipient.department.code for n in recipients} == {"amr"}


def test_the_demo_accounts_have_online_applications(demo):
    mine = Application.objects.filter(applicant__username="citizen")

    statuses = set(mine.values_list("status", flat=True))
    assert {"draft", "submitted", "correction", "not_accepted", "withdrawn"} <= statuses


def test_the_command_does_nothing_with_if_empty_once_loaded(demo):
    before = Application.objects.count()

    call_command("seed_demo_approvals", "--if-empty", stderr=mock.MagicMock())

    assert demo_approvals_loaded() and Application.objects.count() == before


def test_the_command_refuses_to_load_twice(demo):
    with pytest.raises(CommandError, match="already loaded"):
        call_command("seed_demo_approvals", stderr=mock.MagicMock())


def test_the_command_needs_the_demo_hall_first():
    with mock.patch("approvals.management.commands.seed_demo_approvals.demo_is_loaded", return_value=False):
        with pytest.raises(CommandError, match="seed_demo"):
            call_command("seed_demo_approvals")
