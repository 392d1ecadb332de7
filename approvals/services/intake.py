"""Getting a case in: at the window (from a called ticket) or online (draft → files → submit →
pre-review), the one-time notice (一次性告知) and the resubmission checked against it, and
accept-with-deficiency (容缺受理)."""

import datetime as dt
import re

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from common.checkdigits import is_valid_credit_code, is_valid_id_number, normalize_credit_code, normalize_id_number
from common.errors import InvalidTransition, NotFound, PermissionDeniedError, ValidationFailed
from hall import workdays
from hall.models import Material, Matter, Ticket

from ..locks import application_lock
from ..models import (
    Application,
    ApplicationEvent,
    ClockStop,
    CorrectionItem,
    CorrectionNotice,
    DeficiencyCommitment,
    DishonestyEntry,
    MaterialFile,
)
from .transitions import _clean_comment, _move, accept, ensure_applicant, ensure_centre_clerk, refuse_chain_step

Status = Application.Status
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
ALLOWED_FILE_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
FILE_SIGNATURES = {"pdf": (b"%PDF-",), "jpg": (b"\xff\xd8\xff",), "png": (b"\x89PNG\r\n\x1a\n",)}
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_NOTICE_ITEMS = 50


def _clean_applicant(
    *, applicant_kind: str, applicant_name: str, id_number: str, credit_code: str, contact_phone: str
) -> dict:
    name = (applicant_name or "").strip()
    if not 2 <= len(name) <= 200:
        raise ValidationFailed(_("请填写申请人名称（2至200个字）。"), field="applicant_name")
    phone = (contact_phone or "").strip()
    if not PHONE_RE.match(phone):
        raise ValidationFailed(_("请输入正确的11位手机号。"), field="contact_phone")
    if applicant_kind == Application.ApplicantKind.PERSON:
        number = normalize_id_number(id_number)
        if not is_valid_id_number(number):
            raise ValidationFailed(_("身份证号不正确（请核对位数、出生日期和校验位）。"), field="id_number")
        return {
            "applicant_kind": applicant_kind,
            "applicant_name": name,
            "id_number": number,
            "credit_code": "",
            "contact_phone": phone,
        }
    if applicant_kind == Application.ApplicantKind.ENTERPRISE:
        code = normalize_credit_code(credit_code)
        if not is_valid_credit_code(code):
            raise ValidationFailed(_("统一社会信用代码不正确（请核对校验位）。"), field="credit_code")
        return {
            "applicant_kind": applicant_kind,
            "applicant_name": name,
            "id_number": "",
            "credit_code": code,
            "contact_phone": phone,
        }
    raise ValidationFailed(_("请选择申请人类型。"), field="applicant_kind")


def _published_matter(matter_id, *, centre_id: int | None = None) -> Matter:
    qs = Matter.objects.filter(pk=matter_id, status=Matter.Status.PUBLISHED).select_related("department")
    if centre_id is not None:
        qs = qs.filter(centre_id=centre_id)
    matter = qs.first()
    if matter is None:
        raise NotFound(_("该事项不存在或未发布，不能申请（清单之外无审批）。"))
    return matter


def _is_dishonest(application: Application) -> bool:
    today = timezone.localdate()
    identity = Q(id_number=application.id_number) if application.id_number else Q(credit_code=application.credit_code)
    return (
        DishonestyEntry.objects.filter(identity, centre_id=application.centre_id)
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .exists()
    )


def _check_materials(
    application: Application, *, provided: set[int], deficient: set[int], commitment_deadline: dt.date | None
) -> None:
    """Every required material is provided, or missing under 容缺 (only where the matter allows it, with a
    signed commitment and a deadline, and never for an applicant on the dishonesty list)."""
    materials = {m.pk: m for m in application.matter.materials.all()}
    unknown = (provided | deficient) - materials.keys()
    if unknown:
        raise ValidationFailed(_("材料不属于该事项。"), field="materials")
    if provided & deficient:
        raise ValidationFailed(_("同一材料不能既已提交又容缺。"), field="materials")
    not_allowed = [materials[pk].name for pk in deficient if not materials[pk].deficiency_allowed]
    if not_allowed:
        raise ValidationFailed(_("以下材料不可容缺：%(names)s") % {"names": "、".join(not_allowed)}, field="materials")
    missing = [m.name for pk, m in materials.items() if m.required and pk not in provided | deficient]
    if missing:
        raise ValidationFailed(_("缺少必需材料：%(names)s") % {"names": "、".join(missing)}, field="materials")
    if deficient:
        if _is_dishonest(application):
            raise PermissionDeniedError(_("申请人在失信名单中，不能容缺受理。"))
        today = timezone.localdate()
        if commitment_deadline is None or commitment_deadline <= today:
            raise ValidationFailed(_("容缺受理须约定今天以后的补齐期限。"), field="commitment_deadline")
        if commitment_deadline > workdays.add_working_days(today, 30):
            raise ValidationFailed(_("补齐期限不能超过30个工作日。"), field="commitment_deadline")


def _sign_commitment(application: Application, deficient: set[int], deadline: dt.date) -> None:
    commitment = DeficiencyCommitment.objects.create(application=application, deadline=deadline)
    commitment.materials.set(deficient)


@transaction.atomic
def application_accept_at_window(
    *,
    actor,
    matter_id: int,
    applicant_kind: str,
    applicant_name: str,
    contact_phone: str,
    id_number: str = "",
    credit_code: str = "",
    provided_material_ids: list[int] = (),
    deficient_material_ids: list[int] = (),
    commitment_deadline: dt.date | None = None,
    ticket_id: int | None = None,
    comment: str = "",
) -> Application:
    """A clerk accepts a case at the window, usually for the ticket being served there."""
    if getattr(actor, "centre_id", None) is None:
        raise PermissionDeniedError(_("只有本中心的窗口工作人员可以办理受理。"))
    matter = _published_matter(matter_id, centre_id=actor.centre_id)
    applicant = _clean_applicant(
        applicant_kind=applicant_kind,
        applicant_name=applicant_name,
        id_number=id_number,
        credit_code=credit_code,
        contact_phone=contact_phone,
    )
    ticket = None
    if ticket_id is not None:
        ticket = Ticket.objects.select_for_update(of=("self",)).filter(pk=ticket_id, centre_id=actor.centre_id).first()
        if (
            ticket is None
            or ticket.status not in (Ticket.Status.CALLED, Ticket.Status.SERVING)
            or ticket.clerk_id != actor.pk
        ):
            raise InvalidTransition(_("只能为本窗口正在办理的号受理办件。"))
    application = Application(
        centre_id=matter.centre_id,
        matter=matter,
        department=matter.department,
        source=Application.Source.WINDOW,
        status=Status.SUBMITTED,
        submitted_at=timezone.now(),
        ticket=ticket,
        applicant=ticket.citizen if ticket and ticket.citizen_id else None,
        **applicant,
    )
    ensure_centre_clerk(actor, application)
    provided, deficient = set(provided_material_ids), set(deficient_material_ids)
    _check_materials(application, provided=provided, deficient=deficient, commitment_deadline=commitment_deadline)
    application._history_user = actor
    application.save()
    ApplicationEvent.objects.create(
        application=application,
        kind="submitted",
        to_status=Status.SUBMITTED,
        actor=actor,
        department=matter.department,
        public_note=_("窗口收件"),
    )
    if deficient:
        _sign_commitment(application, deficient, commitment_deadline)
    accept(application, actor=actor, accepted_on=timezone.localdate(), comment=_clean_comment(comment))
    return application


@transaction.atomic
def application_create_draft(
    *,
    actor,
    matter_id: int,
    applicant_kind: str,
    applicant_name: str,
    contact_phone: str,
    id_number: str = "",
    credit_code: str = "",
) -> Application:
    """Online application: a signed-in citizen starts a draft for a matter offered online."""
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_citizen", False):
        raise PermissionDeniedError(_("请先以办事群众身份登录再申请。"))
    matter = _published_matter(matter_id)
    if not matter.online_apply:
        raise ValidationFailed(_("该事项不提供网上申请，请到窗口办理。"), field="matter")
    applicant = _clean_applicant(
        applicant_kind=applicant_kind,
        applicant_name=applicant_name,
        id_number=id_number,
        credit_code=credit_code,
        contact_phone=contact_phone,
    )
    application = Application(
        centre_id=matter.centre_id,
        matter=matter,
        department=matter.department,
        source=Application.Source.ONLINE,
        applicant=actor,
        **applicant,
    )
    application._history_user = actor
    application.save()
    ApplicationEvent.objects.create(application=application, kind="created", to_status=Status.DRAFT, actor=actor)
    return application


def _sniff_type(head: bytes, declared: str) -> str | None:
    suffix = ALLOWED_FILE_TYPES.get(declared)
    if suffix and any(head.startswith(signature) for signature in FILE_SIGNATURES[suffix]):
        return suffix
    return None


@transaction.atomic
def application_attach_file(*, application_id: int, actor, material_id: int, uploaded_file) -> MaterialFile:
    """A material file for a draft or a case in correction: PDF, JPEG or PNG (checked by content, not only
    by name), at most 10 MB, stored outside the web root under a random name."""
    application = application_lock(application_id)
    ensure_applicant(actor, application)
    if application.status not in (Status.DRAFT, Status.CORRECTION):
        raise InvalidTransition(_("只有草稿或待补正的申请可以上传材料。"))
    material = Material.objects.filter(pk=material_id, matter_id=application.matter_id).first()
    if material is None:
        raise ValidationFailed(_("材料不属于该事项。"), field="material")
    if uploaded_file is None or uploaded_file.size == 0:
        raise ValidationFailed(_("请选择要上传的文件。"), field="file")
    if uploaded_file.size > MAX_FILE_BYTES:
        raise ValidationFailed(_("文件不能超过10MB。"), field="file")
    head = uploaded_file.read(16)
    uploaded_file.seek(0)
    if _sniff_type(head, getattr(uploaded_file, "content_type", "")) is None:
        raise ValidationFailed(_("只能上传PDF、JPG或PNG文件。"), field="file")
    return MaterialFile.objects.create(
        application=application,
        material=material,
        file=uploaded_file,
        original_name=(uploaded_file.name or "file")[-200:],
        size=uploaded_file.size,
        content_type=uploaded_file.content_type,
        uploaded_by=actor,
    )


def _files_by_material(application: Application, *, since=None) -> set[int]:
    files = application.files.all()
    if since is not None:
        files = files.filter(uploaded_at__gte=since)
    return set(files.exclude(material__isnull=True).values_list("material_id", flat=True))


@transaction.atomic
def application_accept_online(
    *,
    application_id: int,
    actor,
    deficient_material_ids: list[int] = (),
    commitment_deadline: dt.date | None = None,
    comment: str = "",
) -> Application:
    """Pre-review passed: accept an online submission. Past the Art. 32 deadline the case already counts as
    accepted from the day it arrived, so that is its acceptance date."""
    application = application_lock(application_id)
    ensure_centre_clerk(actor, application)
    if application.status != Status.SUBMITTED:
        raise InvalidTransition(_("办件当前为“%(status)s”，不能受理。") % {"status": application.get_status_display()})
    deficient = set(deficient_material_ids)
    _check_materials(
        application,
        provided=_files_by_material(application),
        deficient=deficient,
        commitment_deadline=commitment_deadline,
    )
    if deficient:
        _sign_commitment(application, deficient, commitment_deadline)
    today = timezone.localdate()
    late = application.online_answer_due is not None and today > application.online_answer_due
    accepted_on = timezone.localdate(application.submitted_at) if late else today
    accept(application, actor=actor, accepted_on=accepted_on, deemed=late, comment=_clean_comment(comment))
    return application


@transaction.atomic
def application_request_correction(
    *, application_id: int, actor, items: list[tuple[int | None, str]], note: str = ""
) -> CorrectionNotice:
    """一次性告知: one notice listing everything missing or wrong; the clock stops until resubmission."""
    application = application_lock(application_id)
    ensure_centre_clerk(actor, application)
    refuse_chain_step(application)
    if application.status != Status.SUBMITTED:
        raise InvalidTransition(_("只有待预审的申请可以出具一次性告知。"))
    if not items:
        raise ValidationFailed(_("请列出需要补正的全部材料或问题。"), field="items")
    if len(items) > MAX_NOTICE_ITEMS:
        raise ValidationFailed(_("告知事项过多。"), field="items")
    materials = set(application.matter.materials.values_list("id", flat=True))
    cleaned = []
    for material_id, problem in items:
        problem = (problem or "").strip()
        if not problem or len(problem) > 300:
            raise ValidationFailed(_("每项告知须写明问题（300字以内）。"), field="items")
        if material_id is not None and material_id not in materials:
            raise ValidationFailed(_("材料不属于该事项。"), field="items")
        cleaned.append((material_id, problem))
    notice = CorrectionNotice.objects.create(application=application, issued_by=actor, note=_clean_comment(note))
    CorrectionItem.objects.bulk_create([CorrectionItem(notice=notice, material_id=m, problem=p) for m, p in cleaned])
    ClockStop.objects.create(
        application=application,
        kind=ClockStop.Kind.CORRECTION,
        started_on=timezone.localdate(),
        reason=_("一次性告知补正"),
    )
    _move(
        application,
        Status.CORRECTION,
        actor=actor,
        kind="correction_requested",
        fields=[],
        comment=notice.note,
        public_note=_("请按一次性告知书补正材料"),
    )
    return notice


@transaction.atomic
def application_resubmit(*, application_id: int, actor) -> Application:
    """The applicant answers the notice; every listed material must have a new file since it was issued."""
    application = application_lock(application_id)
    ensure_applicant(actor, application)
    if application.status != Status.CORRECTION:
        raise InvalidTransition(_("只有待补正的申请可以重新提交。"))
    notice = application.correction_notices.order_by("-issued_at").first()
    fresh = _files_by_material(application, since=notice.issued_at)
    items = list(notice.items.select_related("material"))
    unanswered = [item.material.name for item in items if item.material_id and item.material_id not in fresh]
    if unanswered:
        raise ValidationFailed(
            _("以下告知材料尚未重新上传：%(names)s") % {"names": "、".join(unanswered)}, field="files"
        )
    now = timezone.now()
    CorrectionItem.objects.filter(notice=notice).update(resolved=True)
    notice.answered_at = now
    notice.save(update_fields=["answered_at"])
    application.clock_stops.filter(ended_on__isnull=True, kind=ClockStop.Kind.CORRECTION).update(
        ended_on=timezone.localdate(now)
    )
    from .. import deadlines

    application.submitted_at = now
    application.online_answer_due = deadlines.online_answer_deadline(submitted_on=timezone.localdate(now))
    _move(
        application,
        Status.SUBMITTED,
        actor=actor,
        kind="resubmitted",
        fields=["submitted_at", "online_answer_due"],
        public_note=_("已补正，等待预审"),
    )
    return application


@transaction.atomic
def deficiency_fulfil(*, application_id: int, actor) -> DeficiencyCommitment:
    """The missing 容缺 materials were handed in at the window: the result may now be handed out."""
    application = application_lock(application_id)
    ensure_centre_clerk(actor, application)
    commitment = DeficiencyCommitment.objects.select_for_update().filter(application=application).first()
    if commitment is None or commitment.fulfilled_at is not None:
        raise InvalidTransition(_("该办件没有待补齐的容缺材料。"))
    commitment.fulfilled_at = timezone.now()
    commitment._history_user = actor
    commitment.save(update_fields=["fulfilled_at"])
    ApplicationEvent.objects.create(
        application=application,
        kind="deficiency_fulfilled",
        from_status=application.status,
        to_status=application.status,
        actor=actor,
        department=application.department,
    )
    return commitment
