"""Hall device pages — kiosk (取号机), call display (叫号大屏), window pad (窗口评价器) — and the
ticket's public live page.

A device browser signs in once with its API key (hall.services.device_sessions); the session then
holds the device, and `device_required(kind)` guards each page. The pages read through
hall.device_selectors and write through the queue services, exactly as the device API does."""
from functools import wraps

from django import forms
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect
from rest_framework.throttling import BaseThrottle

from common.errors import DomainError, NotFound

from .. import device_selectors
from ..api.devices import DisplayStateSerializer, clerk_photo_response
from ..api_auth import MAX_KEY_LENGTH
from ..models import Device, Ticket
from ..services import device_sessions
from ..services.appointments import appointment_check_in
from ..services.tickets import ticket_issue

SESSION_DEVICE_ID = "hall_device_id"
SESSION_DEVICE_KEY_PREFIX = "hall_device_key_prefix"
# A device signs in once; a rotated key or a deactivation ends the session sooner.
DEVICE_SESSION_SECONDS = 365 * 24 * 60 * 60
HOME_URL_NAMES = {Device.Kind.KIOSK: "kiosk", Device.Kind.DISPLAY: "display", Device.Kind.WINDOW_PAD: "pad"}
KIOSK_RESULT_SECONDS = 20
KIOSK_IDLE_SECONDS = 60
TICKET_POLL_SECONDS = 10
PAD_POLL_SECONDS = 2
DISPLAY_POLL_MS = 1000


# --- sign-in -------------------------------------------------------------------------------------


def _client_address(request) -> str:
    # DRF's reading of REMOTE_ADDR / X-Forwarded-For honours NUM_PROXIES, like the API's throttles.
    return BaseThrottle().get_ident(request) or "unknown"


def _session_device(request) -> Device | None:
    return device_sessions.device_session_resume(
        device_id=request.session.get(SESSION_DEVICE_ID), key_prefix=request.session.get(SESSION_DEVICE_KEY_PREFIX)
    )


def _forget_device(request) -> None:
    for key in (SESSION_DEVICE_ID, SESSION_DEVICE_KEY_PREFIX):
        request.session.pop(key, None)
    request.session.cycle_key()


def _to_sign_in(request, message: str):
    login_url = reverse("device_login")
    if request.htmx:
        messages.warning(request, message)
        return HttpResponseClientRedirect(login_url)
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"detail": message, "login_url": login_url}, status=401)
    messages.warning(request, message)
    return HttpResponseRedirect(login_url)


def device_required(kind: str):
    """The page is for a signed-in device of this kind: `request.device` is that device. No device
    → sign-in; a deactivated device or a rotated key → sign-in again; another kind → 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.session.get(SESSION_DEVICE_ID) is None:
                return _to_sign_in(request, _("请先用设备密钥登录本设备。"))
            device = _session_device(request)
            if device is None:
                _forget_device(request)
                return _to_sign_in(request, _("本设备已停用或密钥已更换，请重新登录。"))
            if device.kind != kind:
                context = {"device": device, "wanted": Device.Kind(kind).label}
                return render(request, "hall/devices/wrong_kind.html", context, status=403)
            request.device = device
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class DeviceSignInForm(forms.Form):
    key = forms.CharField(
        label=gettext_lazy("设备密钥"),
        max_length=MAX_KEY_LENGTH,
        strip=True,
        error_messages={
            "required": gettext_lazy("请输入设备密钥。"),
            "max_length": gettext_lazy("设备密钥格式不正确，应为“前缀.密钥”。"),
        },
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false"}),
        help_text=gettext_lazy("登记设备时由中心管理人员获得，格式为“前缀.密钥”。"),
    )


@never_cache
@require_http_methods(["GET", "POST"])
def device_login(request):
    signed_in = _session_device(request) if request.session.get(SESSION_DEVICE_ID) is not None else None
    status = 200
    if request.method == "POST":
        form = DeviceSignInForm(request.POST)
        if form.is_valid():
            try:
                device = device_sessions.device_sign_in(
                    key=form.cleaned_data["key"], client_address=_client_address(request)
                )
            except DomainError as exc:
                form.add_error("key", str(exc.message))
                status = exc.status_code if exc.status_code == 429 else 200
            else:
                request.session.cycle_key()
                request.session[SESSION_DEVICE_ID] = device.pk
                request.session[SESSION_DEVICE_KEY_PREFIX] = device.key_prefix
                request.session.set_expiry(DEVICE_SESSION_SECONDS)
                return HttpResponseRedirect(reverse(HOME_URL_NAMES[device.kind]))
    else:
        form = DeviceSignInForm()
    context = {"form": form, "signed_in": signed_in, "home_url_names": HOME_URL_NAMES}
    if signed_in is not None:
        context["home_url"] = reverse(HOME_URL_NAMES[signed_in.kind])
    return render(request, "hall/devices/login.html", context, status=status)


@require_POST
def device_logout(request):
    _forget_device(request)
    messages.success(request, _("本设备已退出登录。"))
    return HttpResponseRedirect(reverse("device_login"))


# --- kiosk ---------------------------------------------------------------------------------------


PRIORITY_GROUP_CARDS = [
    (Ticket.PriorityGroup.ELDERLY, gettext_lazy("60 周岁及以上")),
    (Ticket.PriorityGroup.DISABLED, gettext_lazy("凭残疾人证")),
    (Ticket.PriorityGroup.PREGNANT, gettext_lazy("孕期女性")),
    (Ticket.PriorityGroup.MILITARY, gettext_lazy("现役军人、退役军人")),
]


def _priority_group(value) -> str:
    return value if value in Ticket.PriorityGroup.values else ""


def _kiosk_context(request, **extra) -> dict:
    return {
        "device": request.device,
        "centre": request.device.centre,
        "idle_seconds": KIOSK_IDLE_SECONDS,
        **extra,
    }


def _kiosk_error(request, exc: DomainError, *, back_url: str):
    context = _kiosk_context(request, message=str(exc.message), back_url=back_url)
    return render(request, "hall/devices/kiosk_error.html", context, status=exc.status_code)


@never_cache
@require_GET
@device_required(Device.Kind.KIOSK)
def kiosk(request):
    group = _priority_group(request.GET.get("group"))
    context = _kiosk_context(
        request,
        categories=device_selectors.kiosk_categories(centre_id=request.device.centre_id),
        group=group,
        group_label=Ticket.PriorityGroup(group).label if group else "",
    )
    return render(request, "hall/devices/kiosk.html", context)


@never_cache
@require_GET
@device_required(Device.Kind.KIOSK)
def kiosk_priority(request):
    return render(request, "hall/devices/kiosk_priority.html", _kiosk_context(request, groups=PRIORITY_GROUP_CARDS))


class KioskIssueForm(forms.Form):
    category = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    priority_group = forms.ChoiceField(choices=[("", ""), *Ticket.PriorityGroup.choices], required=False)


@require_POST
@device_required(Device.Kind.KIOSK)
def kiosk_issue(request):
    form = KioskIssueForm(request.POST)
    if not form.is_valid():
        return _kiosk_error(request, DomainError(_("请重新选择要办理的业务。")), back_url=reverse("kiosk"))
    group = form.cleaned_data["priority_group"]
    try:
        ticket = ticket_issue(
            category_id=form.cleaned_data["category"],
            source=Ticket.Source.KIOSK,
            device=request.device,
            priority_class=Ticket.PriorityClass.PRIORITY_GROUP if group else Ticket.PriorityClass.NORMAL,
            priority_group=group,
        )
    except DomainError as exc:
        return _kiosk_error(request, exc, back_url=reverse("kiosk"))
    return HttpResponseRedirect(reverse("kiosk_ticket", args=[ticket.token]))


class KioskCheckInForm(forms.Form):
    """One field for both: 8 digits are a booking code, 11 digits a phone number."""

    number = forms.CharField(
        label=gettext_lazy("预约码或手机号"),
        max_length=20,
        strip=True,
        error_messages={
            "required": gettext_lazy("请输入8位预约码或11位手机号。"),
            "max_length": gettext_lazy("请输入8位预约码或11位手机号。"),
        },
    )

    def clean_number(self) -> dict:
        number = self.cleaned_data["number"].replace(" ", "")
        if not (number.isascii() and number.isdigit()) or len(number) not in (8, 11):
            raise forms.ValidationError(_("请输入8位预约码或11位手机号。"))
        return {"code": number} if len(number) == 8 else {"phone": number}


@never_cache
@require_http_methods(["GET", "POST"])
@device_required(Device.Kind.KIOSK)
def kiosk_check_in(request):
    form, status = KioskCheckInForm(), 200
    if request.method == "POST":
        form = KioskCheckInForm(request.POST)
        if form.is_valid():
            try:
                ticket = appointment_check_in(
                    device=request.device, centre_id=request.device.centre_id, **form.cleaned_data["number"]
                )
            except DomainError as exc:
                form.add_error("number", str(exc.message))
                status = exc.status_code
            else:
                return HttpResponseRedirect(reverse("kiosk_ticket", args=[ticket.token]))
        else:
            status = 400
        # The entry (perhaps a phone number) is not echoed back to the screen for the next person to see.
        form.data = form.data.copy()
        form.data["number"] = ""
    return render(request, "hall/devices/kiosk_check_in.html", _kiosk_context(request, form=form), status=status)


@never_cache
@require_GET
@device_required(Device.Kind.KIOSK)
def kiosk_ticket(request, token: str):
    receipt = device_selectors.kiosk_ticket(device=request.device, token=token)
    if receipt is None:
        return _kiosk_error(request, NotFound(_("未找到该号票。")), back_url=reverse("kiosk"))
    context = _kiosk_context(
        request,
        receipt=receipt,
        ticket=receipt.ticket,
        estimate_text=device_selectors.estimate_text(receipt.estimate),
        live_url=request.build_absolute_uri(reverse("ticket_live", args=[receipt.ticket.token])),
        result_seconds=KIOSK_RESULT_SECONDS,
    )
    return render(request, "hall/devices/kiosk_ticket.html", context)


# --- call display --------------------------------------------------------------------------------


@never_cache
@require_GET
@device_required(Device.Kind.DISPLAY)
def display(request):
    state = device_selectors.display_state(centre_id=request.device.centre_id)
    context = {
        "device": request.device,
        "centre": request.device.centre,
        "state": state,
        "initial_state": DisplayStateSerializer(state).data,
        "poll_ms": DISPLAY_POLL_MS,
    }
    return render(request, "hall/devices/display.html", context)


@never_cache
@require_GET
@device_required(Device.Kind.DISPLAY)
def display_state(request):
    state = device_selectors.display_state(centre_id=request.device.centre_id)
    return JsonResponse(DisplayStateSerializer(state).data)


# --- window pad ----------------------------------------------------------------------------------


@never_cache
@require_GET
@device_required(Device.Kind.WINDOW_PAD)
def pad(request):
    """The pad's screen. Its poll (htmx, every 2 s) sends the signature of what it shows; an unchanged
    screen answers 204, so htmx leaves it alone (and whatever the citizen is doing on it)."""
    state = device_selectors.pad_state(device=request.device)
    if request.htmx and request.GET.get("v") == state.signature:
        return HttpResponse(status=204)
    context = {
        "device": request.device,
        "centre": request.device.centre,
        "state": state,
        "window": state.window,
        "clerk": state.clerk,
        "poll_seconds": PAD_POLL_SECONDS,
    }
    template = "hall/devices/_pad_state.html" if request.htmx else "hall/devices/pad.html"
    return render(request, template, context)


@require_GET
@device_required(Device.Kind.WINDOW_PAD)
def pad_photo(request):
    return clerk_photo_response(device_selectors.pad_clerk_photo(device=request.device))


# --- the ticket's live page (public) -------------------------------------------------------------


@never_cache
@require_GET
def ticket_live(request, token: str):
    live = device_selectors.ticket_live(token=token)
    if live is None:
        response = render(request, "hall/ticket/not_found.html", status=404)
    else:
        context = {
            "live": live,
            "ticket": live.ticket,
            "current_centre": live.ticket.centre,
            "estimate_text": device_selectors.estimate_text(live.estimate) if live.estimate else "",
            "poll_seconds": TICKET_POLL_SECONDS,
        }
        template = "hall/ticket/_live_status.html" if request.htmx else "hall/ticket/live.html"
        response = render(request, template, context)
    # The token is the key to this page: no search engine, no Referer to other sites.
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


urlpatterns = [
    path("devices/login/", device_login, name="device_login"),
    path("devices/logout/", device_logout, name="device_logout"),
    path("kiosk/", kiosk, name="kiosk"),
    path("kiosk/priority/", kiosk_priority, name="kiosk_priority"),
    path("kiosk/tickets/", kiosk_issue, name="kiosk_issue"),
    path("kiosk/check-in/", kiosk_check_in, name="kiosk_check_in"),
    path("kiosk/tickets/<str:token>/", kiosk_ticket, name="kiosk_ticket"),
    path("display/", display, name="display"),
    path("display/state/", display_state, name="display_state"),
    path("pad/", pad, name="pad"),
    path("pad/photo/", pad_photo, name="pad_photo"),
    path("tickets/<str:token>/", ticket_live, name="ticket_live"),
]
