"""Seed the working-day calendar from the chinese_calendar package (the State Council's yearly
notices on holiday arrangements, 国务院办公厅关于部分节假日安排的通知, 2004 to the package's last year).

Every year the package covers becomes a published CalendarYear(source="package") holding only the
exceptions to Monday–Friday: holiday days (weekend days inside a holiday included) and adjusted
working weekends (调休上班). Years already in the table (imported by a manager) are left alone."""
from django.db import migrations

# The package names 清明, 端午 and 中秋 without 节; use the names of 全国年节及纪念日放假办法.
OFFICIAL_NAMES = {"清明": "清明节", "端午": "端午节", "中秋": "中秋节"}


def package_rows():
    """(date, is_working, name) for every exception day in the package, sorted by date."""
    from chinese_calendar.constants import Holiday, holidays, workdays

    def chinese(value):
        name = Holiday(value).chinese
        return OFFICIAL_NAMES.get(name, name)

    rows = [(day, False, chinese(value)) for day, value in holidays.items()]
    rows += [(day, True, f"调休上班（{chinese(value)}）") for day, value in workdays.items()]
    return sorted(rows)


def seed_calendar(apps, schema_editor):
    CalendarYear = apps.get_model("hall", "CalendarYear")
    CalendarDay = apps.get_model("hall", "CalendarDay")
    rows = package_rows()
    years = sorted({day.year for day, _, _ in rows})
    taken = set(CalendarYear.objects.filter(year__in=years).values_list("year", flat=True))
    created = {
        y.year: y
        for y in CalendarYear.objects.bulk_create(
            [CalendarYear(year=year, source="package", notice="") for year in years if year not in taken]
        )
    }
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(year=created[day.year], date=day, is_working=is_working, name=name)
            for day, is_working, name in rows
            if day.year in created
        ]
    )


def unseed_calendar(apps, schema_editor):
    apps.get_model("hall", "CalendarYear").objects.filter(source="package").delete()


class Migration(migrations.Migration):
    dependencies = [("hall", "0001_initial")]

    operations = [migrations.RunPython(seed_calendar, unseed_calendar)]
