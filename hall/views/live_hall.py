"""The managers' live hall (实时大厅): queues per category, windows open or paused, tidal windows and their
moves, and the tidal job's pending proposals — refreshed every 10 seconds. Managers of the centre accept a
proposal or assign a tidal window by hand (hall.services.tidal.tidal_assign) and release it (tidal_release);
supervisors watch read-only (the services refuse them too)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from common.errors import DomainError

from .. import live_hall_selectors as selectors
from ..services import tidal as tidal_services
from .htmx_login import login_required_htmx

REGION_ID = "live-hall"
MAX_ID = 2**31 - 1


def _id_field(message, *, required=True):
    return forms.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=required,
        error_messages={"required": message, "invalid": message, "min_value": message, "max_value": message},
    )


class LiveHallQuery(forms.Form):
    """GET parameters; a bad value is ignored (the proposal notices link here with window and category)."""

    centre = _id_field("", required=False)
    window = _id_field("", required=False)
    category = _id_field("", required=False)


class TidalAssignForm(forms.Form):
    centre = _id_field(gettext_lazy("请选择中心。"), required=False)
    window = _id_field(gettext_lazy("请选择潮汐窗口。"))
    category = _id_field(gettext_lazy("请选择业务类别。"))
    reason = forms.CharField(
        required=False, max_length=200, error_messages={"max_length": gettext_lazy("原因不能超过200个字。")}
    )


class TidalReleaseForm(forms.Form):
    centre = _id_field(gettext_lazy("请选择中心。"), required=False)
    window = _id_field(gettext_lazy("请选择潮汐窗口。"))


def _centre(request, requested_id):
    centres = list(selectors.live_hall_centres(request.user))
    if not centres:
        raise PermissionDenied(_("只有中心管理人员和电子监察人员可以查看实时大厅。"))
    by_id = {c.pk: c for c in centres}
    default = by_id.get(request.user.centre_id) or centres[0]
    return by_id.get(requested_id, default), centres


def _context(request, centre, centres, *, window_id=None, category_id=None) -> dict:
    return {
        "hall": selectors.live_hall(actor=request.user, centre=centre),
        "centres": centres,
        "region_id": REGION_ID,
        "selected_window": window_id,
        "selected_category": category_id,
    }


@login_required_htmx
@require_GET
def live_hall(request):
    query = LiveHallQuery(request.GET)
    query.is_valid()
    centre, centres = _centre(request, query.cleaned_data.get("centre"))
    context = _context(
        request, centre, centres,
        window_id=query.cleaned_data.get("window"), category_id=query.cleaned_data.get("category"),
    )
    htmx = getattr(request, "htmx", None)
    partial = bool(htmx) and htmx.target == REGION_ID and not htmx.history_restore_request
    template = "hall/live_hall/_region.html" if partial else "hall/live_hall/page.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _dispatch(request, form_class, run):
    """Parse the form, call one tidal service, and answer with the region (htmx) or a redirect."""
    form = form_class(request.POST)
    valid = form.is_valid()
    centre, centres = _centre(request, form.cleaned_data.get("centre"))  # 403 for those who may not watch
    if valid:
        try:
            level, text = messages.SUCCESS, run(form.cleaned_data)
        except DomainError as exc:
            level, text = messages.ERROR, str(exc.message)
    else:
        level, text = messages.ERROR, next(iter(form.errors.values()))[0]
    if not getattr(request, "htmx", None):
        messages.add_message(request, level, text)
        return redirect(f"{reverse('live_hall')}?centre={centre.pk}")
    context = {**_context(request, centre, centres), "flash": {"level": messages.DEFAULT_TAGS[level], "text": text}}
    return render(request, "hall/live_hall/_action_response.html", context)


@login_required_htmx
@require_POST
def tidal_assign(request):
    def run(data):
        link = tidal_services.tidal_assign(
            window_id=data["window"], category_id=data["category"], actor=request.user, reason=data["reason"]
        )
        return _("已将 %(window)s 号潮汐窗口调派给“%(category)s”。") % {
            "window": link.window.number,
            "category": link.category.name,
        }

    return _dispatch(request, TidalAssignForm, run)


@login_required_htmx
@require_POST
def tidal_release(request):
    def run(data):
        tidal_services.tidal_release(window_id=data["window"], actor=request.user)
        return _("潮汐窗口已释放，恢复原有叫号业务。")

    return _dispatch(request, TidalReleaseForm, run)


urlpatterns = [
    path("manage/hall/", live_hall, name="live_hall"),
    path("manage/hall/tidal/assign/", tidal_assign, name="live_hall_tidal_assign"),
    path("manage/hall/tidal/release/", tidal_release, name="live_hall_tidal_release"),
]
