"""Working-day calendar: a manager imports a year's holiday arrangements (国务院办公厅关于部分节假日安排的
通知), and a daily job warns managers while next year's schedule is still provisional."""
import datetime
import re
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from common.errors import Conflict, PermissionDeniedError, ValidationFailed

from .. import workdays
from ..models import CalendarDay, CalendarYear, Notice, Role, User
from ..permissions import is_manager

MAX_IMPORT_LINES = 400
MAX_IMPORT_CHARS = 100_000
MAX_ERRORS_SHOWN = 20
NAME_MAX_LENGTH = CalendarDay._meta.get_field("name").max_length
NOTICE_MAX_LENGTH = CalendarYear._meta.get_field("notice").max_length
DEFAULT_WORKDAY_NAME = "调休上班"
PROVISIONAL_NOTICE_KIND = "calendar_provisional"

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_KINDS = {"休": False, "holiday": False, "班": True, "workday": True}


class CalendarImportRejected(ValidationFailed):
    """The list was refused; `errors` holds one Chinese message per bad line."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        shown = errors[:MAX_ERRORS_SHOWN]
        message = "；".join(shown)
        if len(errors) > len(shown):
            message += _("；另有 %(n)s 处错误未列出。") % {"n": len(errors) - len(shown)}
        super().__init__(message)


@dataclass(frozen=True)
class ImportedDay:
    date: datetime.date
    is_working: bool
    name: str


def _parse_line(line: str, *, number: int, year: int) -> ImportedDay | str:
    fields = [field.strip() for field in line.replace("，", ",").split(",")]
    if len(fields) not in (2, 3):
        return _("第 %(n)s 行：应为“日期,休/班,说明”三项，以英文逗号分隔。") % {"n": number}
    raw_date, raw_kind, name = fields[0], fields[1], fields[2] if len(fields) == 3 else ""
    try:
        if not _DATE.fullmatch(raw_date):
            raise ValueError(raw_date)
        day = datetime.date.fromisoformat(raw_date)
    except ValueError:
        return _("第 %(n)s 行：日期“%(value)s”无效，应为 YYYY-MM-DD。") % {"n": number, "value": raw_date}
    if day.year != year:
        return _("第 %(n)s 行：日期 %(date)s 不在 %(year)s 年内。") % {"n": number, "date": day, "year": year}
    kind = _KINDS.get(raw_kind.lower())
    if kind is None:
        return _("第 %(n)s 行：类别“%(value)s”无效，应为“休”或“班”。") % {"n": number, "value": raw_kind}
    if kind and day.weekday() < 5:
        return _("第 %(n)s 行：%(date)s 是工作日（周一至周五），不能登记为调休上班。") % {"n": number, "date": day}
    if len(name) > NAME_MAX_LENGTH:
        return _("第 %(n)s 行：说明不能超过 %(max)s 个字。") % {"n": number, "max": NAME_MAX_LENGTH}
    return ImportedDay(day, kind, name or (DEFAULT_WORKDAY_NAME if kind else ""))


def calendar_parse_import(*, year: int, text: str) -> list[ImportedDay]:
    """The days of an import list, or CalendarImportRejected naming every bad line."""
    if not workdays.FIRST_YEAR <= year <= workdays.LAST_YEAR:
        raise ValidationFailed(
            _("年份须在 %(first)s–%(last)s 之间。") % {"first": workdays.FIRST_YEAR, "last": workdays.LAST_YEAR},
            field="year",
        )
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    if len(lines) > MAX_IMPORT_LINES or len(text) > MAX_IMPORT_CHARS:
        raise CalendarImportRejected(
            [_("导入内容过长：最多 %(max)s 行（当前 %(n)s 行）。") % {"max": MAX_IMPORT_LINES, "n": len(lines)}]
        )
    errors: list[str] = []
    days: list[ImportedDay] = []
    seen: dict[datetime.date, int] = {}
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parsed = _parse_line(line, number=number, year=year)
        if isinstance(parsed, str):
            errors.append(parsed)
        elif parsed.date in seen:
            errors.append(
                _("第 %(n)s 行：日期 %(date)s 与第 %(first)s 行重复。")
                % {"n": number, "date": parsed.date, "first": seen[parsed.date]}
            )
        else:
            seen[parsed.date] = number
            days.append(parsed)
    if errors:
        raise CalendarImportRejected(errors)
    if not days:
        raise CalendarImportRejected([_("导入列表为空：至少需要一行“日期,休/班,说明”。")])
    return sorted(days, key=lambda d: d.date)


def _lock_or_create_year(year: int) -> tuple[CalendarYear, bool]:
    found = CalendarYear.objects.select_for_update().filter(year=year).first()
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            return CalendarYear.objects.create(year=year, source=CalendarYear.Source.IMPORT), True
    except IntegrityError as exc:
        raise Conflict(_("另一位管理员正在导入 %(year)s 年的安排，请稍后重试。") % {"year": year}) from exc


@transaction.atomic
def calendar_year_import(*, actor: User, year: int, text: str, notice: str = "") -> CalendarYear:
    """Replace a year's holidays and adjusted working days with the imported list, all or nothing."""
    if not is_manager(actor):
        raise PermissionDeniedError(_("只有中心管理人员可以导入工作日历。"))
    notice = notice.strip()
    if len(notice) > NOTICE_MAX_LENGTH:
        raise ValidationFailed(_("通知文号不能超过 %(max)s 个字。") % {"max": NOTICE_MAX_LENGTH}, field="notice")
    days = calendar_parse_import(year=year, text=text)
    reason = _("导入 %(year)s 年放假安排") % {"year": year}

    calendar_year, _created = _lock_or_create_year(year)
    calendar_year.source = CalendarYear.Source.IMPORT
    calendar_year.notice = notice
    calendar_year.imported_by = actor
    calendar_year._history_user, calendar_year._change_reason = actor, reason
    calendar_year.save()

    existing = {row.date: row for row in calendar_year.days.all()}
    wanted = {day.date: day for day in days}
    for stale in [row for date, row in existing.items() if date not in wanted]:
        stale._history_user, stale._change_reason = actor, reason
        stale.delete()
    for date, day in wanted.items():
        row = existing.get(date)
        if row is not None and (row.is_working, row.name) != (day.is_working, day.name):
            row.is_working, row.name = day.is_working, day.name
            row._history_user, row._change_reason = actor, reason
            row.save(update_fields=["is_working", "name"])
    new_rows = [
        CalendarDay(year=calendar_year, date=day.date, is_working=day.is_working, name=day.name)
        for date, day in wanted.items()
        if date not in existing
    ]
    if new_rows:
        bulk_create_with_history(new_rows, CalendarDay, default_user=actor, default_change_reason=reason)
    transaction.on_commit(workdays.calendar_changed)
    return calendar_year


def _notice_text(year: int) -> tuple[str, str]:
    title = _("%(year)s 年放假安排尚未发布，期限按临时日历计算") % {"year": year}
    body = _(
        "系统中还没有 %(year)s 年的节假日安排（国务院办公厅关于部分节假日安排的通知）。"
        "在导入之前，%(year)s 年的日期按周一至周五扣除《全国年节及纪念日放假办法》规定的法定节假日推算，"
        "没有调休，相关办理期限均为临时结果。通知发布后请及时导入。"
    ) % {"year": year}
    return title, body


@transaction.atomic
def calendar_warn_if_next_year_provisional(*, today: datetime.date) -> int:
    """From 1 December, tell every active manager once that next year is still provisional.

    One INSERT … SELECT … ON CONFLICT DO NOTHING over the recipients; the unique (recipient, dedupe_key)
    makes a rerun a no-op. Returns how many notices were created."""
    if today.month != 12:
        return 0
    year = today.year + 1
    if CalendarYear.objects.filter(year=year).exists():
        return 0
    recipients = User.objects.filter(is_active=True).filter(Q(role=Role.MANAGER) | Q(is_superuser=True)).values("id")
    select_sql, select_params = recipients.query.sql_with_params()
    title, body = _notice_text(year)
    link = f"{reverse('calendar_import')}?year={year}"
    qn = connection.ops.quote_name
    columns = ", ".join(qn(c) for c in ("recipient_id", "kind", "title", "body", "link", "dedupe_key", "created_at"))
    sql = (
        f"INSERT INTO {qn(Notice._meta.db_table)} ({columns}) "  # noqa: S608 - identifiers come from model metadata
        f"SELECT r.{qn('id')}, %s, %s, %s, %s, %s, NOW() FROM ({select_sql}) AS r "
        f"ON CONFLICT ({qn('recipient_id')}, {qn('dedupe_key')}) DO NOTHING"
    )
    params = (PROVISIONAL_NOTICE_KIND, title, body, link, f"calendar-provisional-{year}", *select_params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
