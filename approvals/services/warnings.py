"""The warning job (预警): yellow, red and purple cards, raised set-based in SQL and sent once.

- yellow: the remaining working days to the promised due date fall under the centre's share of the limit
  (WarningPolicy.yellow_share, default 0.3); red: on the due day and when overdue;
- purple (紫牌): the current stage is still open after its own share of the promised limit
  (the stage due dates of deadlines.stage_due_dates, computed here in SQL);
- red: an online submission unanswered past its 行政许可法 Art. 32 deadline, which then counts as accepted
  from the day it arrived (the acceptance itself goes through transitions.accept, one case per transaction);
- yellow: an accept-with-deficiency commitment (容缺) past its deadline and still unmet.

Every statement is `INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING`; the CaseWarning unique key
(application, stage, level, reason) makes a rerun a no-op, and notices are made only for the rows a run
inserted, keyed by the warning id, so nothing is sent twice. Working days come from hall.workdays: Python maps
the few distinct dates the SQL needs (due dates, acceptance dates) to working-day offsets from today.
"""

import datetime as dt
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import NotFound, ValidationFailed
from common.sms import send_sms
from hall import workdays
from hall.models import Centre, Department, Matter, MatterStage, Notice, User
from hall.permissions import ensure_manager_of

from ..locks import application_lock
from ..models import Application, CaseWarning, ChainStep, DeficiencyCommitment, WarningPolicy
from ..models.policy import DEFAULT_YELLOW_SHARE
from .transitions import accept

logger = logging.getLogger(__name__)

Status = Application.Status
Level = CaseWarning.Level
Reason = CaseWarning.Reason
NOTICE_KIND = "case_warning"
CASE_LEVEL_STAGE = 0  # deadline, Art. 32 and 容缺 warnings belong to the case, not to one stage
# The clock runs only in these: a suspended case (Art. 45) has its due dates moved when it resumes.
CLOCK_RUNNING = (Status.ACCEPTED, Status.REVIEW, Status.APPROVAL)
MIN_YELLOW_SHARE, MAX_YELLOW_SHARE = Decimal("0.05"), Decimal("0.95")


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@dataclass
class WarningRun:
    deemed_accepted: int = 0
    raised: dict[str, int] = field(default_factory=dict)
    notices: int = 0
    sms: int = 0

    def as_dict(self) -> dict:
        return {"deemed_accepted": self.deemed_accepted, "raised": self.raised, "notices": self.notices,
                "sms": self.sms}


# --- policy ----------------------------------------------------------------------------------------


def warning_policy_for_centre(centre_id: int) -> Decimal:
    """The centre's yellow share (the default when no policy was saved)."""
    share = WarningPolicy.objects.filter(centre_id=centre_id).values_list("yellow_share", flat=True).first()
    return share if share is not None else DEFAULT_YELLOW_SHARE


@transaction.atomic
def warning_policy_update(*, actor, centre_id: int, yellow_share) -> WarningPolicy:
    """A manager sets the centre's yellow threshold (kept with history)."""
    ensure_manager_of(actor, centre_id)
    try:
        share = Decimal(str(yellow_share)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("请输入0.05至0.95之间的比例。"), field="yellow_share") from None
    if not MIN_YELLOW_SHARE <= share <= MAX_YELLOW_SHARE:
        raise ValidationFailed(_("请输入0.05至0.95之间的比例。"), field="yellow_share")
    if not Centre.objects.filter(pk=centre_id).exists():
        raise NotFound(_("中心不存在。"))
    policy = WarningPolicy.objects.select_for_update().filter(centre_id=centre_id).first()
    creating = policy is None
    if creating:
        policy = WarningPolicy(centre_id=centre_id)
    elif policy.yellow_share == share:
        return policy
    policy.yellow_share = share
    policy._history_user, policy._change_reason = actor, _("修改办件预警规则")
    if creating:
        policy.save()
    else:
        policy.save(update_fields=["yellow_share", "updated_at"])
    return policy


# --- Art. 32 deemed acceptance ------------------------------------------------------------------------


@transaction.atomic
def application_deem_accepted(*, application_id: int, today: dt.date) -> Application | None:
    """行政许可法 Art. 32: an online submission not answered within 5 working days counts as accepted from
    the day it arrived. Returns None when the case was answered meanwhile (re-checked under the lock)."""
    application = application_lock(application_id)
    if (
        application.status != Status.SUBMITTED
        or application.online_answer_due is None
        or application.online_answer_due >= today
    ):
        return None
    accept(
        application,
        actor=None,
        accepted_on=timezone.localdate(application.submitted_at),
        deemed=True,
        comment=_("行政许可法第三十二条：逾期未作出答复，自收到申请之日起即为受理"),
    )
    return application


def _online_unanswered_ids(today: dt.date) -> list[int]:
    return list(
        Application.objects.filter(
            source=Application.Source.ONLINE, status=Status.SUBMITTED, online_answer_due__lt=today
        )
        .order_by("id")
        .values_list("id", flat=True)
    )


# --- the working-day mapping the SQL needs ---------------------------------------------------------------


def _day_offsets(today: dt.date) -> tuple[list[dt.date], list[int]]:
    """Each distinct promised due date and acceptance date of a running case → working days from today
    (0 on the day, negative in the past). One query; the calendar is hall.workdays' in-process copy."""
    running = Application.objects.filter(status__in=CLOCK_RUNNING).order_by()
    days = running.values_list("promised_due", flat=True).union(running.values_list("accepted_on", flat=True))
    days = sorted(day for day in days if day is not None)
    return days, [workdays.working_days_between(today, day) for day in days]


def _dates_by_offset(today: dt.date, lowest: int) -> tuple[list[int], list[dt.date]]:
    """The working day at each offset from `lowest` to -1 (the past stage due dates a purple card names)."""
    if lowest >= 0:
        return [], []
    # On a non-working day the last working day is offset 0 (working_days_between counts (start, end]).
    anchor = today if workdays.is_working_day(today) else workdays.add_working_days(today, -1)
    offsets = list(range(lowest, 0))
    return offsets, [workdays.add_working_days(anchor, k) for k in offsets]


# --- the statements --------------------------------------------------------------------------------------

_INSERT = (
    "INSERT INTO {warning} (application_id, stage_position, level, reason, holder_id, department_id, due_on, "
    "raised_at) "
)
_ON_CONFLICT = " ON CONFLICT (application_id, stage_position, level, reason) DO NOTHING RETURNING id, level"
# Steps of a chain that have not started yet are accepted cases waiting for their predecessors.
_STARTED = "NOT EXISTS (SELECT 1 FROM {chainstep} cs WHERE cs.application_id = a.id AND NOT cs.started)"


def _names() -> dict[str, str]:
    return {
        "warning": _t(CaseWarning),
        "application": _t(Application),
        "matter": _t(Matter),
        "stage": _t(MatterStage),
        "policy": _t(WarningPolicy),
        "chainstep": _t(ChainStep),
        "deficiency": _t(DeficiencyCommitment),
        "notice": _t(Notice),
        "user": _t(User),
        "department": _t(Department),
        "centre": _t(Centre),
    }


def _deadline_sql(names: dict[str, str]) -> str:
    started = _STARTED.format(**names)
    return (
        "WITH rel(day, remaining) AS (SELECT * FROM unnest(%(days)s::date[], %(offsets)s::int[])), "  # noqa: S608 - identifiers come from model metadata, values are parameters
        "candidate AS ("
        "  SELECT a.id, a.handler_id, a.department_id, a.promised_due,"
        "    CASE WHEN rel.remaining <= 0 THEN 'red'"
        "         WHEN m.promised_days + a.extension_days > 0"
        "          AND rel.remaining < COALESCE(p.yellow_share, %(default_share)s)"
        "                              * (m.promised_days + a.extension_days) THEN 'yellow'"
        "    END AS level"
        "  FROM {application} a"
        "  JOIN {matter} m ON m.id = a.matter_id"
        "  JOIN rel ON rel.day = a.promised_due"
        "  LEFT JOIN {policy} p ON p.centre_id = a.centre_id"
        f"  WHERE a.status = ANY(%(running)s) AND {started}"
        ") "
        + _INSERT
        + "SELECT id, %(case_stage)s, level, %(reason)s, handler_id, department_id, promised_due, %(now)s "
        "FROM candidate WHERE level IS NOT NULL"
        + _ON_CONFLICT
    ).format(**names)


def _purple_sql(names: dict[str, str]) -> str:
    """Stage k is due cumulative-share-of-the-limit working days after acceptance (rounded up; the last stage
    on the promised limit), plus the stopped days — deadlines.stage_due_dates in SQL. A case whose position
    is past the template's last stage counts as in the last stage."""
    started = _STARTED.format(**names)
    return (
        "WITH rel(day, offset_days) AS (SELECT * FROM unnest(%(days)s::date[], %(offsets)s::int[])), "  # noqa: S608 - identifiers come from model metadata, values are parameters
        "back(offset_days, day) AS (SELECT * FROM unnest(%(back_offsets)s::int[], %(back_days)s::date[])), "
        "stage AS ("
        "  SELECT s.matter_id, s.position,"
        "    SUM(s.share_percent) OVER (PARTITION BY s.matter_id ORDER BY s.position) AS cumulative,"
        "    MAX(s.position) OVER (PARTITION BY s.matter_id) AS last_position"
        "  FROM {stage} s"
        "), "
        "overrun AS ("
        "  SELECT a.id, a.stage_position, a.handler_id, a.department_id,"
        "    rel.offset_days + a.stopped_days"
        "    + CASE WHEN st.position = st.last_position THEN m.promised_days + a.extension_days"
        "           ELSE ((m.promised_days + a.extension_days) * st.cumulative + 99) / 100 END AS due_offset"
        "  FROM {application} a"
        "  JOIN {matter} m ON m.id = a.matter_id"
        "  JOIN rel ON rel.day = a.accepted_on"
        "  JOIN stage st ON st.matter_id = a.matter_id AND st.position = LEAST(a.stage_position, st.last_position)"
        f"  WHERE a.status = ANY(%(running)s) AND a.stage_position >= 1 AND {started}"
        ") "
        + _INSERT
        + "SELECT o.id, o.stage_position, %(level)s, %(reason)s, o.handler_id, o.department_id, back.day, %(now)s "
        "FROM overrun o JOIN back ON back.offset_days = o.due_offset WHERE o.due_offset < 0"
        + _ON_CONFLICT
    ).format(**names)


def _online_sql(names: dict[str, str]) -> str:
    return (
        _INSERT  # noqa: S608 - identifiers come from model metadata, values are parameters
        + "SELECT a.id, %(case_stage)s, %(level)s, %(reason)s, a.handler_id, a.department_id, a.online_answer_due,"
        " %(now)s FROM {application} a"
        " WHERE a.deemed_accepted AND a.online_answer_due IS NOT NULL AND a.status = ANY(%(open)s)"
        + _ON_CONFLICT
    ).format(**names)


def _deficiency_sql(names: dict[str, str]) -> str:
    # A granted case waits at the pick-up window for the missing materials, so it still needs chasing.
    return (
        _INSERT  # noqa: S608 - identifiers come from model metadata, values are parameters
        + "SELECT a.id, %(case_stage)s, %(level)s, %(reason)s, a.handler_id, a.department_id, d.deadline, %(now)s"
        " FROM {deficiency} d JOIN {application} a ON a.id = d.application_id"
        " WHERE d.fulfilled_at IS NULL AND d.deadline < %(today)s"
        "   AND (a.status = ANY(%(open)s) OR (a.status = %(completed)s AND a.outcome = %(granted)s))"
        + _ON_CONFLICT
    ).format(**names)


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
NOTICE_ARGS = ("matter", "code", "due", "stage", "department")
SMS_ARGS = ("centre", "title")


def _sql_format(template: str, names: Sequence[str]) -> str:
    """A translated Python template with %(name)s placeholders → a PostgreSQL format() string (%1$s …)."""
    parts, position = [], 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(template[position : match.start()].replace("%", "%%"))
        parts.append(f"%{names.index(match.group(1)) + 1}$s")
        position = match.end()
    parts.append(template[position:].replace("%", "%%"))
    return "".join(parts)


def _notice_templates() -> list[tuple[str, str, str, str]]:
    """(level, reason, title, body) for each kind of warning, translated now."""
    body = _("事项：%(matter)s；查询码：%(code)s；办理部门：%(department)s；期限：%(due)s。请及时处理。")
    rows = [
        (Level.YELLOW, Reason.DEADLINE, _("黄牌预警：“%(matter)s”（%(code)s）将于%(due)s到期")),
        (Level.RED, Reason.DEADLINE, _("红牌预警：“%(matter)s”（%(code)s）已到承诺办结期限%(due)s")),
        (Level.PURPLE, Reason.STAGE_OVERRUN, _("紫牌：“%(matter)s”（%(code)s）%(stage)s环节超出时限（%(due)s）")),
        (
            Level.RED,
            Reason.ONLINE_UNANSWERED,
            _("红牌预警：网上申请“%(matter)s”（%(code)s）逾期未答复，已依法视为受理"),
        ),
        (Level.YELLOW, Reason.DEFICIENCY_OVERDUE, _("容缺材料逾期未补齐：“%(matter)s”（%(code)s），期限%(due)s")),
    ]
    return [
        (level.value, reason.value, _sql_format(title, NOTICE_ARGS), _sql_format(body, NOTICE_ARGS))
        for level, reason, title in rows
    ]


def _notices_sql(names: dict[str, str]) -> str:
    return (  # noqa: S608 - identifiers come from model metadata, values are parameters
        "WITH w AS ("
        "  SELECT w.id, w.level, w.reason, w.holder_id, w.department_id,"
        "    to_char(w.due_on, 'YYYY-MM-DD') AS due, a.tracking_code, m.name AS matter_name,"
        "    d.name AS department_name, COALESCE(s.name, '') AS stage_name"
        "  FROM {warning} w"
        "  JOIN {application} a ON a.id = w.application_id"
        "  JOIN {matter} m ON m.id = a.matter_id"
        "  JOIN {department} d ON d.id = w.department_id"
        "  LEFT JOIN {stage} s ON s.matter_id = a.matter_id AND s.position = w.stage_position"
        "  WHERE w.id = ANY(%(ids)s)"
        "), "
        "t(level, reason, title, body) AS ("
        "  SELECT * FROM unnest(%(levels)s::text[], %(reasons)s::text[], %(titles)s::text[], %(bodies)s::text[])"
        "), "
        # The holder of the step and the department's head(s), each once.
        "r(warning_id, user_id) AS ("
        "  SELECT w.id, u.id FROM w JOIN {user} u ON u.id = w.holder_id WHERE u.is_active"
        "  UNION"
        "  SELECT w.id, u.id FROM w JOIN {user} u ON u.department_id = w.department_id"
        "  WHERE u.is_department_head AND u.is_active"
        "), "
        "ins AS ("
        "  INSERT INTO {notice} (recipient_id, kind, title, body, link, dedupe_key, created_at)"
        "  SELECT r.user_id, %(kind)s,"
        "    left(format(t.title, w.matter_name, w.tracking_code, w.due, w.stage_name, w.department_name), 200),"
        "    format(t.body, w.matter_name, w.tracking_code, w.due, w.stage_name, w.department_name),"
        "    '', 'case-warning-' || w.id, %(now)s"
        "  FROM r JOIN w ON w.id = r.warning_id JOIN t ON t.level = w.level AND t.reason = w.reason"
        "  ON CONFLICT (recipient_id, dedupe_key) DO NOTHING"
        "  RETURNING recipient_id, title"
        ") "
        "SELECT u.phone, format(%(sms)s, COALESCE(c.name, ''), ins.title)"
        " FROM ins JOIN {user} u ON u.id = ins.recipient_id LEFT JOIN {centre} c ON c.id = u.centre_id"
    ).format(**names)


def _execute(sql: str, params: dict) -> list[tuple[int, str]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _notify(warning_ids: list[int], *, now: dt.datetime, names: dict[str, str]) -> tuple[int, list[tuple[str, str]]]:
    """In-app notices for the new warnings (one per recipient and warning); the SMS texts to send."""
    if not warning_ids:
        return 0, []
    templates = _notice_templates()
    params = {
        "ids": warning_ids,
        "levels": [row[0] for row in templates],
        "reasons": [row[1] for row in templates],
        "titles": [row[2] for row in templates],
        "bodies": [row[3] for row in templates],
        "kind": NOTICE_KIND,
        "now": now,
        "sms": _sql_format(_("【%(centre)s】%(title)s，请及时处理。"), SMS_ARGS),
    }
    with connection.cursor() as cursor:
        cursor.execute(_notices_sql(names), params)
        rows = cursor.fetchall()
    return len(rows), [(phone, text) for phone, text in rows if phone]


def _send_all(messages: Iterable[tuple[str, str]]) -> None:
    for phone, text in messages:
        try:
            send_sms(phone, text)
        except Exception:  # one failed message must not stop the others; the phone is not logged
            logger.exception("case warning SMS could not be sent")


@transaction.atomic
def _raise(*, now: dt.datetime, today: dt.date) -> WarningRun:
    names = _names()
    days, offsets = _day_offsets(today)
    back_offsets, back_days = _dates_by_offset(today, min(offsets, default=0))
    common = {
        "now": now,
        "today": today,
        "case_stage": CASE_LEVEL_STAGE,
        "running": [status.value for status in CLOCK_RUNNING],
        "open": [status.value for status in Application.OPEN_STATUSES],
        "days": days,
        "offsets": offsets,
    }
    statements = [
        (_deadline_sql(names), {"reason": Reason.DEADLINE.value, "default_share": DEFAULT_YELLOW_SHARE}),
        (
            _purple_sql(names),
            {"level": Level.PURPLE.value, "reason": Reason.STAGE_OVERRUN.value, "back_offsets": back_offsets,
             "back_days": back_days},
        ),
        (_online_sql(names), {"level": Level.RED.value, "reason": Reason.ONLINE_UNANSWERED.value}),
        (
            _deficiency_sql(names),
            {"level": Level.YELLOW.value, "reason": Reason.DEFICIENCY_OVERDUE.value,
             "completed": Status.COMPLETED.value, "granted": Application.Outcome.GRANTED.value},
        ),
    ]
    run = WarningRun(raised={level.value: 0 for level in Level})
    ids: list[int] = []
    for sql, params in statements:
        for warning_id, level in _execute(sql, {**common, **params}):
            ids.append(warning_id)
            run.raised[level] += 1
    run.notices, messages = _notify(ids, now=now, names=names)
    run.sms = len(messages)
    if messages:
        transaction.on_commit(partial(_send_all, messages), robust=True)
    return run


def cases_raise_warnings(*, now: dt.datetime) -> WarningRun:
    """The hourly job: deem unanswered online submissions accepted, then raise and send every new warning.
    A rerun inserts nothing and sends nothing."""
    today = timezone.localdate(now)
    deemed = 0
    for application_id in _online_unanswered_ids(today):
        if application_deem_accepted(application_id=application_id, today=today) is not None:
            deemed += 1
    run = _raise(now=now, today=today)
    run.deemed_accepted = deemed
    return run
