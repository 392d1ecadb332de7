"""Store the beat schedule defined in settings (CELERY_BEAT_SCHEDULE) through django-celery-beat,
so the admin shows every periodic job before beat first starts. Rerunning changes nothing."""
from django.core.management.base import BaseCommand
from django_celery_beat.schedulers import ModelEntry

from config.celery import app


class Command(BaseCommand):
    help = "Write CELERY_BEAT_SCHEDULE into django-celery-beat's periodic task tables."

    def handle(self, *args, **options):
        for name, entry in app.conf.beat_schedule.items():
            ModelEntry.from_entry(name, app=app, **entry)
        self.stderr.write(f"Beat schedule stored: {', '.join(app.conf.beat_schedule)}")
