"""Forms of the approvals pages. They check shape only (types, lengths, choices); the rules and their Chinese
messages come from approvals/services, and a refusal is put next to the field it concerns (`add_domain_error`)."""

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError

from .models import Application
from .services.intake import MAX_NOTICE_ITEMS
from .services.transitions import MAX_COMMENT, SPECIAL_PROCEDURES

MAX_ID = 2**31 - 1
# Django's own message for this reads wrongly in Chinese ("不允许是用空字符串"); PostgreSQL refuses NUL in text.
NO_CONTROL_CHARACTERS = ProhibitNullCharactersValidator(message=_("内容含有不允许的空字符，请删除后重试。"))


def with_own_null_check(validators: list) -> list:
    return [v for v in validators if not isinstance(v, ProhibitNullCharactersValidator)] + [NO_CONTROL_CHARACTERS]


class TextField(forms.CharField):
    """A CharField whose refusal of NUL characters reads correctly in Chinese."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = with_own_null_check(self.validators)


COMMENT_TOO_LONG = _("意见不能超过1000个字。")
ID_NUMBER_HELP = _(
    "18位居民身份证号。第18位是校验码（0–9或X），由前17位按国家标准GB 11643计算得出，"
    "任何一位填错都无法通过校验，请对照证件逐位核对。"
)
CREDIT_CODE_HELP = _(
    "18位统一社会信用代码，见营业执照。第18位是校验码，由前17位按国家标准GB 32100计算得出，"
    "不含字母I、O、Z、S、V，请对照执照逐位核对。"
)


class ServiceForm(forms.Form):
    """A form whose data goes to a service; a DomainError lands next to its field (or on top)."""

    field_map: dict[str, str] = {}

    def add_domain_error(self, exc: DomainError) -> None:
        name = self.field_map.get(exc.field, exc.field)
        self.add_error(name if name in self.fields else None, str(exc.message))


def id_field(message, **kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        error_messages={"required": message, "invalid": message, "min_value": message, "max_value": message},
        **kwargs,
    )


COMMENT_LABEL = _("意见")


def comment_field(label=COMMENT_LABEL, *, required: bool = False) -> forms.CharField:
    return TextField(
        label=label,
        required=required,
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": MAX_COMMENT}),
        error_messages={"max_length": COMMENT_TOO_LONG, "required": _("请填写意见或理由。")},
    )


def _date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("请输入正确的日期（年-月-日）。")},
        **kwargs,
    )


# --- the applicant ---------------------------------------------------------------------------------


class ApplicantForm(ServiceForm):
    applicant_kind = forms.ChoiceField(
        label=_("申请人类型"),
        choices=Application.ApplicantKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择申请人类型。"), "invalid_choice": _("请选择申请人类型。")},
    )
    applicant_name = TextField(
        label=_("申请人名称"),
        max_length=200,
        help_text=_("个人填写姓名；企业填写营业执照上的名称。"),
        error_messages={
            "required": _("请填写申请人名称（2至200个字）。"),
            "max_length": _("请填写申请人名称（2至200个字）。"),
        },
        widget=forms.TextInput(attrs={"autocomplete": "name", "maxlength": 200}),
    )
    id_number = TextField(
        label=_("身份证号"),
        required=False,
        max_length=18,
        help_text=ID_NUMBER_HELP,
        error_messages={"max_length": _("身份证号应为18位。")},
        widget=forms.TextInput(attrs={"maxlength": 18, "autocomplete": "off", "spellcheck": "false"}),
    )
    credit_code = TextField(
        label=_("统一社会信用代码"),
        required=False,
        max_length=18,
        help_text=CREDIT_CODE_HELP,
        error_messages={"max_length": _("统一社会信用代码应为18位。")},
        widget=forms.TextInput(attrs={"maxlength": 18, "autocomplete": "off", "spellcheck": "false"}),
    )
    contact_phone = TextField(
        label=_("联系电话"),
        max_length=11,
        help_text=_("11位手机号，办理进度将以短信告知。"),
        error_messages={"required": _("请输入正确的11位手机号。"), "max_length": _("请输入正确的11位手机号。")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel", "maxlength": 11}),
    )

    def applicant(self) -> dict:
        data = self.cleaned_data
        return {
            "applicant_kind": data["applicant_kind"],
            "applicant_name": data["applicant_name"],
            "id_number": data.get("id_number") or "",
            "credit_code": data.get("credit_code") or "",
            "contact_phone": data["contact_phone"],
        }


def applicant_initial(user) -> dict:
    """Prefill from the citizen's account (the applicant may still change it, e.g. to apply for their company)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return {"applicant_kind": Application.ApplicantKind.PERSON}
    enterprise = user.applicant_kind == Application.ApplicantKind.ENTERPRISE
    return {
        "applicant_kind": user.applicant_kind or Application.ApplicantKind.PERSON,
        "applicant_name": (user.enterprise_name if enterprise and user.enterprise_name else user.real_name) or "",
        "id_number": user.id_number or "",
        "credit_code": user.credit_code or "",
        "contact_phone": user.phone or "",
    }


# --- files ---------------------------------------------------------------------------------------------


class UploadForm(ServiceForm):
    material = id_field(_("请选择材料。"))
    file = forms.FileField(
        label=_("文件"),
        error_messages={
            "required": _("请选择要上传的文件。"),
            "invalid": _("请选择要上传的文件。"),
            "missing": _("请选择要上传的文件。"),
            "empty": _("请选择要上传的文件。"),
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
    )


class WithdrawForm(ServiceForm):
    reason = comment_field(_("撤回原因（可不填）"))
    confirm = forms.BooleanField(
        label=_("我确认撤回本申请，撤回后不能恢复"),
        error_messages={"required": _("请勾选确认后再撤回。")},
    )
    field_map = {"comment": "reason"}


# --- staff: acceptance ---------------------------------------------------------------------------------


class MaterialsMixin(forms.Form):
    """The matter's materials as two checkbox lists: 已收取 and 容缺; choices are set from the matter."""

    provided = forms.TypedMultipleChoiceField(
        label=_("已收取"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("材料不属于该事项。")},
    )
    deficient = forms.TypedMultipleChoiceField(
        label=_("容缺"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("材料不属于该事项或不可容缺。")},
    )
    commitment_deadline = _date_field(_("容缺材料补齐期限"), required=False)
    comment = comment_field(_("受理意见（内部）"))

    def set_materials(self, materials, *, provided: bool = True) -> None:
        if provided:
            self.fields["provided"].choices = [(m.pk, m.name) for m in materials]
        else:
            del self.fields["provided"]
        self.fields["deficient"].choices = [(m.pk, m.name) for m in materials if m.deficiency_allowed]


class WindowAcceptForm(ApplicantForm, MaterialsMixin):
    matter = id_field(_("请选择事项。"))
    ticket = id_field(_("排队号不正确。"), required=False, widget=forms.HiddenInput)
    field_map = {"materials": "provided", "commitment_deadline": "commitment_deadline"}


class OnlineAcceptForm(ServiceForm, MaterialsMixin):
    field_map = {"materials": "deficient"}


class CorrectionForm(ServiceForm):
    """一次性告知: rows of (material, problem); the rows come in as material_<n> / problem_<n>."""

    note = comment_field(_("说明（将告知申请人）"))
    field_map = {"items": "__all__"}

    def __init__(self, data=None, *, materials=(), rows: int = 3):
        super().__init__(data)
        self.material_choices = [("", _("（其他问题，不针对某一材料）")), *((str(m.pk), m.name) for m in materials)]
        if data is not None:
            rows = max(rows, self._posted_rows(data))
            if data.get("add_row"):
                rows += 1
        self.rows = max(1, min(rows, MAX_NOTICE_ITEMS))
        for n in range(self.rows):
            self.fields[f"material_{n}"] = forms.TypedChoiceField(
                label=_("材料"),
                choices=self.material_choices,
                required=False,
                coerce=int,
                empty_value=None,
                error_messages={"invalid_choice": _("材料不属于该事项。")},
            )
            self.fields[f"problem_{n}"] = TextField(
                label=_("问题"),
                required=False,
                max_length=300,
                error_messages={"max_length": _("每项告知须写明问题（300字以内）。")},
                widget=forms.TextInput(attrs={"maxlength": 300}),
            )

    @staticmethod
    def _posted_rows(data) -> int:
        count = 0
        for key in data:
            if key.startswith("problem_") and key[8:].isdigit():
                count = max(count, int(key[8:]) + 1)
        return min(count, MAX_NOTICE_ITEMS)

    def row_fields(self):
        return [(self[f"material_{n}"], self[f"problem_{n}"]) for n in range(self.rows)]

    def items(self) -> list[tuple[int | None, str]]:
        """Rows with a problem written; a row with a material but no problem is refused by the service."""
        items = []
        for n in range(self.rows):
            material = self.cleaned_data.get(f"material_{n}")
            problem = (self.cleaned_data.get(f"problem_{n}") or "").strip()
            if problem or material is not None:
                items.append((material, problem))
        return items


class RejectForm(ServiceForm):
    reason = comment_field(_("不予受理理由（将告知申请人）"))


# --- staff: the department's stages --------------------------------------------------------------------


class CommentForm(ServiceForm):
    comment = comment_field()


class ReasonForm(ServiceForm):
    reason = comment_field(_("退回理由"))


class DecideForm(ServiceForm):
    outcome = forms.ChoiceField(
        label=_("办理结果"),
        choices=Application.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择办理结果。"), "invalid_choice": _("请选择办理结果。")},
    )
    comment = comment_field(_("审批意见（不予许可须写明理由）"))


class SuspendForm(ServiceForm):
    kind = forms.ChoiceField(
        label=_("特别程序"),
        choices=[(k.value, k.label) for k in SPECIAL_PROCEDURES],
        error_messages={"required": _("请选择特别程序类型。"), "invalid_choice": _("请选择特别程序类型。")},
    )
    reason = comment_field(_("原因（将书面告知申请人）"))


class ExtensionForm(ServiceForm):
    days = forms.TypedChoiceField(
        label=_("延长期限"),
        coerce=int,
        choices=[(10, _("10个工作日")), (15, _("15个工作日（联合办理）"))],
        error_messages={"required": _("延长期限只能为10个或15个工作日。"),
                        "invalid_choice": _("延长期限只能为10个或15个工作日。")},
    )
    reason = comment_field(_("延长理由（将告知申请人）"))


class DeliverForm(ServiceForm):
    method = forms.ChoiceField(
        label=_("出件方式"),
        choices=Application.Delivery.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择出件方式。"), "invalid_choice": _("请选择出件方式。")},
    )
    mail_tracking_number = TextField(
        label=_("邮件单号"),
        required=False,
        max_length=40,
        error_messages={"max_length": _("邮寄送达须填写邮件单号。")},
        widget=forms.TextInput(attrs={"maxlength": 40}),
    )



def first_form_error(form) -> str:
    """The first message of a bound form, for a page that shows one refusal at a time."""
    for errors in form.errors.values():
        if errors:
            return str(errors[0])
    return str(_("输入不正确，请检查后重试。"))
