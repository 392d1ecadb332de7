"""The clerk workstation: pick a window of your centre, open it, and work it — call, recall, start, finish,
no-show, transfer, pick a number out of order (with a logged reason), pause and resume, close.

Each action is one POST that calls one service (hall.services.tickets / windows) and shows the panel again:
with htmx the panel is swapped in place (and the message shown above it), without JavaScript the browser
is redirected back with the message. A refusal shows the service's Chinese message; nothing changes."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from common.errors import DomainError

from .. import workstation_selectors as selectors
from ..models import Window
from ..services import tickets as ticket_services
from ..services import windows as window_services
from ..services.windows import PAUSE_REASONS
from .htmx_login import login_required_htmx

PANEL_ID = "ws-panel"
PAUSE_REASON_MISSING = gettext_lazy("请选择暂停原因。")
MAX_ID = 2**31 - 1


def _id_field(message):
    return forms.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        error_messages={"required": message, "invalid": message, "min_value": message, "max_value": message},
    )


class PauseForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("暂停原因"),
        choices=list(PAUSE_REASONS.items()),
        error_messages={"required": PAUSE_REASON_MISSING, "invalid_choice": PAUSE_REASON_MISSING},
    )
    note = forms.CharField(
        label=gettext_lazy("说明"),
        required=False,
        max_length=window_services.MAX_REASON_LENGTH,
        error_messages={"max_length": gettext_lazy("暂停说明不能超过100个字。")},
    )


class TransferForm(forms.Form):
    category = _id_field(gettext_lazy("请选择要转去的业务类别。"))
    reason = forms.CharField(
        label=gettext_lazy("转移原因"),
        required=False,
        max_length=ticket_services.MAX_REASON_LENGTH,
        error_messages={"max_length": gettext_lazy("原因不能超过200个字。")},
    )


class PickForm(forms.Form):
    ticket = _id_field(gettext_lazy("请选择要叫的号。"))
    reason = forms.CharField(
        label=gettext_lazy("不按顺序叫号的原因"),
        max_length=ticket_services.MAX_REASON_LENGTH,
        error_messages={
            "required": gettext_lazy("请填写不按顺序叫号的原因（将记录备查）。"),
            "max_length": gettext_lazy("原因不能超过200个字。"),
        },
    )


# --------------------------------------------------------------------------- actions

Outcome = tuple[int, str]


def _open(actor, window_id, data) -> Outcome:
    window_services.window_open(window_id=window_id, actor=actor)
    return messages.SUCCESS, _("已开窗，请点击“叫号”开始办理。")


def _call_next(actor, window_id, data) -> Outcome:
    ticket = ticket_services.ticket_call_next(window_id=window_id, actor=actor)
    if ticket is None:
        return messages.INFO, _("当前没有等候本窗口的号。")
    return messages.SUCCESS, _("已叫 %(number)s 号。") % {"number": ticket.number}


def _call_ticket(actor, window_id, data) -> Outcome:
    ticket = ticket_services.ticket_call_specific(
        window_id=window_id, ticket_id=data["ticket"], actor=actor, reason=data["reason"]
    )
    return messages.SUCCESS, _("已叫 %(number)s 号（不按顺序，原因已记录）。") % {"number": ticket.number}


def _recall(actor, window_id, data) -> Outcome:
    ticket = ticket_services.ticket_recall(window_id=window_id, actor=actor)
    return messages.SUCCESS, _("已重呼 %(number)s 号（第 %(count)d 次）。") % {
        "number": ticket.number,
        "count": ticket.recall_count,
    }


def _start(actor, window_id, data) -> Outcome:
    ticket = ticket_services.ticket_start(window_id=window_id, actor=actor)
    return messages.SUCCESS, _("%(number)s 号开始办理。") % {"number": ticket.number}


def _finish(actor, window_id, data) -> Outcome:
    ticket = ticket_services.ticket_finish(window_id=window_id, actor=actor)
    return messages.SUCCESS, _("%(number)s 号已办结。") % {"number": ticket.number}


def _no_show(actor, window_id, data) -> Outcome:
    ticket = ticket_services.ticket_mark_no_show(window_id=window_id, actor=actor)
    return messages.SUCCESS, _("%(number)s 号已按过号处理。") % {"number": ticket.number}


def _transfer(actor, window_id, data) -> Outcome:
    new_ticket = ticket_services.ticket_transfer(
        window_id=window_id, actor=actor, category_id=data["category"], reason=data["reason"]
    )
    return messages.SUCCESS, _("%(old)s 号已转到“%(category)s”，新号 %(new)s，保留原取号时间。") % {
        "old": new_ticket.transferred_from.number,
        "category": new_ticket.category.name,
        "new": new_ticket.number,
    }


def _pause(actor, window_id, data) -> Outcome:
    window = window_services.window_pause(window_id=window_id, actor=actor, reason=data["reason"], note=data["note"])
    return messages.SUCCESS, _("窗口已暂停（%(reason)s）。") % {"reason": window.pause_reason}


def _resume(actor, window_id, data) -> Outcome:
    window_services.window_resume(window_id=window_id, actor=actor)
    return messages.SUCCESS, _("窗口已恢复，可以叫号。")


def _close(actor, window_id, data) -> Outcome:
    window_services.window_close(window_id=window_id, actor=actor)
    return messages.SUCCESS, _("窗口已关闭。")


@dataclass(frozen=True)
class Action:
    run: Callable[..., Outcome]
    form: type[forms.Form] | None = None


ACTIONS: dict[str, Action] = {
    "open": Action(_open),
    "call-next": Action(_call_next),
    "call-ticket": Action(_call_ticket, PickForm),
    "recall": Action(_recall),
    "start": Action(_start),
    "finish": Action(_finish),
    "no-show": Action(_no_show),
    "transfer": Action(_transfer, TransferForm),
    "pause": Action(_pause, PauseForm),
    "resume": Action(_resume),
    "close": Action(_close),
}


# --------------------------------------------------------------------------- pages

def _ensure_may_work(user) -> None:
    if not selectors.can_work_windows(user):
        raise PermissionDenied(_("只有窗口工作人员可以使用窗口工作台。"))


def _window_or_404(user, window_id: int):
    window = selectors.window_for_actor(actor=user, window_id=window_id)
    if window is None:
        raise Http404(_("该窗口不存在。"))
    return window


def _panel_context(request, window, *, open_form: str = "", posted=None) -> dict:
    return {
        "panel": selectors.workstation_panel(actor=request.user, window=window),
        "panel_id": PANEL_ID,
        "pause_reasons": list(PAUSE_REASONS.items()),
        "open_form": open_form,
        "posted": posted or {},
    }


@login_required_htmx
@require_GET
def workstation_home(request):
    _ensure_may_work(request.user)
    windows = selectors.workstation_windows(actor=request.user)
    context = {
        "windows": windows,
        "my_window": next(
            (w for w in windows if w.clerk_id == request.user.pk and w.status != Window.Status.CLOSED), None
        ),
    }
    return render(request, "hall/workstation/home.html", context)


@login_required_htmx
@require_GET
def workstation_window(request, window_id: int):
    _ensure_may_work(request.user)
    window = _window_or_404(request.user, window_id)
    htmx = getattr(request, "htmx", None)
    partial = bool(htmx) and htmx.target == PANEL_ID and not htmx.history_restore_request
    template = "hall/workstation/_panel.html" if partial else "hall/workstation/window.html"
    response = render(request, template, _panel_context(request, window))
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required_htmx
@require_POST
def window_action(request, window_id: int, action: str):
    _ensure_may_work(request.user)
    _window_or_404(request.user, window_id)
    spec = ACTIONS[action]
    data, open_form = {}, ""
    if spec.form is not None:
        form = spec.form(request.POST)
        if not form.is_valid():
            level, text = messages.ERROR, next(iter(form.errors.values()))[0]
            open_form = action
        else:
            data = form.cleaned_data
    if not open_form:
        try:
            level, text = spec.run(request.user, window_id, data)
        except DomainError as exc:
            level, text = messages.ERROR, str(exc.message)
            open_form = action if spec.form is not None else ""
    if not getattr(request, "htmx", None):
        messages.add_message(request, level, text)
        return redirect(reverse("workstation_window", args=[window_id]))
    window = _window_or_404(request.user, window_id)
    context = {
        **_panel_context(request, window, open_form=open_form, posted=request.POST if open_form else None),
        "flash": {"level": messages.DEFAULT_TAGS[level], "text": text},
    }
    # 200 even for a refusal: the message is the answer, shown above the panel (hall.js treats 4xx as network errors).
    return render(request, "hall/workstation/_action_response.html", context)


def _action_name(action: str) -> str:
    return "workstation_" + action.replace("-", "_")


urlpatterns = [
    path("workstation/", workstation_home, name="workstation"),
    path("workstation/windows/<int:window_id>/", workstation_window, name="workstation_window"),
    *(
        path(f"workstation/windows/<int:window_id>/{action}/", window_action, {"action": action},
             name=_action_name(action))
        for action in ACTIONS
    ),
]
