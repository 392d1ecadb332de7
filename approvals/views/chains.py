"""Parallel approval chains (并联审批) for staff: the centre's chain list, acceptance of a whole chain at the lead
window (one form, one materials list, 一窗受理 — optionally for the ticket being served), and the chain page —
every step as a card in graph order with its department, state and clock, the chain's elapsed working days
against the sum of the statutory limits, and the actions: a department reports a missing-material finding on
its own step or decides it; the lead department merges every finding into one notice, records the applicant's
resubmission, and decides after a refused step.

Each action is one POST that calls one service and redirects back with a Chinese message; a refusal shows the
page again with the service's Chinese message next to the action and nothing changed. Reads are scoped in
approvals.chain_selectors: staff see the chains of their centres, supervisors read only."""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.errors import DomainError
from common.masking import mask_id_number, mask_name, mask_phone

from .. import case_selectors, chain_selectors
from ..chain_forms import (
    DEFICIENT,
    PROVIDED,
    ChainAcceptForm,
    FindingForm,
    IssueNoticeForm,
    LeadDecideForm,
    ResubmitForm,
)
from ..forms import DecideForm, first_form_error
from ..models import Application, Chain, ChainStep
from ..services import cases, chain_notices, chains
from .staff import staff_required

MAX_ID = 2**31 - 1
PAGE_SIZE = 25


def _int_param(value) -> int | None:
    value = (value or "").strip()
    if value.isdigit() and 0 < len(value) <= 10 and int(value) <= MAX_ID:
        return int(value)
    return None


# --- the list -------------------------------------------------------------------------------------------


@require_GET
@staff_required(chain_selectors.is_chain_reader)
def chain_list(request):
    status = (request.GET.get("status") or "").strip()
    if status not in Chain.Status.values:
        status = ""
    rows = chain_selectors.chains_for_actor(actor=request.user)
    if status:
        rows = rows.filter(status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(_int_param(request.GET.get("page")) or 1)
    today = timezone.localdate()
    entries = [
        {
            "chain": chain,
            "applicant": mask_name(chain.applicant_name),
            "elapsed": chain_selectors.chain_elapsed_days(chain, today=today),
        }
        for chain in page.object_list
    ]
    context = {
        "page": page,
        "entries": entries,
        "status": status,
        "statuses": Chain.Status.choices,
        "summary": chain_selectors.chain_speed_for_actor(actor=request.user, today=today),
        "may_accept": chain_selectors.may_accept_chains(request.user),
    }
    return render(request, "approvals/chains/list.html", context)


# --- acceptance at the lead window ----------------------------------------------------------------------


def _ticket_initial(ticket) -> dict:
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
@staff_required(chain_selectors.may_accept_chains)
def chain_accept(request):
    source = request.POST if request.method == "POST" else request.GET
    template_id = _int_param(source.get("template"))
    ticket_id = _int_param(source.get("ticket"))
    ticket = case_selectors.serving_ticket_for_clerk(actor=request.user, ticket_id=ticket_id) if ticket_id else None
    templates = list(chain_selectors.chain_templates_for_actor(actor=request.user))
    template = next((t for t in templates if t.pk == template_id), None)
    materials = chain_selectors.chain_materials(template) if template else []
    initial = {"applicant_kind": Application.ApplicantKind.ENTERPRISE, **_ticket_initial(ticket)}
    if template:
        initial["template"] = template.pk
    form = ChainAcceptForm(request.POST if request.method == "POST" else None, initial=initial, materials=materials)
    if request.method == "POST":
        if template is None:
            form.is_valid()
            form.add_error(None, _("请先选择本中心启用的并联审批模板。"))
        elif form.is_valid():
            data = form.cleaned_data
            try:
                chain = chains.chain_accept(
                    actor=request.user,
                    template_id=template.pk,
                    **form.applicant(),
                    provided_material_ids=form.chosen(PROVIDED),
                    deficient_material_ids=form.chosen(DEFICIENT),
                    commitment_deadline=data["commitment_deadline"],
                    ticket_id=data.get("ticket"),
                    comment=data["comment"],
                )
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(
                    request,
                    _("已受理“%(name)s”并联审批，查询码 %(code)s，共 %(steps)d 个环节，"
                      "承诺 %(days)d 个工作日内全部办结。")
                    % {"name": template.name, "code": chain.tracking_code, "steps": len(template.steps.all()),
                       "days": template.promised_days},
                )
                return HttpResponseRedirect(reverse("chain_detail", args=[chain.pk]))
    context = {
        "templates": templates,
        "template": template,
        "template_steps": _template_steps(template) if template else [],
        "materials": materials,
        "any_deficiency": any(line.deficiency_allowed for line in materials),
        "ticket": ticket,
        "ticket_refused": ticket_id is not None and ticket is None,
        "form": form,
    }
    return render(request, "approvals/chains/accept.html", context, status=400 if form.errors else 200)


def _template_steps(template) -> list[dict]:
    steps = list(template.steps.all())
    graph = {s.key: [d.key for d in s.depends_on.all()] for s in steps}
    depths = chain_selectors.step_depths(graph)
    names = {s.key: s.matter.name for s in steps}
    return [
        {"step": s, "depth": depths[s.key], "after": [names[k] for k in graph[s.key]]}
        for s in sorted(steps, key=lambda s: (depths[s.key], s.position))
    ]


# --- the chain page ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepPanel:
    card: chain_selectors.StepCard
    finding_form: forms.Form | None
    decide_form: forms.Form | None
    failed: str  # "finding" / "decide" when this card's action was refused
    error: str


def _chain_or_404(request, chain_id: int) -> Chain:
    chain = chain_selectors.chain_for_actor(actor=request.user, chain_id=chain_id)
    if chain is None:
        raise Http404(_("并联审批件不存在。"))
    return chain


def _render_chain(request, chain: Chain, *, failed: str = "", failed_form=None, failed_step: int | None = None,
                  error: str = "", status: int = 200):
    overview = chain_selectors.chain_overview(actor=request.user, chain=chain)
    panels = []
    for card in overview.steps:
        mine = failed_step == card.step.pk
        ids = _step_ids(card.step)
        finding = FindingForm(materials=card.materials, auto_id=ids) if card.may_report_finding else None
        decide = DecideForm(auto_id=ids) if card.may_decide else None
        if mine and failed == "finding":
            finding = failed_form
        if mine and failed == "decide":
            decide = failed_form
        panels.append(StepPanel(card, finding, decide, failed if mine else "", error if mine else ""))
    by_step = {panel.card.step.pk: panel for panel in panels}
    chain_forms = {
        "issue_notice": IssueNoticeForm(),
        "resubmit": ResubmitForm(materials=overview.resubmit_materials),
        "lead_decide": LeadDecideForm(),
    }
    if failed and failed_step is None and failed_form is not None:
        chain_forms[failed.replace("-", "_")] = failed_form
    first = overview.steps[0].application if overview.steps else None
    context = {
        "overview": overview,
        "chain": chain,
        "report": overview.report,
        "columns": [[by_step[card.step.pk] for card in column] for column in overview.columns],
        "forms": chain_forms,
        "failed": failed.replace("-", "_") if failed_step is None else "",
        "error": error if failed_step is None else "",
        "step_error": error if failed_step is not None else "",
        "masked_id": mask_id_number(first.id_number or first.credit_code) if first else "",
        "masked_phone": mask_phone(first.contact_phone) if first else "",
        "refused": [card for card in overview.steps if card.state == "refused"],
        "track_path": f"/track/{chain.tracking_code}/",
    }
    return render(request, "approvals/chains/detail.html", context, status=status)


@require_GET
@staff_required(chain_selectors.is_chain_reader)
def chain_detail(request, chain_id: int):
    return _render_chain(request, _chain_or_404(request, chain_id))


def _issue_notice(actor, chain, data) -> str:
    notice = chain_notices.chain_issue_notice(chain_id=chain.pk, actor=actor, note=data["note"])
    return _("已出具并联审批一次性告知书（共 %(count)d 项），各环节同时停止计时，已通知申请人。") % {
        "count": notice.items.count()
    }


def _resubmit(actor, chain, data) -> str:
    chain_notices.chain_resubmit(chain_id=chain.pk, actor=actor, provided_material_ids=data["provided"])
    return _("已登记补正材料，各环节恢复计时，办结日期已相应顺延。")


def _lead_decide(actor, chain, data) -> str:
    decided = chains.chain_lead_decide(chain_id=chain.pk, actor=actor, decision=data["decision"],
                                       comment=data["comment"])
    if decided.status == Chain.Status.WITHDRAWN:
        return _("主办部门决定终止办理，各在办环节已停止。")
    return _("主办部门决定继续办理，其余环节继续进行。")


CHAIN_ACTIONS = {
    "issue-notice": (_issue_notice, lambda data, overview: IssueNoticeForm(data)),
    "resubmit": (_resubmit, lambda data, overview: ResubmitForm(data, materials=overview.resubmit_materials)),
    "lead-decide": (_lead_decide, lambda data, overview: LeadDecideForm(data)),
}


@require_POST
@staff_required(chain_selectors.is_chain_reader)
def chain_action(request, chain_id: int, action: str):
    chain = _chain_or_404(request, chain_id)
    spec = CHAIN_ACTIONS.get(action)
    if spec is None:
        raise Http404(_("没有这个操作。"))
    run, build = spec
    overview = chain_selectors.chain_overview(actor=request.user, chain=chain) if action == "resubmit" else None
    form = build(request.POST, overview)
    if not form.is_valid():
        return _render_chain(request, chain, failed=action, failed_form=form, error=first_form_error(form), status=400)
    try:
        text = run(request.user, chain, form.cleaned_data)
    except DomainError as exc:
        form.add_domain_error(exc)
        return _render_chain(request, _chain_or_404(request, chain_id), failed=action, failed_form=form,
                             error=str(exc.message), status=exc.status_code)
    messages.success(request, text)
    return HttpResponseRedirect(reverse("chain_detail", args=[chain.pk]))


def _report_finding(actor, chain, step, data) -> str:
    chain_notices.chain_step_report_finding(step_id=step.pk, actor=actor, material_id=data["material"],
                                            problem=data["problem"])
    return _("已登记补正意见，等待主办窗口合并为一次性告知。")


def _decide_step(actor, chain, step, data) -> str:
    started_before = set(ChainStep.objects.filter(chain=chain, started=True).values_list("pk", flat=True))
    decided = cases.case_decide(application_id=step.application_id, actor=actor, outcome=data["outcome"],
                                comment=data["comment"])
    text = _("本环节已办结：%(outcome)s。") % {"outcome": decided.get_outcome_display()}
    chain.refresh_from_db(fields=["status"])
    started = (
        ChainStep.objects.filter(chain=chain, started=True)
        .exclude(pk__in=started_before)
        .select_related("application__matter")
        .order_by("template_step__position")
    )
    names = [s.application.matter.name for s in started]
    if chain.status == Chain.Status.COMPLETED:
        text += _("并联审批全部办结。")
    elif chain.status == Chain.Status.STOPPED:
        text += _("并联审批已中止，等待主办部门决定。")
    elif names:
        text += _("后续环节已开始办理：%(names)s。") % {"names": "、".join(names)}
    return text


def _step_ids(step: ChainStep) -> str:
    """Each card has its own forms: their fields get ids of their own."""
    return f"id_step{step.pk}_%s"


def _finding_form(data, step: ChainStep) -> FindingForm:
    return FindingForm(data, materials=step.application.matter.materials.all(), auto_id=_step_ids(step))


STEP_ACTIONS = {
    "finding": (_report_finding, _finding_form),
    "decide": (_decide_step, lambda data, step: DecideForm(data, auto_id=_step_ids(step))),
}


@require_POST
@staff_required(chain_selectors.is_chain_reader)
def chain_step_action(request, chain_id: int, step_id: int, action: str):
    chain = _chain_or_404(request, chain_id)
    spec = STEP_ACTIONS.get(action)
    step = ChainStep.objects.filter(chain=chain, pk=step_id).select_related("application").first()
    if spec is None or step is None:
        raise Http404(_("没有这个操作。"))
    run, build = spec
    form = build(request.POST, step)
    if not form.is_valid():
        return _render_chain(request, chain, failed=action, failed_form=form, failed_step=step.pk,
                             error=first_form_error(form), status=400)
    try:
        text = run(request.user, chain, step, form.cleaned_data)
    except DomainError as exc:
        form.add_domain_error(exc)
        return _render_chain(request, _chain_or_404(request, chain_id), failed=action, failed_form=form,
                             failed_step=step.pk, error=str(exc.message), status=exc.status_code)
    messages.success(request, text)
    return HttpResponseRedirect(reverse("chain_detail", args=[chain.pk]) + f"#step-{step.pk}")


@require_GET
@staff_required(chain_selectors.is_chain_reader)
def chain_notice(request, chain_id: int):
    chain = _chain_or_404(request, chain_id)
    overview = chain_selectors.chain_overview(actor=request.user, chain=chain)
    wanted = _int_param(request.GET.get("notice"))
    notice = next((n for n in overview.notices if wanted is None or n.pk == wanted), None)
    if notice is None:
        raise Http404(_("该并联审批件没有一次性告知书。"))
    return render(request, "approvals/chains/notice_print.html",
                  {"chain": chain, "notice": notice, "items": list(notice.items.all()), "overview": overview})


urlpatterns = [
    path("chains/", chain_list, name="chain_list"),
    path("chains/accept/", chain_accept, name="chain_accept"),
    path("chains/<int:chain_id>/", chain_detail, name="chain_detail"),
    path("chains/<int:chain_id>/notice/", chain_notice, name="chain_notice"),
    path("chains/<int:chain_id>/actions/<slug:action>/", chain_action, name="chain_action"),
    path("chains/<int:chain_id>/steps/<int:step_id>/<slug:action>/", chain_step_action, name="chain_step_action"),
]
