"""The warning job (预警): yellow, red and purple cards, raised set-based in SQL and sent once.

- yellow: the remaining working days to the promised due date fall under the centre's share of the limit
  (WarningPolicy.yellow_share, default 0.3); red: on the due day and when overdue;
- purple (紫牌): the current stage is still open after its own share of the promised limit
  (the stage due dates of deadlines.stage_due_dates, computed here in SQL);
- red: an online submission unanswered past its 行政许可法 Art. 32 deadline, which then counts as accepted
  from the day it arrived (the acceptance itself goes through transitions.accept, one case per transaction);
- yellow: an accept-with-deficiency commitment (容缺) past its deadline and still unmet.

The cards are raised by one statement (warning_sql): every level of every running case in one pass, only the
warnings not raised before inserted, and the notices for exactly those rows, keyed by the warning id, so a
rerun writes and sends nothing.
"""
import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import NotFound, ValidationFailed
from common.sms import send_sms
from hall.models import Centre
from hall.permissions import ensure_manager_of

from ..locks import application_lock
from ..models import Application, CaseWarning, WarningPolicy
from ..models.policy import DEFAULT_YELLOW_SHARE
from .transitions import accept
from .warning_sql import raise_statement

logger = logging.getLogger(__name__)

Status = Application.Status
Level = CaseWarning.Level
MIN_YELLOW_SHARE, MAX_YELLOW_SHARE = Decimal("0.05"), Decimal("0.95")


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

def _send_all(messages: Iterable[tuple[str, str]]) -> None:
    for phone, text in messages:
        try:
            send_sms(phone, text)
        except Exception:  # one failed message must not stop the others; the phone is not logged
            logger.exception("case warning SMS could not be sent")


@transaction.atomic
def _raise(*, now: dt.datetime, today: dt.date) -> WarningRun:
    with connection.cursor() as cursor:
        # The pass reads the whole of application_running_clock_idx in order, cached: the default cost of a
        # random page per index page would have the planner read the wider table instead (a third slower).
        cursor.execute("SET LOCAL random_page_cost = 1.1")
        cursor.execute(*raise_statement(now=now, today=today))
        raised, notices, phones, texts = cursor.fetchone()
    run = WarningRun(raised={level.value: 0 for level in Level} | (raised or {}), notices=notices)
    messages = list(zip(phones or [], texts or [], strict=True))
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
