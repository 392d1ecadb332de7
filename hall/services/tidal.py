"""Tidal windows (潮汐窗口): when a category's queue passes its thresholds, an open tidal window is
assigned to it (or proposed to managers, per the centre's setting) and released when the queue falls."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import Conflict, InvalidTransition, NotFound, ValidationFailed

from ..locks import window_lock
from ..models import Notice, QueueCategory, QueuePolicy, Role, User, Window, WindowCategory, WindowEvent
from ..permissions import ensure_manager_of
from ..queue_selectors import waiting_counts
from .tickets import queue_policy


def _over_threshold(category: QueueCategory, stats: dict) -> bool:
    return (
        stats["waiting"] > category.tidal_waiting_threshold
        or stats["longest_wait_minutes"] > category.tidal_wait_minutes_threshold
    )


def _assign(window: Window, category: QueueCategory, *, actor, reason: str) -> WindowCategory:
    link = WindowCategory.objects.create(window=window, category=category, position=0, is_tidal_assignment=True)
    WindowEvent.objects.create(
        window=window, kind=WindowEvent.Kind.TIDAL_ASSIGNED, category=category, actor=actor, reason=reason
    )
    return link


def _free_tidal_windows(centre_id: int):
    return (
        Window.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(centre_id=centre_id, kind=Window.Kind.TIDAL, is_active=True, status=Window.Status.OPEN)
        .exclude(category_links__is_tidal_assignment=True)
        .order_by("number", "id")
    )


def _propose(window: Window, category: QueueCategory, reason: str) -> bool:
    """Record a proposal once per window, category and day, and tell the centre's managers."""
    today = timezone.localdate()
    key = f"tidal-proposal-{window.pk}-{category.pk}-{today.isoformat()}"
    if WindowEvent.objects.filter(
        window=window, category=category, kind=WindowEvent.Kind.TIDAL_PROPOSED, created_at__date=today
    ).exists():
        return False
    WindowEvent.objects.create(window=window, kind=WindowEvent.Kind.TIDAL_PROPOSED, category=category, reason=reason)
    managers = User.objects.filter(centre_id=window.centre_id, role=Role.MANAGER, is_active=True)
    Notice.objects.bulk_create(
        [
            Notice(
                recipient=manager,
                kind="tidal_proposal",
                dedupe_key=key,
                title=_("建议将 %(window)s 号潮汐窗口调派给“%(category)s”")
                % {"window": window.number, "category": category.name},
                body=reason,
                link=f"/manage/hall/?window={window.pk}&category={category.pk}",
            )
            for manager in managers
        ],
        ignore_conflicts=True,
    )
    return True


@transaction.atomic
def tidal_rebalance(*, centre_id: int) -> dict[str, int]:
    """One pass of the tidal job for a centre: release assignments whose queue has fallen, then assign
    (or propose) a free tidal window to each category over its thresholds. Idempotent."""
    policy = queue_policy(centre_id)
    stats = {row["id"]: row for row in waiting_counts(centre_id)}
    categories = {c.pk: c for c in QueueCategory.objects.filter(centre_id=centre_id, is_active=True)}
    released = assigned = proposed = 0

    for link in (
        WindowCategory.objects.select_for_update(of=("self",))
        .filter(window__centre_id=centre_id, is_tidal_assignment=True)
        .select_related("window", "category")
    ):
        row = stats.get(link.category_id)
        if row is None or row["waiting"] < link.category.tidal_release_waiting:
            WindowEvent.objects.create(
                window=link.window,
                kind=WindowEvent.Kind.TIDAL_RELEASED,
                category=link.category,
                reason=_("等候人数已降至%(count)d人") % {"count": row["waiting"] if row else 0},
            )
            link.delete()
            released += 1

    served = set(
        WindowCategory.objects.filter(window__centre_id=centre_id, is_tidal_assignment=True).values_list(
            "category_id", flat=True
        )
    )
    for category_id, row in sorted(stats.items(), key=lambda item: -item[1]["waiting"]):
        category = categories.get(category_id)
        if category is None or category_id in served or not _over_threshold(category, row):
            continue
        window = _free_tidal_windows(centre_id).first()
        if window is None:
            break
        reason = _("等候%(count)d人，最长等候%(minutes)d分钟") % {
            "count": row["waiting"],
            "minutes": row["longest_wait_minutes"],
        }
        if policy.tidal_mode == QueuePolicy.TidalMode.ASSIGN:
            _assign(window, category, actor=None, reason=reason)
            assigned += 1
        elif _propose(window, category, reason):
            proposed += 1
    return {"assigned": assigned, "proposed": proposed, "released": released}


@transaction.atomic
def tidal_assign(*, window_id: int, category_id: int, actor, reason: str = "") -> WindowCategory:
    """A manager assigns a tidal window by hand (or accepts the job's proposal)."""
    window = window_lock(window_id)
    ensure_manager_of(actor, window.centre_id)
    if window.kind != Window.Kind.TIDAL:
        raise ValidationFailed(_("只有潮汐窗口可以调派。"), field="window")
    category = QueueCategory.objects.filter(pk=category_id, centre_id=window.centre_id, is_active=True).first()
    if category is None:
        raise NotFound(_("该业务类别不存在。"))
    if WindowCategory.objects.filter(window=window, is_tidal_assignment=True).exists():
        raise InvalidTransition(_("该潮汐窗口已被调派，请先释放。"))
    if WindowCategory.objects.filter(window=window, category=category).exists():
        raise InvalidTransition(_("该窗口已办理此业务类别。"))
    try:
        with transaction.atomic():
            return _assign(window, category, actor=actor, reason=(reason or _("管理人员调派"))[:200])
    except IntegrityError:
        raise Conflict(_("该窗口已办理此业务类别。")) from None


@transaction.atomic
def tidal_release(*, window_id: int, actor) -> None:
    window = window_lock(window_id)
    ensure_manager_of(actor, window.centre_id)
    link = WindowCategory.objects.filter(window=window, is_tidal_assignment=True).select_related("category").first()
    if link is None:
        raise InvalidTransition(_("该窗口当前没有潮汐调派。"))
    WindowEvent.objects.create(
        window=window,
        kind=WindowEvent.Kind.TIDAL_RELEASED,
        category=link.category,
        actor=actor,
        reason=_("管理人员释放"),
    )
    link.delete()
