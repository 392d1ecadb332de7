"""Staff pages of approvals: acceptance at the window (一窗受理, optionally for the ticket being served), the
pre-review list of online submissions with their Art. 32 deadlines, and the case page with every action the
actor may take in the case's state.

Each action is one POST that calls one service and redirects back with a Chinese message. A refusal shows the
page again with the service's Chinese message next to the action, the typed values kept, and nothing changed.
Reads are scoped in approvals.case_selectors: staff see the cases of their centres, supervisors read only."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.errors import DomainError
from common.masking import mask_id_number, mask_phone

from .. import case_pages as pages
from .. import case_selectors as selectors
from ..forms import (
    CommentForm,
    CorrectionForm,
    DecideForm,
    DeliverForm,
    ExtensionForm,
    OnlineAcceptForm,
    ReasonForm,
    RejectForm,
    ServiceForm,
    SuspendForm,
    WindowAcceptForm,
    first_form_error,
)
from ..models import Application
from ..services import cases, intake, transitions

MAX_ID = 2**31 - 1


def staff_required(predicate):
    """Signed-in staff that `predicate` accepts; visitors go to the login page, others get a page that says so."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not predicate(request.user):
                return render(request, "approvals/staff/staff_only.html", status=403)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _int_param(value) -> int | None:
    value = (value or "").strip()
    if value.isdigit() and 0 < len(value) <= 10 and int(value) <= MAX_ID:
        return int(value)
    return None


def _masked(application: Application) -> dict:
    return {
        "masked_id": mask_id_number(application.id_number or application.credit_code),
        "masked_phone": mask_phone(application.contact_phone),
    }


# --- acceptance at the window ------------------------------------------------------------------------


def _ticket_initial(ticket) -> dict:
    """Prefill from the ticket being served: its holder, phone and matter, or the citizen's account."""
    if ticket is None:
        return {}
    initial = {"ticket": ticket.pk, "applicant_name": ticket.holder_name, "contact_phone": ticket.phone}
    citizen = ticket.citizen
    if citizen is not None:
        enterprise = citizen.applicant_kind == Application.ApplicantKind.ENTERPRISE
        initial |= {
            "applicant_kind": citizen.applicant_kind,
            "applicant_name": (citizen.enterprise_name if enterprise else citizen.real_name) or ticket.holder_name,
            "id_number": citizen.id_number,
            "credit_code": citizen.credit_code,
            "contact_phone": citizen.phone or ticket.phone,
        }
    return {k: v for k, v in initial.items() if v}


@require_http_methods(["GET", "POST"])
@staff_required(selectors.may_accept_cases)
def case_accept_window(request):
    source = request.POST if request.method == "POST" else request.GET
    matter_id = _int_param(source.get("matter"))
    ticket_id = _int_param(source.get("ticket"))
    ticket = selectors.serving_ticket_for_clerk(actor=request.user, ticket_id=ticket_id) if ticket_id else None
    if matter_id is None and ticket is not None and ticket.matter_id:
        matter_id = ticket.matter_id
    matter = selectors.window_matter(actor=request.user, matter_id=matter_id) if matter_id else None
    materials = list(matter.materials.all()) if matter else []
    initial = {"applicant_kind": Application.ApplicantKind.PERSON, **_ticket_initial(ticket)}
    if matter:
        initial["matter"] = matter.pk
    form = WindowAcceptForm(request.POST if request.method == "POST" else None, initial=initial)
    form.set_materials(materials)
    if request.method == "POST":
        if matter is None:
            form.is_valid()
            form.add_error(None, _("请先选择本中心已发布的事项。"))
        elif form.is_valid():
            data = form.cleaned_data
            try:
                application = intake.application_accept_at_window(
                    actor=request.user,
                    matter_id=matter.pk,
                    **form.applicant(),
                    provided_material_ids=data["provided"],
                    deficient_material_ids=data["deficient"],
                    commitment_deadline=data["commitment_deadline"],
                    ticket_id=data.get("ticket"),
                    comment=data["comment"],
                )
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                if application.status == Application.Status.COMPLETED:
                    text = _("即办件已受理并当场办结，查询码 %(code)s。")
                else:
                    text = _("已受理，查询码 %(code)s，承诺 %(due)s 前办结。")
                messages.success(
                    request, text % {"code": application.tracking_code, "due": f"{application.promised_due:%Y-%m-%d}"}
                )
                return HttpResponseRedirect(reverse("case_detail", args=[application.pk]))
    context = {
        "matters": list(selectors.window_matters(actor=request.user)),
        "matter": matter,
        "materials": materials,
        "ticket": ticket,
        "ticket_refused": ticket_id is not None and ticket is None,
        "form": form,
    }
    return render(request, "approvals/staff/accept_window.html", context, status=400 if form.errors else 200)


# --- pre-review ------------------------------------------------------------------------------------------


@require_GET
@staff_required(selectors.may_accept_cases)
def case_prereview(request):
    rows = pages.case_rows(selectors.prereview_queue(actor=request.user)[:200])
    return render(request, "approvals/staff/prereview.html", {"rows": rows})


# --- the case page and its actions -----------------------------------------------------------------------


Outcome = str


def _accept_online(actor, application, data, form) -> Outcome:
    accepted = intake.application_accept_online(
        application_id=application.pk,
        actor=actor,
        deficient_material_ids=data["deficient"],
        commitment_deadline=data["commitment_deadline"],
        comment=data["comment"],
    )
    if accepted.deemed_accepted:
        return _("已受理。该申请超过5个工作日未答复，依法自收到之日起视为受理。")
    if accepted.status == Application.Status.COMPLETED:
        return _("即办件已受理并办结。")
    return _("已受理，承诺 %(due)s 前办结。") % {"due": f"{accepted.promised_due:%Y-%m-%d}"}


def _request_correction(actor, application, data, form) -> Outcome:
    notice = intake.application_request_correction(
        application_id=application.pk, actor=actor, items=form.items(), note=data["note"]
    )
    return _("已出具一次性告知书（共 %(count)d 项），已通知申请人补正，补正期间暂停计时。") % {
        "count": notice.items.count()
    }


def _reject(actor, application, data, form) -> Outcome:
    transitions.application_reject_acceptance(application_id=application.pk, actor=actor, reason=data["reason"])
    return _("已作出不予受理决定，理由已告知申请人。")


def _start_review(actor, application, data, form) -> Outcome:
    transitions.application_start_review(application_id=application.pk, actor=actor, comment=data["comment"])
    return _("已进入审核环节。")


def _submit_for_approval(actor, application, data, form) -> Outcome:
    transitions.application_submit_for_approval(application_id=application.pk, actor=actor, comment=data["comment"])
    return _("已报送审批。")


def _return(actor, application, data, form) -> Outcome:
    transitions.application_return(application_id=application.pk, actor=actor, reason=data["reason"])
    return _("已退回上一环节。")


def _decide(actor, application, data, form) -> Outcome:
    done = cases.case_decide(
        application_id=application.pk, actor=actor, outcome=data["outcome"], comment=data["comment"]
    )
    text = _("已办结：%(outcome)s。") % {"outcome": done.get_outcome_display()}
    if done.early_completion:
        text += _("提前办结。")
    return text


def _suspend(actor, application, data, form) -> Outcome:
    transitions.application_suspend(
        application_id=application.pk, actor=actor, kind=data["kind"], reason=data["reason"]
    )
    return _("已进入特别程序，停止计时，并已书面告知申请人。")


def _resume(actor, application, data, form) -> Outcome:
    resumed = transitions.application_resume(application_id=application.pk, actor=actor, comment=data["comment"])
    return _("已恢复办理，承诺办结日期顺延至 %(due)s。") % {"due": f"{resumed.promised_due:%Y-%m-%d}"}


def _request_extension(actor, application, data, form) -> Outcome:
    extension = transitions.application_request_extension(
        application_id=application.pk, actor=actor, days=data["days"], reason=data["reason"]
    )
    return _("已提交延期申请（%(days)d个工作日），待部门负责人批准。") % {"days": extension.days}


def _approve_extension(actor, application, data, form) -> Outcome:
    extended = transitions.application_approve_extension(application_id=application.pk, actor=actor)
    return _("已批准延期，法定办结日期为 %(due)s，延期理由已告知申请人。") % {
        "due": f"{extended.statutory_due:%Y-%m-%d}"
    }


def _fulfil_deficiency(actor, application, data, form) -> Outcome:
    intake.deficiency_fulfil(application_id=application.pk, actor=actor)
    return _("容缺材料已补齐，办结后可出件。")


def _deliver(actor, application, data, form) -> Outcome:
    delivered = transitions.application_deliver(
        application_id=application.pk,
        actor=actor,
        method=data["method"],
        mail_tracking_number=data["mail_tracking_number"],
    )
    return _("已出件：%(method)s。") % {"method": delivered.get_delivery_method_display()}


class _NoInput(ServiceForm):
    pass


FormBuilder = Callable[[object, Application], forms.Form]


@dataclass(frozen=True)
class Action:
    run: Callable[..., Outcome]
    form: FormBuilder


def _plain(form_class: type[forms.Form]) -> FormBuilder:
    return lambda data, application: form_class(data)


def _online_accept_form(data, application):
    form = OnlineAcceptForm(data)
    form.set_materials(application.matter.materials.all(), provided=False)
    return form


def _correction_form(data, application):
    return CorrectionForm(data, materials=application.matter.materials.all())


ACTIONS: dict[str, Action] = {
    "accept-online": Action(_accept_online, _online_accept_form),
    "request-correction": Action(_request_correction, _correction_form),
    "reject": Action(_reject, _plain(RejectForm)),
    "start-review": Action(_start_review, _plain(CommentForm)),
    "submit-for-approval": Action(_submit_for_approval, _plain(CommentForm)),
    "return": Action(_return, _plain(ReasonForm)),
    "decide": Action(_decide, _plain(DecideForm)),
    "suspend": Action(_suspend, _plain(SuspendForm)),
    "resume": Action(_resume, _plain(CommentForm)),
    "request-extension": Action(_request_extension, _plain(ExtensionForm)),
    "approve-extension": Action(_approve_extension, _plain(_NoInput)),
    "fulfil-deficiency": Action(_fulfil_deficiency, _plain(_NoInput)),
    "deliver": Action(_deliver, _plain(DeliverForm)),
}


def _build_form(name: str, application: Application, data=None) -> forms.Form:
    return ACTIONS[name].form(data, application)


def _case_or_404(request, application_id: int) -> Application:
    application = selectors.application_for_staff(actor=request.user, application_id=application_id)
    if application is None:
        raise Http404(_("办件不存在。"))
    return application


def _render_case(request, application: Application, *, failed: str = "", failed_form=None, error: str = "",
                 status: int = 200):
    view = pages.case_view(application, actor=request.user)
    action_forms = {name: _build_form(name, application) for name in view.actions}
    if failed and failed_form is not None:
        action_forms[failed] = failed_form
    context = {
        "case": view,
        "application": application,
        "forms": {name.replace("-", "_"): form for name, form in action_forms.items()},
        "failed": failed.replace("-", "_"),
        "error": error,
        "track_path": f"/track/{application.tracking_code}/",
        **_masked(application),
    }
    return render(request, "approvals/staff/case_detail.html", context, status=status)


@require_GET
@staff_required(selectors.is_case_staff)
def case_detail(request, application_id: int):
    return _render_case(request, _case_or_404(request, application_id))


@require_POST
@staff_required(selectors.is_case_staff)
def case_action(request, application_id: int, action: str):
    application = _case_or_404(request, application_id)
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404(_("没有这个操作。"))
    form = _build_form(action, application, request.POST)
    if action == "request-correction" and request.POST.get("add_row"):
        # "添加一项" without JavaScript: show the notice form again with one more empty row.
        form.is_valid()
        form.errors.clear()
        return _render_case(request, application, failed=action, failed_form=form)
    if not form.is_valid():
        return _render_case(request, application, failed=action, failed_form=form, error=first_form_error(form),
                            status=400)
    try:
        text = spec.run(request.user, application, form.cleaned_data, form)
    except DomainError as exc:
        form.add_domain_error(exc)
        application = _case_or_404(request, application_id)
        return _render_case(request, application, failed=action, failed_form=form, error=str(exc.message),
                            status=exc.status_code)
    messages.success(request, text)
    return HttpResponseRedirect(reverse("case_detail", args=[application.pk]))


@require_GET
@staff_required(selectors.is_case_staff)
def case_notice(request, application_id: int):
    application = _case_or_404(request, application_id)
    notice = pages.latest_notice(application, notice_id=_int_param(request.GET.get("notice")))
    if notice is None:
        raise Http404(_("该办件没有一次性告知书。"))
    return render(
        request,
        "approvals/citizen/notice_print.html",
        {"application": application, "notice": notice, "items": list(notice.items.all()), "staff_copy": True,
         **_masked(application)},
    )


urlpatterns = [
    path("cases/accept/", case_accept_window, name="case_accept_window"),
    path("cases/pre-review/", case_prereview, name="case_prereview"),
    path("cases/<int:application_id>/", case_detail, name="case_detail"),
    path("cases/<int:application_id>/notice/", case_notice, name="case_notice"),
    path("cases/<int:application_id>/actions/<slug:action>/", case_action, name="case_action"),
]
