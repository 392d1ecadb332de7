"""The approvals hot paths on a large table, each beside the same run's floor.

    python bench/generate.py catalogue && python bench/generate.py cases --cases 1000000   # once
    python bench/approvals_bench.py

- the warning job (`cases_raise_warnings`) as of the day the cases were generated (their dates count from it):
  a full pass (the first run on the data: every open case evaluated, every warning the data call for written,
  with its notices) and a pass with nothing new (the rerun), beside a sequential `count(*)` of the cases table;
- the public tracking page (GET /track/<code>/ through Django's full stack) p50/p95, beside a plain indexed
  SELECT of one case by its code;
- the department inbox (its first page of 50, the selector the page renders) p50/p95, beside the same floor.
Run it with DJANGO_DEBUG=false (DEBUG keeps every query in memory and slows everything).
"""
import argparse
import datetime as dt
import os
import statistics
import time

os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SMS_SENDER", "common.sms.OutboxSender")

from _django import setup

setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, Max, Q  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from approvals.models import Application  # noqa: E402
from approvals.selectors import department_inbox  # noqa: E402
from approvals.services.warnings import cases_raise_warnings  # noqa: E402
from common.sms import OutboxSender  # noqa: E402
from hall.models import Department, Role, User  # noqa: E402

SAMPLES = 300
PAGE_SAMPLES = 5  # the inbox page reads every open case of the department (seconds each): a few samples
BENCH_CASE = "压测申请人"


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q * 100) - 1] * 1000


def line(label: str, values: list[float]) -> None:
    print(f"  {label:<34} p50 {pct(values, 0.5):7.2f} ms   p95 {pct(values, 0.95):7.2f} ms   (n={len(values)})")


def seq_count() -> float:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexonlyscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        started = time.perf_counter()
        cursor.execute("SELECT count(*) FROM approvals_application")
        cursor.fetchone()
        return time.perf_counter() - started


def floor_select(codes: list[str]) -> list[float]:
    times = []
    with connection.cursor() as cursor:
        for code in codes:
            started = time.perf_counter()
            cursor.execute("SELECT * FROM approvals_application WHERE tracking_code = %s", [code])
            cursor.fetchall()
            times.append(time.perf_counter() - started)
    return times


def clear_warnings() -> None:
    """Forget the bench cases' warnings and their notices, so the next run is a first pass."""
    bench_warnings = (
        "SELECT w.id FROM approvals_casewarning w JOIN approvals_application a ON a.id = w.application_id"
        " WHERE a.applicant_name LIKE %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM hall_notice WHERE kind = 'case_warning'"
            f" AND dedupe_key IN (SELECT 'case-warning-' || id FROM ({bench_warnings}) w)",
            [BENCH_CASE + "%"],
        )
        cursor.execute(f"DELETE FROM approvals_casewarning WHERE id IN ({bench_warnings})", [BENCH_CASE + "%"])
        cursor.execute("VACUUM ANALYZE approvals_casewarning")
        cursor.execute("VACUUM ANALYZE hall_notice")
    OutboxSender.outbox.clear()


def described(run) -> str:
    raised = ", ".join(f"{level} {count:,}" for level, count in run.raised.items())
    return f"{sum(run.raised.values()):,} warnings: {raised}; {run.notices:,} notices, {run.sms:,} SMS"


def warning_job() -> None:
    day = Application.objects.filter(applicant_name__startswith=BENCH_CASE).aggregate(day=Max("accepted_on"))["day"]
    now = dt.datetime.combine(day, dt.time(10), tzinfo=timezone.get_current_timezone())
    print(f"warning job, as of {now:%Y-%m-%d %H:%M} (the generation day)")
    scans = [seq_count() for _ in range(3)]
    floor = min(scans)
    print(f"  {'floor: sequential count(*)':<34} {floor:8.3f} s")
    clear_warnings()
    full, run = job(now)
    OutboxSender.outbox.clear()
    print(f"  {'full pass':<34} {full:8.3f} s   {full / floor:6.1f}x the scan   ({described(run)})")
    again, run = job(now)
    print(f"  {'pass with nothing new':<34} {again:8.3f} s   {again / floor:6.1f}x the scan   ({described(run)})")
    with connection.cursor() as cursor:  # what autovacuum does soon after: the pages below plan with fresh counts
        cursor.execute("ANALYZE approvals_casewarning, hall_notice")


def job(now: dt.datetime):
    started = time.perf_counter()
    run = cases_raise_warnings(now=now)
    return time.perf_counter() - started, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warnings-only", action="store_true", help="only the warning job")
    args = parser.parse_args()
    cases = Application.objects.filter(status__in=Application.OPEN_STATUSES).count()
    print(f"PostgreSQL {connection.cursor().connection.server_version}; {cases} open cases")
    import logging

    logging.getLogger("django.request").setLevel(logging.ERROR)

    warning_job()
    if args.warnings_only:
        return

    codes = list(Application.objects.order_by("?").values_list("tracking_code", flat=True)[:SAMPLES])
    floor = floor_select(codes)
    print("tracking page")
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}):
        client = Client()
        client.get(f"/track/{codes[0]}/")  # warm the calendar and templates
        page = [timed(lambda c=code: client.get(f"/track/{c}/")) for code in codes]
    line("floor: indexed SELECT by code", floor)
    line("GET /track/<code>/", page)

    print("department inbox (first page of 50)")
    department = (
        Department.objects.filter(centre__code="bench-1")
        .annotate(open_cases=Count("applications", filter=Q(applications__status__in=Application.OPEN_STATUSES)))
        .order_by("-open_cases")
        .first()
    )
    approver, _created = User.objects.get_or_create(
        username="bench-approver",
        defaults={"role": Role.APPROVER, "centre_id": department.centre_id, "department": department},
    )
    open_here = Application.objects.filter(department=department, status__in=Application.OPEN_STATUSES).count()
    department_inbox(actor=approver, limit=50)
    inbox = [timed(lambda: department_inbox(actor=approver, limit=50)) for _ in range(SAMPLES)]
    line("floor: indexed SELECT by code", floor)
    line(f"inbox selector ({open_here} open cases)", inbox)
    client = Client()
    client.force_login(approver)
    if client.get("/cases/inbox/").status_code == 200:
        pages = [timed(lambda: client.get("/cases/inbox/")) for _ in range(PAGE_SAMPLES)]
        line("GET /cases/inbox/", pages)


if __name__ == "__main__":
    main()
