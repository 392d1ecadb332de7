"""Approvals figures against small data computed by hand (November 2026 has no holidays)."""
import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
import time_machine

from approvals import figures
from approvals.models import Chain

from ..hall.factories import DepartmentFactory, MatterFactory
from .factories import ApplicationFactory, ChainFactory, ChainStepFactory

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
D = dt.date


def at(day: dt.date, hour: int = 16, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(at(D(2026, 11, 16), 10), tick=False) as traveller:
        yield traveller


@pytest.fixture
def catalogue(centre_1, department_a, centre_2):
    other = DepartmentFactory(centre=centre_2)
    return {
        "A": MatterFactory(centre=centre_1, department=department_a, code="A", promised_days=0, statutory_days=0),
        "B": MatterFactory(centre=centre_1, department=department_a, code="B", promised_days=0, statutory_days=5),
        "C": MatterFactory(centre=centre_1, department=department_a, code="C", promised_days=10, statutory_days=20),
        "D": MatterFactory(centre=centre_1, department=department_a, code="D", promised_days=5, statutory_days=15),
        "draft": MatterFactory(centre=centre_1, department=department_a, code="E", promised_days=1,
                               statutory_days=30, draft=True),
        "elsewhere": MatterFactory(centre=centre_2, department=other, code="F", promised_days=1,
                                   statutory_days=1),
    }


def done(matter, *, accepted: dt.date, completed: dt.datetime, **kwargs):
    return ApplicationFactory(matter=matter, completed=True, accepted_on=accepted, completed_at=completed, **kwargs)


@pytest.fixture
def cases(catalogue):
    today = D(2026, 11, 16)
    for _ in range(3):
        done(catalogue["A"], accepted=today, completed=at(today, 9))
    done(catalogue["C"], accepted=D(2026, 11, 2), completed=at(D(2026, 11, 10), 0, 30))  # 6 days, early
    done(catalogue["C"], accepted=D(2026, 11, 2), completed=at(today, 9))  # 10 days, on the due day
    done(catalogue["D"], accepted=D(2026, 11, 9), completed=at(D(2026, 11, 13)))  # 4 days, early
    ApplicationFactory(matter=catalogue["C"], completed=True, status="delivered", accepted_on=D(2026, 11, 3),
                       completed_at=at(D(2026, 11, 5)))  # 2 days, early
    ApplicationFactory(matter=catalogue["C"], accepted_on=D(2026, 11, 3))  # open: not counted
    ApplicationFactory(matter=catalogue["C"], withdrawn=True, accepted_on=D(2026, 11, 3))
    done(catalogue["elsewhere"], accepted=D(2026, 11, 2), completed=at(D(2026, 11, 3)))


# --- 即办件比例 -------------------------------------------------------------------------------------------


def test_instant_share_of_the_published_catalogue(catalogue, centre_1):
    share = figures.instant_matter_share(centre_id=centre_1.pk).catalogue

    assert (share.numerator, share.denominator, share.ratio, share.percent) == (2, 4, Decimal("0.5000"),
                                                                                Decimal("50.00"))


def test_instant_share_of_the_completed_cases(cases, centre_1):
    share = figures.instant_matter_share(centre_id=centre_1.pk).completed

    assert (share.numerator, share.denominator, share.ratio) == (3, 7, Decimal("0.4286"))


def test_without_a_centre_every_centre_counts(cases):
    shares = figures.instant_matter_share()

    assert (shares.catalogue.numerator, shares.catalogue.denominator) == (2, 5)
    assert (shares.completed.numerator, shares.completed.denominator) == (3, 8)


def test_nothing_to_count_gives_no_ratio(centre_1):
    share = figures.instant_matter_share(centre_id=centre_1.pk).completed

    assert (share.ratio, share.percent) == (None, None)


# --- 提前办结率 ------------------------------------------------------------------------------------------


def test_early_completion_rate_counts_cases_with_a_promised_limit(cases, centre_1):
    rate = figures.early_completion_rate(centre_id=centre_1.pk)

    assert (rate.numerator, rate.denominator, rate.ratio) == (3, 4, Decimal("0.7500"))


def test_the_period_is_the_local_completion_date(cases, centre_1):
    # Completed 10 November 00:30 in Shanghai, which is still 9 November in UTC.
    rate = figures.early_completion_rate(centre_id=centre_1.pk, start=D(2026, 11, 10), end=D(2026, 11, 10))

    assert (rate.numerator, rate.denominator) == (1, 1)


def test_cases_completed_outside_the_period_are_left_out(cases, centre_1):
    rate = figures.early_completion_rate(centre_id=centre_1.pk, start=D(2026, 11, 11))

    assert (rate.numerator, rate.denominator) == (1, 2)  # D early (13th), C on the due day (16th)


# --- catalogue compression -------------------------------------------------------------------------------


def test_catalogue_compression_is_one_minus_promised_over_statutory(catalogue, centre_1):
    compression = figures.catalogue_compression(centre_id=centre_1.pk)

    # Σ promised = 0 + 0 + 10 + 5 = 15, Σ statutory = 0 + 5 + 20 + 15 = 40: 1 − 15/40 = 62.5 %
    assert (compression.promised_days, compression.statutory_days, compression.ratio) == (15, 40,
                                                                                          Decimal("0.6250"))


def test_an_empty_catalogue_has_no_compression(centre_1):
    assert figures.catalogue_compression(centre_id=centre_1.pk).ratio is None


# --- mean working days per matter ------------------------------------------------------------------------


def test_mean_working_days_per_matter_from_acceptance_to_completion(cases, catalogue, centre_1):
    rows = figures.mean_working_days_per_matter(centre_id=centre_1.pk)

    by_code = {row.matter_id: row for row in rows}
    a, c, d = (by_code[catalogue[k].pk] for k in "ACD")
    assert (a.cases, a.working_days, a.mean) == (3, 0, Decimal("0.00"))
    assert (c.cases, c.working_days, c.mean) == (3, 18, Decimal("6.00"))  # 6 + 10 + 2
    assert (d.cases, d.working_days, d.mean) == (1, 4, Decimal("4.00"))
    assert [row.matter_id for row in rows] == [catalogue[k].pk for k in "ACD"]


def test_mean_working_days_skip_holidays(centre_1, department_a):
    matter = MatterFactory(centre=centre_1, department=department_a, promised_days=10, statutory_days=20)
    # 国庆节 2026: 1–7 October off, Saturday 10 October worked (调休): from 30 September to 12 October the
    # working days are 8, 9, 10 and 12 October — 4, where Monday to Friday alone would count 8.
    done(matter, accepted=D(2026, 9, 30), completed=at(D(2026, 10, 12)))

    [row] = figures.mean_working_days_per_matter(centre_id=centre_1.pk)

    assert row.working_days == 4


def test_mean_working_days_are_two_queries_whatever_the_number_of_cases(cases, centre_1,
                                                                       django_assert_num_queries):
    with django_assert_num_queries(2):
        figures.mean_working_days_per_matter(centre_id=centre_1.pk, start=D(2026, 11, 1), end=D(2026, 11, 30))


def test_no_completed_cases_give_no_rows(centre_1):
    assert figures.mean_working_days_per_matter(centre_id=centre_1.pk) == []


# --- chains ---------------------------------------------------------------------------------------------


@pytest.fixture
def chains(centre_1, department_a):
    def chain(accepted_on, *, completed_on=None, status=Chain.Status.COMPLETED, statutory=(20, 10, 20)):
        made = ChainFactory(template__centre=centre_1, template__name="工程建设项目", accepted_on=accepted_on,
                            completed_on=completed_on, status=status)
        for position, days in enumerate(statutory, start=1):
            matter = MatterFactory(centre=centre_1, department=department_a, statutory_days=days,
                                   promised_days=min(days, 5))
            ChainStepFactory(chain=made, template_step__matter=matter, template_step__position=position)
        return made

    return {
        # 2 November → 2 December 2026 is 22 working days (20 in November after the 2nd, then 1 and 2 December).
        "done": chain(D(2026, 11, 2), completed_on=D(2026, 12, 2)),
        "open": chain(D(2026, 11, 9), status=Chain.Status.IN_PROGRESS, statutory=(3, 3)),
        "withdrawn": chain(D(2026, 11, 9), status=Chain.Status.WITHDRAWN),
    }


def test_a_chain_elapsed_against_the_sum_of_its_steps_statutory_limits(chains, centre_1):
    [row] = figures.chain_durations(centre_id=centre_1.pk, today=D(2026, 12, 10))

    assert row.chain_id == chains["done"].pk
    assert (row.elapsed_working_days, row.statutory_days_sum, row.faster) == (22, 50, Decimal("0.5600"))
    assert (row.accepted_on, row.completed_on, row.template_name) == (D(2026, 11, 2), D(2026, 12, 2), "工程建设项目")


def test_chains_in_progress_count_to_today_when_asked(chains, centre_1):
    rows = figures.chain_durations(centre_id=centre_1.pk, include_open=True, today=D(2026, 11, 16))

    by_id = {row.chain_id: row for row in rows}
    assert set(by_id) == {chains["done"].pk, chains["open"].pk}
    assert (by_id[chains["open"].pk].elapsed_working_days, by_id[chains["open"].pk].statutory_days_sum) == (5, 6)


def test_chains_completed_outside_the_period_are_left_out(chains, centre_1):
    assert figures.chain_durations(centre_id=centre_1.pk, end=D(2026, 11, 30), today=D(2026, 12, 10)) == []


def test_chain_durations_are_two_queries(chains, centre_1, django_assert_num_queries):
    with django_assert_num_queries(2):
        figures.chain_durations(centre_id=centre_1.pk, include_open=True, today=D(2026, 12, 10))
