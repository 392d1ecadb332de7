from django.core.management.base import BaseCommand, CommandError

from approvals.demo import demo_approvals_loaded, demo_seed_approvals
from hall.services.demo import demo_is_loaded


class Command(BaseCommand):
    help = "Load the demo parallel approval chains and a past month of cases (after seed_demo)."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when the demo cases are already there.")

    def handle(self, *args, **options):
        if not demo_is_loaded():
            raise CommandError("The demo hall is not loaded: run `manage.py seed_demo` first.")
        if demo_approvals_loaded():
            if options["if_empty"]:
                self.stderr.write("Demo approvals already loaded.")
                return
            raise CommandError("Demo approvals are already loaded (use a fresh database, or --if-empty).")
        counts = demo_seed_approvals()
        self.stderr.write("Demo approvals loaded: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
