"""Citizen pages of the queue: the queue home (waiting figures, remote ticket), booking an appointment,
the booking's confirmation, and "my tickets and bookings" with live positions.

Forms check shape only; the rules and their Chinese messages come from hall.services.citizen_queue
and hall.services.appointments, and a refusal is shown on the page with nothing changed."""
import datetime as dt
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.errors import DomainError
from common.masking import mask_phone

from .. import citizen_queue_selectors as selectors
from ..services.appointments import appointment_book
from ..services.citizen_queue import citizen_appointment_cancel, citizen_ticket_cancel, remote_ticket_issue

MAX_ID = 2**31 - 1
QUERY_MAX_LENGTH = 100
WEEKDAYS = (
    gettext_lazy("周一"),
    gettext_lazy("周二"),
    gettext_lazy("周三"),
    gettext_lazy("周四"),
    gettext_lazy("周五"),
    gettext_lazy("周六"),
    gettext_lazy("周日"),
)


def _id_field(**kwargs):
    return forms.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def citizen_required(view):
    """Signed-in citizens only. Visitors go to the login page (htmx polls are told to go there);
    staff accounts get a page that says this is for citizens."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            if request.htmx:
                response = HttpResponse(status=204)
                response["HX-Redirect"] = f"{reverse('login')}?next={reverse('my_queue')}"
                return response
            return redirect_to_login(request.get_full_path())
        if not user.is_citizen:
            return render(request, "hall/queue/citizen_only.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


# --- queue home ------------------------------------------------------------------------------------


class CentreForm(forms.Form):
    centre = _id_field(required=False)


@require_GET
def queue_home(request):
    centres = list(selectors.queue_centres())
    form = CentreForm(request.GET)
    wanted = form.cleaned_data.get("centre") if form.is_valid() else None
    centre = next((c for c in centres if c.pk == wanted), centres[0] if centres else None)
    context = {"centres": centres, "centre": centre}
    if centre is not None:
        context |= {
            "open_status": selectors.centre_open_status(centre),
            "categories": selectors.centre_queue_overview(centre.pk),
        }
    return render(request, "hall/queue/home.html", context)


class RemoteTicketForm(forms.Form):
    category = _id_field(error_messages={"required": gettext_lazy("请选择业务类别。")})
    centre = _id_field(required=False)


@require_POST
@citizen_required
def queue_remote_ticket(request):
    form = RemoteTicketForm(request.POST)
    back = reverse("queue_home")
    if not form.is_valid():
        messages.error(request, _("请选择要取号的业务类别。"))
        return HttpResponseRedirect(back)
    if form.cleaned_data.get("centre"):
        back = f"{back}?centre={form.cleaned_data['centre']}"
    try:
        ticket = remote_ticket_issue(citizen=request.user, category_id=form.cleaned_data["category"])
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return HttpResponseRedirect(back)
    messages.success(
        request,
        _("取号成功：%(number)s 号（%(category)s）。请留意叫号，本页会自动刷新排队进度。")
        % {"number": ticket.number, "category": ticket.category.name},
    )
    return HttpResponseRedirect(reverse("my_queue"))


# --- booking ---------------------------------------------------------------------------------------


class BookingChoiceForm(forms.Form):
    """The GET parameters of the booking page. An invalid value is ignored, never an error page."""

    q = forms.CharField(required=False, strip=True)
    matter = _id_field(required=False)
    date = forms.DateField(required=False, input_formats=["%Y-%m-%d"])

    def choice(self, name):
        self.is_valid()
        return self.cleaned_data.get(name)


class BookingForm(forms.Form):
    matter = _id_field(error_messages={"required": gettext_lazy("请选择预约事项。")})
    slot = _id_field(error_messages={"required": gettext_lazy("请选择预约时段。")})
    phone = forms.CharField(
        label=gettext_lazy("其他手机号"),
        required=False,
        max_length=11,
        strip=True,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel", "maxlength": 11}),
    )

    def add_domain_error(self, exc: DomainError) -> None:
        field = exc.field if exc.field in self.fields else None
        self.add_error(field, str(exc.message))


def _day_label(day: dt.date, today: dt.date) -> str:
    if day == today:
        return _("今天")
    if day == today + dt.timedelta(days=1):
        return _("明天")
    return str(WEEKDAYS[day.weekday()])


def _booking_context(request, *, matter_id, day, query, form=None) -> dict:
    today = timezone.localdate()
    matter = selectors.bookable_matter(matter_id) if matter_id else None
    context = {
        "query": (query or "")[:QUERY_MAX_LENGTH],
        "matter": matter,
        "unknown_matter": bool(matter_id) and matter is None,
        "form": form or BookingForm(),
        "masked_phone": mask_phone(request.user.phone),
        "today": today,
    }
    if matter is None:
        context["matters"] = selectors.bookable_matters(query=context["query"])
        return context
    policy = selectors.policy_for_centre(matter.centre_id)
    days = selectors.booking_days(matter, policy=policy)
    chosen = next((d for d in days if d.date == day), None) or next((d for d in days if not d.is_full), None)
    first, last = selectors.booking_window(policy, today=today)
    slots = selectors.booking_slots(matter, chosen.date, policy=policy) if chosen else []
    context |= {
        "policy": policy,
        "days": [(d, _day_label(d.date, today)) for d in days],
        "day": chosen,
        "slots": slots,
        # The queue category under each slot only tells something when the matter is in several.
        "show_category": len({slot.category_id for slot in slots}) > 1,
        "window_last": last,
        "days_ahead": (last - first).days,
    }
    return context


@require_http_methods(["GET", "POST"])
@citizen_required
def appointment_new(request):
    if request.method == "POST":
        form = BookingForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                appointment = appointment_book(
                    citizen=request.user, slot_id=data["slot"], matter_id=data["matter"], phone=data["phone"]
                )
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(request, _("预约成功！请记好您的预约码。"))
                return HttpResponseRedirect(reverse("appointment_detail", args=[appointment.pk]))
        choice = BookingChoiceForm(request.POST)
        context = _booking_context(
            request, matter_id=choice.choice("matter"), day=choice.choice("date"), query="", form=form
        )
        return render(request, "hall/queue/appointment_new.html", context)
    choice = BookingChoiceForm(request.GET)
    context = _booking_context(
        request, matter_id=choice.choice("matter"), day=choice.choice("date"), query=choice.choice("q")
    )
    return render(request, "hall/queue/appointment_new.html", context)


@require_GET
@citizen_required
def appointment_detail(request, appointment_id: int):
    mine = selectors.citizen_appointment(request.user, appointment_id)
    if mine is None:
        raise Http404(_("预约不存在。"))
    context = {
        "mine": mine,
        "appointment": mine.appointment,
        "windows": selectors.appointment_windows(mine.appointment),
        "masked_phone": mask_phone(mine.appointment.phone),
    }
    return render(request, "hall/queue/appointment_detail.html", context)


# --- my tickets and bookings -------------------------------------------------------------------------


@require_GET
@citizen_required
def my_queue(request):
    context = {
        "tickets": selectors.citizen_tickets_today(request.user),
        "appointments": selectors.citizen_appointments(request.user),
        "updated_at": timezone.localtime(),
    }
    return render(request, "hall/queue/my_queue.html", context)


@require_GET
@citizen_required
def my_queue_tickets(request):
    """The live part of "my queue", polled by htmx every 10 seconds."""
    context = {"tickets": selectors.citizen_tickets_today(request.user), "updated_at": timezone.localtime()}
    return render(request, "hall/queue/_my_tickets.html", context)


@require_POST
@citizen_required
def my_ticket_cancel(request, ticket_id: int):
    try:
        ticket = citizen_ticket_cancel(citizen=request.user, ticket_id=ticket_id)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已取消 %(number)s 号。") % {"number": ticket.number})
    return HttpResponseRedirect(reverse("my_queue"))


@require_POST
@citizen_required
def my_appointment_cancel(request, appointment_id: int):
    try:
        appointment = citizen_appointment_cancel(citizen=request.user, appointment_id=appointment_id)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("已取消%(date)s %(time)s的预约。")
            % {"date": appointment.slot.date.strftime("%m-%d"), "time": appointment.slot.starts_at.strftime("%H:%M")},
        )
    return HttpResponseRedirect(reverse("my_queue"))


urlpatterns = [
    path("queue/", queue_home, name="queue_home"),
    path("queue/remote-ticket/", queue_remote_ticket, name="queue_remote_ticket"),
    path("appointments/new/", appointment_new, name="appointment_new"),
    path("appointments/<int:appointment_id>/", appointment_detail, name="appointment_detail"),
    path("my/queue/", my_queue, name="my_queue"),
    path("my/queue/tickets/", my_queue_tickets, name="my_queue_tickets"),
    path("my/queue/tickets/<int:ticket_id>/cancel/", my_ticket_cancel, name="my_ticket_cancel"),
    path("my/appointments/<int:appointment_id>/cancel/", my_appointment_cancel, name="my_appointment_cancel"),
]
