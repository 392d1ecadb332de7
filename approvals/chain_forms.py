"""Forms of the parallel-chain pages (并联审批). Like approvals/forms.py they check shape only; the rules and
their Chinese messages come from approvals/services/chains.py and chain_notices.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .chain_selectors import ChainMaterial
from .forms import ApplicantForm, ServiceForm, TextField, comment_field, id_field
from .services.chains import LeadDecision

PROVIDED, DEFICIENT, MISSING = "provided", "deficient", "missing"


class ChainAcceptForm(ApplicantForm):
    """一张表单: the applicant once, and the chain's single materials list — one choice per material, whichever
    steps need it: 已收取, 容缺 (where every step requiring it allows it) or 未收取."""

    template = id_field(_("请选择并联审批模板。"), widget=forms.HiddenInput)
    ticket = id_field(_("排队号不正确。"), required=False, widget=forms.HiddenInput)
    commitment_deadline = forms.DateField(
        label=_("容缺材料补齐期限"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("请输入正确的日期（年-月-日）。")},
    )
    comment = comment_field(_("受理意见（内部）"))
    field_map = {"materials": None, "template": None}

    def __init__(self, *args, materials: list[ChainMaterial] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = []
        for line in materials:
            name = f"material_{line.material_ids[0]}"
            choices = [(PROVIDED, _("已收取"))]
            if line.deficiency_allowed:
                choices.append((DEFICIENT, _("容缺")))
            choices.append((MISSING, _("未收取")))
            self.fields[name] = forms.ChoiceField(
                label=line.name,
                choices=choices,
                required=False,
                initial=MISSING,
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": _("该材料不可容缺。")},
            )
            self.lines.append((line, name))

    def material_rows(self):
        return [(line, self[name]) for line, name in self.lines]

    def chosen(self, choice: str) -> list[int]:
        return [line.material_ids[0] for line, name in self.lines if self.cleaned_data.get(name) == choice]


class FindingForm(ServiceForm):
    """A department's missing-material finding on its own step."""

    material = forms.TypedChoiceField(
        label=_("材料"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": _("材料不属于该事项。")},
    )
    problem = TextField(
        label=_("问题"),
        max_length=300,
        error_messages={"required": _("请写明问题（300字以内）。"), "max_length": _("请写明问题（300字以内）。")},
        widget=forms.TextInput(attrs={"maxlength": 300}),
    )

    def __init__(self, data=None, *, materials=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["material"].choices = [
            ("", _("（其他问题，不针对某一材料）")),
            *((str(m.pk), m.name) for m in materials),
        ]


class IssueNoticeForm(ServiceForm):
    note = comment_field(_("说明（将告知申请人）"))
    field_map = {"findings": None, "comment": "note"}


class ResubmitForm(ServiceForm):
    provided = forms.TypedMultipleChoiceField(
        label=_("已补正的材料"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("材料不属于该并联审批的事项。")},
    )
    field_map = {"materials": "provided"}

    def __init__(self, data=None, *, materials=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["provided"].choices = [(m.pk, m.name) for m in materials]


class LeadDecideForm(ServiceForm):
    decision = forms.ChoiceField(
        label=_("主办部门决定"),
        choices=LeadDecision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择继续办理或终止办理。"), "invalid_choice": _("请选择继续办理或终止办理。")},
    )
    comment = comment_field(_("意见（终止办理须写明理由，将告知申请人）"))
