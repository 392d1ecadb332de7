from django.core.management.base import BaseCommand, CommandError

from hall.services.demo import demo_accounts_text, demo_is_loaded, demo_seed


class Command(BaseCommand):
    help = "Load the deterministic demo hall: two centres, 28 departments, 32 windows, 75 matters, an account per role."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when the demo data is already there.")
        parser.add_argument("--print-accounts", action="store_true", help="Only print the demo accounts.")
        parser.add_argument(
            "--history-days", type=int, default=30, help="Days of past tickets to generate (default 30)."
        )

    def handle(self, *args, **options):
        if options["print_accounts"]:
            self.stdout.write(demo_accounts_text())
            return
        if demo_is_loaded():
            if options["if_empty"]:
                self.stderr.write("Demo data already loaded.")
                return
            raise CommandError("Demo data is already loaded (use a fresh database, or --if-empty).")
        if not 0 <= options["history_days"] <= 366:
            raise CommandError("--history-days must be between 0 and 366.")
        counts = demo_seed(history_days=options["history_days"])
        self.stderr.write("Demo data loaded: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
