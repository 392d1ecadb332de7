"""Test helpers for the working-day calendar.

A transactional test (the Celery end-to-end one) flushes every table when it ends, and with --reuse-db the
next run starts from that flushed database: the calendar seeded by the data migration is gone. Tests that
read the seeded years call seed_package_calendar_if_flushed first, which reruns that migration's seeding."""
from importlib import import_module

from django.apps import apps

from hall import workdays
from hall.models import CalendarYear

SEED_MIGRATION = "hall.migrations.0002_seed_working_calendar"


def seed_package_calendar_if_flushed() -> None:
    if not CalendarYear.objects.exists():
        import_module(SEED_MIGRATION).seed_calendar(apps, None)
    workdays.reset()
