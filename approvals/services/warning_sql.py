"""The warning job's one statement (approvals.services.warnings runs it): the working-day clock it reads, the
SQL, and the notice texts it formats.

One pass over the cases whose clock runs (an index-only scan of application_running_clock_idx) computes every
level of every case at once; the few that may warn get the exact rules (the centre's own share, chain steps
still waiting); an anti-join on the CaseWarning unique key (application, stage, level, reason) keeps only the
warnings not raised before, so a rerun writes nothing; the same statement inserts them (ON CONFLICT DO NOTHING
for a concurrent run) and the notices for exactly the rows it inserted, keyed by the warning id. Working days
come from hall.workdays: Python maps every day from the earliest running acceptance to the latest promised
due date to its working-day offset from today, an array the SQL subscripts, so no row calls a function or
joins a calendar.
"""
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import Max, Min
from django.utils.translation import gettext as _

from hall import workdays
from hall.models import Centre, Department, Matter, MatterStage, Notice, User

from ..models import Application, CaseWarning, ChainStep, DeficiencyCommitment, WarningPolicy
from ..models.policy import DEFAULT_YELLOW_SHARE

Status = Application.Status
Level = CaseWarning.Level
Reason = CaseWarning.Reason
NOTICE_KIND = "case_warning"
CASE_LEVEL_STAGE = 0  # deadline, Art. 32 and 容缺 warnings belong to the case, not to one stage
# The clock runs only in these: a suspended case (Art. 45) has its due dates moved when it resumes.
CLOCK_RUNNING = (Status.ACCEPTED, Status.REVIEW, Status.APPROVAL)


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# --- the working-day clock the SQL reads -----------------------------------------------------------------


@dataclass(frozen=True)
class _Clock:
    """Working days from today to every day a running case's clock needs, as arrays the SQL subscripts:
    offsets[day - first_day + 1] (0 today, negative in the past), and the past working day at each offset
    from first_offset to -1: past_days[offset - first_offset + 1] (the stage due dates a purple card names)."""

    first_day: dt.date
    offsets: list[int]
    first_offset: int
    past_days: list[dt.date]


def _clock(today: dt.date) -> _Clock:
    """The days from the earliest acceptance to the latest promised due date of the cases whose clock runs
    (and today). Two index probes (application_running_clock_idx, the promised_due index); the calendar is
    hall.workdays' in-process copy, one lookup per calendar day of the span. A case whose clock starts running
    between this query and the statement with an earlier acceptance date than any other (a deemed acceptance,
    a resumed case) is left for the next run."""
    span = Application.objects.filter(status__in=CLOCK_RUNNING).aggregate(
        first=Min("accepted_on"), last=Max("promised_due")
    )
    first = min(span["first"] or today, today)
    last = max(span["last"] or today, today)
    days = (first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    offsets = [workdays.working_days_between(today, day) for day in days]
    first_offset = min(offsets[0], 0)
    # On a non-working day the last working day is offset 0 (working_days_between counts (start, end]).
    anchor = today if workdays.is_working_day(today) else workdays.add_working_days(today, -1)
    past_days = [workdays.add_working_days(anchor, k) for k in range(first_offset, 0)]
    return _Clock(first_day=first, offsets=offsets, first_offset=first_offset, past_days=past_days)


# --- the statement -------------------------------------------------------------------------------------------


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


_RAISE_SQL = (
    # Each matter's limit and stage template once, not once per case: its last stage and the cumulative share
    # of positions 1-3, the stages the services move a case through (accepted, review, approval); any other
    # position is looked up when a case has one. Scalars, not arrays: a join carries them at no cost per row.
    "WITH plan AS ("
    "  SELECT m.id, m.promised_days, t.last_position, t.c1, t.c2, t.c3"
    "  FROM {matter} m LEFT JOIN ("
    "    SELECT matter_id, MAX(position) AS last_position,"
    "      MAX(cumulative) FILTER (WHERE position = 1) AS c1, MAX(cumulative) FILTER (WHERE position = 2) AS c2,"
    "      MAX(cumulative) FILTER (WHERE position = 3) AS c3"
    "    FROM (SELECT s.matter_id, s.position,"
    "            SUM(s.share_percent) OVER (PARTITION BY s.matter_id ORDER BY s.position) AS cumulative"
    "          FROM {stage} s) s"
    "    GROUP BY matter_id"
    "  ) t ON t.matter_id = m.id"
    "  OFFSET 0"  # one hash table of matters with their templates, probed once per case (not two)
    "), "
    # The one pass over the cases whose clock runs (accepted, review, approval: a suspended case has its due
    # dates moved when it resumes), an index-only scan of application_running_clock_idx.
    # offsets[day - first_day + 1] is the working days from today to `day`. A stage is due its cumulative share
    # of the limit after the clock started, rounded up, the last stage (and any position past it) on the limit
    # (deadlines.stage_due_dates).
    "clock AS ("
    "  SELECT a.id, a.centre_id, a.matter_id, a.department_id, a.handler_id, a.tracking_code, a.stage_position,"
    "    a.promised_due, (%(offsets)s::int[])[a.promised_due - %(first_day)s + 1] AS remaining,"
    "    pl.promised_days + a.extension_days AS limit_days,"
    "    (%(offsets)s::int[])[a.accepted_on - %(first_day)s + 1] + a.stopped_days"
    "    + CASE WHEN a.stage_position < 1 THEN NULL"
    "           WHEN a.stage_position >= pl.last_position THEN pl.promised_days + a.extension_days"
    "           ELSE ((pl.promised_days + a.extension_days) * CASE a.stage_position"
    "                   WHEN 1 THEN pl.c1 WHEN 2 THEN pl.c2 WHEN 3 THEN pl.c3"
    "                   ELSE (SELECT SUM(s.share_percent) FROM {stage} s"
    "                         WHERE s.matter_id = a.matter_id AND s.position <= a.stage_position"
    "                         HAVING bool_or(s.position = a.stage_position))"
    "                 END + 99) / 100"
    "      END AS stage_due"
    "  FROM {application} a JOIN plan pl ON pl.id = a.matter_id"
    "  WHERE a.status = ANY(%(running)s)"
    "), "
    # The share in whole hundredths (the column has two decimals), so the yellow test is integer arithmetic.
    "policy(centre_id, share) AS ("
    "  SELECT centre_id, (yellow_share * 100)::int FROM {policy} UNION ALL SELECT NULL, %(default_share)s"
    "), "
    # What may warn, judged with the largest yellow share any centre uses; the exact rules follow on these few.
    "candidate AS MATERIALIZED ("
    "  SELECT * FROM clock"
    "  WHERE remaining <= 0 OR stage_due < 0"
    "     OR (limit_days > 0 AND 100 * remaining < (SELECT MAX(share) FROM policy) * limit_days)"
    "), "
    # Red on the due day and after, yellow under the centre's share of the limit (deadlines.warning_level),
    # purple past the stage's due date; not for a chain step waiting for its predecessors.
    "levels AS ("
    "  SELECT c.*,"
    "    CASE WHEN c.remaining <= 0 THEN %(red)s"
    "         WHEN c.limit_days > 0 AND 100 * c.remaining < COALESCE(po.share, %(default_share)s) * c.limit_days"
    "         THEN %(yellow)s"
    "    END AS deadline_level"
    "  FROM candidate c LEFT JOIN policy po ON po.centre_id = c.centre_id"
    # Steps of a chain that have not started yet are accepted cases waiting for their predecessors.
    "  WHERE NOT EXISTS (SELECT 1 FROM {chainstep} cs WHERE cs.application_id = c.id AND NOT cs.started)"
    "), "
    "due AS ("
    "  SELECT l.id AS application_id, v.stage_position, v.level, v.reason, l.handler_id AS holder_id,"
    "    l.department_id, v.due_on, l.tracking_code, l.matter_id"
    "  FROM levels l CROSS JOIN LATERAL (VALUES"
    "    (%(case_stage)s, l.deadline_level, %(deadline)s, l.promised_due),"
    "    (l.stage_position, CASE WHEN l.stage_due < 0 THEN %(purple)s END, %(stage_overrun)s,"
    "     (%(past_days)s::date[])[l.stage_due - %(first_offset)s + 1])"
    "  ) AS v(stage_position, level, reason, due_on)"
    "  WHERE v.level IS NOT NULL"
    # 行政许可法 Art. 32: deemed accepted after going unanswered, whatever the case's state now
    # (application_deemed_open_idx: the few such cases).
    "  UNION ALL"
    "  SELECT a.id, %(case_stage)s, %(red)s, %(online_unanswered)s, a.handler_id, a.department_id,"
    "    a.online_answer_due, a.tracking_code, a.matter_id"
    "  FROM {application} a"
    "  WHERE a.deemed_accepted AND a.status = ANY(%(open)s) AND a.online_answer_due IS NOT NULL"
    # A granted case waits at the pick-up window for the missing materials, so it still needs chasing.
    "  UNION ALL"
    "  SELECT a.id, %(case_stage)s, %(yellow)s, %(deficiency_overdue)s, a.handler_id, a.department_id,"
    "    d.deadline, a.tracking_code, a.matter_id"
    "  FROM {deficiency} d JOIN {application} a ON a.id = d.application_id"
    "  WHERE d.fulfilled_at IS NULL AND d.deadline < %(today)s"
    "    AND (a.status = ANY(%(open)s) OR (a.status = %(completed)s AND a.outcome = %(granted)s))"
    "), "
    # The anti-join on the warning key: a rerun inserts nothing and attempts nothing.
    # Sorted, so the anti-join has read the table before the first insert (it never re-reads rows it adds).
    "new AS MATERIALIZED ("
    "  SELECT * FROM due d WHERE NOT EXISTS ("
    "    SELECT 1 FROM {warning} w WHERE w.application_id = d.application_id"
    "      AND w.stage_position = d.stage_position AND w.level = d.level AND w.reason = d.reason)"
    "  ORDER BY application_id, stage_position, level, reason"
    "), "
    # ON CONFLICT still: a run at the same moment may have raised some of them; they are its to send.
    "raised AS ("
    "  INSERT INTO {warning} (application_id, stage_position, level, reason, holder_id, department_id, due_on,"
    "    raised_at)"
    "  SELECT application_id, stage_position, level, reason, holder_id, department_id, due_on, %(now)s FROM new"
    "  ON CONFLICT (application_id, stage_position, level, reason) DO NOTHING"
    "  RETURNING id, application_id, stage_position, level, reason, holder_id, department_id, due_on"
    "), "
    "told AS ("
    "  SELECT r.id, r.level, r.reason, r.holder_id, r.department_id, to_char(r.due_on, 'YYYY-MM-DD') AS due,"
    "    n.tracking_code, m.name AS matter_name, COALESCE(s.name, '') AS stage_name, d.name AS department_name"
    "  FROM raised r"
    "  JOIN new n ON n.application_id = r.application_id AND n.stage_position = r.stage_position"
    "    AND n.level = r.level AND n.reason = r.reason"
    "  JOIN {matter} m ON m.id = n.matter_id"
    "  LEFT JOIN {stage} s ON s.matter_id = n.matter_id AND s.position = r.stage_position"
    "  JOIN {department} d ON d.id = r.department_id"
    "), "
    "template(level, reason, title, body) AS ("
    "  SELECT * FROM unnest(%(levels)s::text[], %(reasons)s::text[], %(titles)s::text[], %(bodies)s::text[])"
    "), "
    # The holder of the step and the department's head(s), each once; users are read by key, only those of
    # this run's warnings.
    "holder AS ("
    "  SELECT u.id, u.phone, u.centre_id FROM {user} u"
    "  WHERE u.is_active AND u.id IN (SELECT holder_id FROM told)"
    "), "
    "head AS ("
    "  SELECT u.id, u.phone, u.centre_id, u.department_id FROM {user} u"
    "  WHERE u.is_active AND u.is_department_head AND u.department_id IN (SELECT department_id FROM told)"
    "), "
    "recipient AS ("
    "  SELECT t.id AS warning_id, h.id AS user_id FROM told t JOIN holder h ON h.id = t.holder_id"
    "  UNION"
    "  SELECT t.id, h.id FROM told t JOIN head h ON h.department_id = t.department_id"
    "), "
    "sent AS ("
    "  INSERT INTO {notice} (recipient_id, kind, title, body, link, dedupe_key, created_at)"
    "  SELECT r.user_id, %(kind)s,"
    "    left(format(tp.title, t.matter_name, t.tracking_code, t.due, t.stage_name, t.department_name), 200),"
    "    format(tp.body, t.matter_name, t.tracking_code, t.due, t.stage_name, t.department_name),"
    "    '', 'case-warning-' || t.id, %(now)s"
    "  FROM recipient r JOIN told t ON t.id = r.warning_id"
    "  JOIN template tp ON tp.level = t.level AND tp.reason = t.reason"
    "  ON CONFLICT (recipient_id, dedupe_key) DO NOTHING"
    "  RETURNING recipient_id, dedupe_key, title"
    "), "
    "sms AS ("
    "  SELECT u.phone, format(%(sms)s, COALESCE(c.name, ''), s.title) AS text"
    "  FROM sent s JOIN (SELECT id, phone, centre_id FROM holder UNION SELECT id, phone, centre_id FROM head) u"
    "    ON u.id = s.recipient_id"
    "  LEFT JOIN {centre} c ON c.id = u.centre_id"
    "  WHERE u.phone <> ''"
    ") "
    "SELECT (SELECT json_object_agg(level, n) FROM (SELECT level, count(*) AS n FROM raised GROUP BY level) x),"
    "  (SELECT count(*) FROM sent), s.phones, s.texts"
    " FROM (SELECT array_agg(phone) AS phones, array_agg(text) AS texts FROM sms) s"
)


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


def raise_statement(*, now: dt.datetime, today: dt.date) -> tuple[str, dict]:
    """The statement and its parameters. It returns one row: the warnings raised by level (JSON), the number of
    notices made, and the phones and texts of the SMS to send after commit."""
    clock = _clock(today)
    templates = _notice_templates()
    return _RAISE_SQL.format(**_names()), {
        "now": now,
        "today": today,
        "case_stage": CASE_LEVEL_STAGE,
        "open": [status.value for status in Application.OPEN_STATUSES],
        "running": [status.value for status in CLOCK_RUNNING],
        "completed": Status.COMPLETED.value,
        "granted": Application.Outcome.GRANTED.value,
        "default_share": int(DEFAULT_YELLOW_SHARE * 100),
        "first_day": clock.first_day,
        "offsets": clock.offsets,
        "first_offset": clock.first_offset,
        "past_days": clock.past_days,
        **{level.value: level.value for level in Level},
        **{reason.value: reason.value for reason in Reason},
        "levels": [row[0] for row in templates],
        "reasons": [row[1] for row in templates],
        "titles": [row[2] for row in templates],
        "bodies": [row[3] for row in templates],
        "kind": NOTICE_KIND,
        "sms": _sql_format(_("【%(centre)s】%(title)s，请及时处理。"), SMS_ARGS),
    }
