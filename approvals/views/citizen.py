"""Citizen pages of approvals: apply online (a form → a draft → the materials with an upload each → 提交预审),
"my applications", the case page (status, due date and remaining working days, the one-time notice with
replacements to upload and 补正后重新提交, withdrawal with confirmation, the tracking code) and the printable notice.

Each POST calls one service and redirects with a Chinese message; a refusal shows the service's message and
changes nothing. A case that is not the visitor's own is a 404, like one that does not exist."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.errors import DomainError
from common.masking import mask_id_number, mask_phone

from .. import case_pages as pages
from .. import case_selectors as selectors
from ..forms import ApplicantForm, UploadForm, WithdrawForm, applicant_initial, first_form_error
from ..models import Application
from ..services import intake, transitions

PAGE_SIZE = 20
Status = Application.Status


def citizen_required(view):
    """Signed-in citizens only: visitors go to the login page, staff accounts get a page that says so."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not selectors.is_citizen(request.user):
            return render(request, "approvals/citizen/citizen_only.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _own_case(request, application_id: int) -> Application:
    application = selectors.application_for_citizen(actor=request.user, application_id=application_id)
    if application is None:
        raise Http404(_("该申请不存在。"))
    return application


def _case_url(application: Application) -> str:
    if application.status == Status.DRAFT:
        return reverse("apply_materials", args=[application.pk])
    return reverse("my_application", args=[application.pk])


# --- apply online ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@citizen_required
def apply_start(request, matter_id: int):
    matter = selectors.online_matter(matter_id=matter_id)
    if matter is None:
        return render(request, "approvals/citizen/apply_unavailable.html", {"matter_id": matter_id}, status=404)
    if request.method == "POST":
        form = ApplicantForm(request.POST)
        if form.is_valid():
            try:
                draft = intake.application_create_draft(
                    actor=request.user, matter_id=matter.pk, **form.applicant()
                )
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(request, _("申请已保存为草稿，请逐项上传申请材料，然后提交预审。"))
                return HttpResponseRedirect(reverse("apply_materials", args=[draft.pk]))
    else:
        form = ApplicantForm(initial=applicant_initial(request.user))
    status = 400 if form.errors else 200
    return render(
        request,
        "approvals/citizen/apply_start.html",
        {"matter": matter, "materials": list(matter.materials.all()), "form": form, "step": 1},
        status=status,
    )


@require_GET
@citizen_required
def apply_materials(request, application_id: int):
    application = _own_case(request, application_id)
    if application.status != Status.DRAFT:
        return HttpResponseRedirect(reverse("my_application", args=[application.pk]))
    view = pages.case_view(application, actor=request.user)
    missing = [line.material for line in view.materials if line.material.required and not line.files]
    return render(
        request,
        "approvals/citizen/apply_materials.html",
        {"case": view, "application": application, "missing": missing, "step": 2, **_masked(application)},
    )


def _masked(application: Application) -> dict:
    return {
        "masked_id": mask_id_number(application.id_number or application.credit_code),
        "masked_phone": mask_phone(application.contact_phone),
    }


@require_POST
@citizen_required
def my_application_upload(request, application_id: int):
    application = _own_case(request, application_id)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _material_prefix(application, form.data.get("material")) + first_form_error(form))
        return HttpResponseRedirect(_case_url(application))
    material_id = form.cleaned_data["material"]
    try:
        uploaded = intake.application_attach_file(
            application_id=application.pk,
            actor=request.user,
            material_id=material_id,
            uploaded_file=form.cleaned_data["file"],
        )
    except DomainError as exc:
        messages.error(request, _material_prefix(application, material_id) + str(exc.message))
    else:
        messages.success(
            request, _("已上传“%(name)s”（%(material)s）。") % {
                "name": uploaded.original_name, "material": uploaded.material.name,
            }
        )
    return HttpResponseRedirect(_case_url(application))


def _material_prefix(application: Application, material_id) -> str:
    """“营业执照”： before an upload refusal, so the applicant knows which row it concerns."""
    for material in application.matter.materials.all():
        if str(material.pk) == str(material_id):
            return _("“%(material)s”：") % {"material": material.name}
    return ""


@require_POST
@citizen_required
def my_application_submit(request, application_id: int):
    application = _own_case(request, application_id)
    try:
        submitted = transitions.application_submit(application_id=application.pk, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return HttpResponseRedirect(_case_url(application))
    messages.success(
        request,
        _("已提交预审。中心将在 %(due)s 前答复（受理、一次性告知补正或不予受理），进度会以短信告知。")
        % {"due": f"{submitted.online_answer_due:%Y-%m-%d}"},
    )
    return HttpResponseRedirect(reverse("my_application", args=[application.pk]))


# --- my applications ------------------------------------------------------------------------------


@require_GET
@citizen_required
def my_applications(request):
    page = Paginator(selectors.applications_for_citizen(actor=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "approvals/citizen/my_applications.html",
        {"page": page, "rows": pages.case_rows(page.object_list)},
    )


@require_GET
@citizen_required
def my_application(request, application_id: int):
    application = _own_case(request, application_id)
    view = pages.case_view(application, actor=request.user)
    return render(
        request,
        "approvals/citizen/application_detail.html",
        {
            "case": view,
            "application": application,
            "track_path": f"/track/{application.tracking_code}/",
            **_masked(application),
        },
    )


@require_POST
@citizen_required
def my_application_resubmit(request, application_id: int):
    application = _own_case(request, application_id)
    try:
        resubmitted = intake.application_resubmit(application_id=application.pk, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("补正材料已重新提交，中心将在 %(due)s 前答复。")
            % {"due": f"{resubmitted.online_answer_due:%Y-%m-%d}"},
        )
    return HttpResponseRedirect(reverse("my_application", args=[application.pk]))


@require_http_methods(["GET", "POST"])
@citizen_required
def my_application_withdraw(request, application_id: int):
    application = _own_case(request, application_id)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            transitions.application_withdraw(
                application_id=application.pk, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("申请已撤回。"))
            return HttpResponseRedirect(reverse("my_application", args=[application.pk]))
    return render(
        request,
        "approvals/citizen/withdraw.html",
        {"application": application, "form": form, "can_withdraw": application.can_move_to(Status.WITHDRAWN)},
        status=400 if form.errors else 200,
    )


@require_GET
@citizen_required
def my_application_notice(request, application_id: int):
    application = _own_case(request, application_id)
    notice = pages.latest_notice(application)
    if notice is None:
        raise Http404(_("该申请没有一次性告知书。"))
    return render(
        request,
        "approvals/citizen/notice_print.html",
        {"application": application, "notice": notice, "items": list(notice.items.all()), **_masked(application)},
    )


urlpatterns = [
    path("apply/<int:matter_id>/", apply_start, name="apply_start"),
    path("my/applications/", my_applications, name="my_applications"),
    path("my/applications/<int:application_id>/", my_application, name="my_application"),
    path("my/applications/<int:application_id>/materials/", apply_materials, name="apply_materials"),
    path("my/applications/<int:application_id>/files/", my_application_upload, name="my_application_upload"),
    path("my/applications/<int:application_id>/submit/", my_application_submit, name="my_application_submit"),
    path("my/applications/<int:application_id>/resubmit/", my_application_resubmit, name="my_application_resubmit"),
    path("my/applications/<int:application_id>/withdraw/", my_application_withdraw, name="my_application_withdraw"),
    path("my/applications/<int:application_id>/notice/", my_application_notice, name="my_application_notice"),
]
