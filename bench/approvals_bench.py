"""The approvals hot paths on a large table, each beside the same run's floor.

    python bench/generate.py catalogue && python bench/generate.py cases --cases 1000000   # once
    python bench/approvals_bench.py

- the warning job (`cases_raise_warnings`): a full pass (first run on the data) and a pass with nothing new,
  beside a sequential `count(*)` of the cases table;
- the public tracking page (GET /track/<code>/ through Django's full stack) p50/p95, beside a plain indexed
  SELECT of one case by its code;
- the department inbox (its first page of 50, the selector the page renders) p50/p95, beside the same floor.
Run it with DJANGO_DEBUG=false (DEBUG keeps every query in memory and slows everything).
"""
import os
import statistics
import time

os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SMS_SENDER", "common.sms.OutboxSender")

from _django import setup

setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from approvals.models import Application, CaseWarning  # noqa: E402
from approvals.selectors import department_inbox  # noqa: E402
from approvals.services.warnings import cases_raise_warnings  # noqa: E402
from hall.models import Department, Role, User  # noqa: E402

SAMPLES = 300


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


def main() -> None:
    cases = Application.objects.filter(status__in=Application.OPEN_STATUSES).count()
    print(f"PostgreSQL {connection.cursor().connection.server_version}; {cases} open cases")
    import logging

    logging.getLogger("django.request").setLevel(logging.ERROR)

    print("warning job")
    scans = [seq_count() for _ in range(3)]
    print(f"  {'floor: sequential count(*)':<34} {min(scans):8.3f} s")
    CaseWarning.objects.filter(application__applicant_name__startswith="压测申请人").delete()
    now = timezone.now()
    full = timed(lambda: cases_raise_warnings(now=now))
    raised = CaseWarning.objects.count()
    again = timed(lambda: cases_raise_warnings(now=now))
    print(f"  {'full pass':<34} {full:8.3f} s   ({raised} warnings; {full / min(scans):.1f}x the scan)")
    print(f"  {'pass with nothing new':<34} {again:8.3f} s   ({again / min(scans):.1f}x the scan)")

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
        pages = [timed(lambda: client.get("/cases/inbox/")) for _ in range(100)]
        line("GET /cases/inbox/", pages)


if __name__ == "__main__":
    main()
