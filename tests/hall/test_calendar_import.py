"""calendar_year_import: a manager replaces a year's holidays and adjusted working days, all or nothing."""
import datetime

import pytest

from common.errors import PermissionDeniedError, ValidationFailed
from hall import workdays
from hall.models import CalendarDay, CalendarYear, Role
from hall.services.calendar import CalendarImportRejected, calendar_year_import

from .calendar_helpers import seed_package_calendar_if_flushed
from .factories import StaffFactory

D = datetime.date
pytestmark = pytest.mark.django_db

LIST_2027 = """# 国务院办公厅关于2027年部分节假日安排的通知
2027-01-01,休,元旦

2027-02-05,休,春节
2027-02-06,休,春节
2027-02-07,休,春节
2027-02-08,休,春节
2027-02-09,休,春节
2027-02-10,休,春节
2027-02-11,休,春节
2027-02-20,班,调休上班
2027-10-01,休,国庆节
2027-10-09,班
"""


@pytest.fixture(autouse=True)
def _fresh_calendar(db):
    seed_package_calendar_if_flushed()
    yield
    workdays.reset()


@pytest.fixture
def import_2027(manager_1, django_capture_on_commit_callbacks):
    def run(text=LIST_2027, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return calendar_year_import(actor=manager_1, year=2027, text=text, **kwargs)

    return run


def test_import_publishes_the_year_with_the_manager_and_notice(import_2027, manager_1):
    calendar_year = import_2027(notice="国办发明电〔2026〕7号")

    calendar_year.refresh_from_db()
    assert (calendar_year.year, calendar_year.source, calendar_year.imported_by) == (2027, "import", manager_1)
    assert calendar_year.notice == "国办发明电〔2026〕7号"
    rows = list(CalendarDay.objects.filter(year=calendar_year).values_list("date", "is_working", "name"))
    assert rows[0] == (D(2027, 1, 1), False, "元旦")
    assert (D(2027, 2, 20), True, "调休上班") in rows
    assert (D(2027, 10, 9), True, "调休上班") in rows
    assert len(rows) == 11


def test_import_takes_effect_in_the_working_day_arithmetic_at_once(import_2027):
    assert workdays.is_provisional(2027) is True
    assert workdays.is_working_day(D(2027, 2, 9)) is True

    import_2027()

    assert workdays.is_provisional(2027) is False
    assert workdays.is_working_day(D(2027, 2, 9)) is False
    assert workdays.is_working_day(D(2027, 2, 20)) is True
    assert workdays.add_working_days(D(2027, 2, 4), 1) == D(2027, 2, 12)


def test_import_bumps_the_cache_version_for_other_processes(import_2027):
    from django.core.cache import cache

    before = cache.get(workdays.VERSION_KEY)
    import_2027()
    assert cache.get(workdays.VERSION_KEY) not in (None, before)


def test_english_kinds_full_width_commas_and_a_byte_order_mark_are_accepted(import_2027):
    import_2027(text="\ufeff2027-10-01,holiday,国庆节\n2027-10-09，WORKDAY，调休上班\n")
    assert list(CalendarDay.objects.filter(date__year=2027).values_list("date", "is_working")) == [
        (D(2027, 10, 1), False),
        (D(2027, 10, 9), True),
    ]


def test_reimport_replaces_the_years_rows_and_records_history(import_2027, manager_1):
    import_2027()
    import_2027(text="2027-01-01,休,元旦节\n2027-10-01,休,国庆节\n2027-10-02,休,国庆节\n")

    assert list(CalendarDay.objects.filter(date__year=2027).values_list("date", "name")) == [
        (D(2027, 1, 1), "元旦节"),
        (D(2027, 10, 1), "国庆节"),
        (D(2027, 10, 2), "国庆节"),
    ]
    history = CalendarDay.history.filter(date__year=2027)
    assert set(history.values_list("history_user", flat=True)) == {manager_1.pk}
    assert history.filter(date=D(2027, 1, 1)).values_list("history_type", flat=True).count() == 2
    assert set(history.filter(date=D(2027, 1, 1)).values_list("history_type", flat=True)) == {"+", "~"}
    assert list(history.filter(date=D(2027, 2, 20)).values_list("history_type", flat=True)) == ["-", "+"]
    assert list(history.filter(date=D(2027, 10, 1)).values_list("history_type", flat=True)) == ["+"]
    assert CalendarYear.history.filter(year=2027, history_user=manager_1).count() == 2


def test_reimporting_a_seeded_year_makes_it_an_imported_year(manager_1, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        calendar_year_import(actor=manager_1, year=2026, text="2026-10-01,休,国庆节\n")

    assert CalendarYear.objects.get(year=2026).source == "import"
    assert CalendarDay.objects.filter(date__year=2026).count() == 1
    assert workdays.is_working_day(D(2026, 10, 10)) is False


def test_a_superuser_may_import(django_capture_on_commit_callbacks):
    admin = StaffFactory(role=Role.CITIZEN, centre=None, is_superuser=True, is_staff=True)
    calendar_year_import(actor=admin, year=2027, text="2027-10-01,休,国庆节")
    assert CalendarYear.objects.filter(year=2027, imported_by=admin).exists()


@pytest.mark.parametrize("persona", ["clerk", "supervisor", "approver_a", "citizen"])
def test_only_managers_may_import(request, persona):
    actor = request.getfixturevalue(persona)
    with pytest.raises(PermissionDeniedError):
        calendar_year_import(actor=actor, year=2027, text=LIST_2027)
    assert not CalendarYear.objects.filter(year=2027).exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2027-10-01,休,国庆节\n2027-13-01,休,国庆节", "第 2 行：日期“2027-13-01”无效"),
        ("2027/10/01,休,国庆节", "第 1 行：日期“2027/10/01”无效"),
        ("20271001,休,国庆节", "第 1 行：日期“20271001”无效"),
        ("2027-10-01,休,国庆节\n2026-10-01,休,国庆节", "第 2 行：日期 2026-10-01 不在 2027 年内"),
        ("2027-10-01,休,国庆节\n\n2027-10-01,休,国庆节", "第 3 行：日期 2027-10-01 与第 1 行重复"),
        ("2027-10-01,放假,国庆节", "第 1 行：类别“放假”无效"),
        ("2027-10-08,班,调休上班", "第 1 行：2027-10-08 是工作日（周一至周五），不能登记为调休上班"),
        ("2027-10-01", "第 1 行：应为“日期,休/班,说明”三项"),
        ("2027-10-01,休,国庆节,多余", "第 1 行：应为“日期,休/班,说明”三项"),
        (f"2027-10-01,休,{'节' * 51}", "第 1 行：说明不能超过 50 个字"),
        ("", "导入列表为空"),
        ("# 只有注释\n\n", "导入列表为空"),
        ("2027-10-01,休,国庆节\n" * 401, "导入内容过长：最多 400 行"),
    ],
)
def test_malformed_lists_are_refused_in_chinese_and_nothing_is_saved(import_2027, text, message):
    with pytest.raises(CalendarImportRejected) as refused:
        import_2027(text=text)

    assert message in str(refused.value.message)
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not CalendarDay.objects.filter(date__year=2027).exists()


def test_a_refused_reimport_leaves_the_published_year_untouched(import_2027):
    import_2027()
    before = list(CalendarDay.objects.filter(date__year=2027).values_list("date", "is_working", "name"))

    with pytest.raises(CalendarImportRejected):
        import_2027(text="2027-10-01,休,国庆节\n2027-10-07,班,调休上班")

    assert list(CalendarDay.objects.filter(date__year=2027).values_list("date", "is_working", "name")) == before
    assert workdays.is_working_day(D(2027, 2, 9)) is False


def test_every_bad_line_is_named(import_2027):
    with pytest.raises(CalendarImportRejected) as refused:
        import_2027(text="bad\n2027-10-01,休,国庆节\n2027-10-04,班\n2027-99-01,休")

    errors = refused.value.errors
    assert [e.split("：")[0] for e in errors] == ["第 1 行", "第 3 行", "第 4 行"]


def test_a_refused_import_does_not_touch_the_cache(import_2027):
    from django.core.cache import cache

    cache.set(workdays.VERSION_KEY, "v1", timeout=None)
    with pytest.raises(CalendarImportRejected):
        import_2027(text="2027-10-08,班")
    assert cache.get(workdays.VERSION_KEY) == "v1"


@pytest.mark.parametrize("year", [1899, 2100])
def test_a_year_outside_the_calendar_range_is_refused(manager_1, year):
    with pytest.raises(ValidationFailed, match="1900–2099"):
        calendar_year_import(actor=manager_1, year=year, text=f"{year}-10-01,休,国庆节")


def test_an_overlong_notice_number_is_refused(manager_1):
    with pytest.raises(ValidationFailed, match="通知文号不能超过 200 个字"):
        calendar_year_import(actor=manager_1, year=2027, text="2027-10-01,休,国庆节", notice="文" * 201)
    assert not CalendarYear.objects.filter(year=2027).exists()
