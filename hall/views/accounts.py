"""Hall pages: login, logout, registration (person or enterprise, after an SMS code) and the profile.

The forms check shape only; the rules and their Chinese messages come from hall.services.accounts,
and a refusal is shown next to the field it concerns."""
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from rest_framework.throttling import SimpleRateThrottle

from common.errors import DomainError
from common.masking import mask_id_number, mask_name, mask_phone

from ..models import User
from ..services import accounts as account_services

BACKEND = "hall.auth.PhoneOrUsernameBackend"
KINDS = (User.ApplicantKind.PERSON, User.ApplicantKind.ENTERPRISE)


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": gettext_lazy("用户名/手机号或密码不正确。连续多次输错，账号将被暂时锁定。"),
        "inactive": gettext_lazy("该账号已停用，请联系中心管理人员。"),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = gettext_lazy("用户名或手机号")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "maxlength": 150})
        self.fields["password"].label = gettext_lazy("密码")


class _ServiceForm(forms.Form):
    """A form whose save() calls a service; a DomainError lands next to its field (or on top)."""

    field_map: dict[str, str] = {"password": "password1"}

    def add_domain_error(self, exc: DomainError) -> None:
        field = self.field_map.get(exc.field, exc.field)
        self.add_error(field if field in self.fields else None, str(exc.message))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password2") and cleaned["password1"] != cleaned["password2"]:
            self.add_error("password2", _("两次输入的密码不一致。"))
        return cleaned


def _text(label, *, max_length, **kwargs):
    return forms.CharField(label=label, max_length=max_length, **kwargs)


class _RegisterBase(_ServiceForm):
    phone = _text(
        gettext_lazy("手机号"),
        max_length=11,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}),
    )
    code = _text(
        gettext_lazy("短信验证码"),
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    password1 = _text(
        gettext_lazy("密码"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("至少 8 位，不能全是数字，不要使用常见密码。"),
    )
    password2 = _text(
        gettext_lazy("确认密码"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class PersonRegisterForm(_RegisterBase):
    real_name = _text(gettext_lazy("姓名"), max_length=30)
    id_number = _text(gettext_lazy("身份证号"), max_length=18, widget=forms.TextInput(attrs={"autocomplete": "off"}))

    field_order = ["real_name", "id_number", "phone", "code", "password1", "password2"]

    def save(self) -> User:
        data = self.cleaned_data
        return account_services.citizen_register(
            phone=data["phone"],
            code=data["code"],
            password=data["password1"],
            real_name=data["real_name"],
            id_number=data["id_number"],
        )


class EnterpriseRegisterForm(_RegisterBase):
    enterprise_name = _text(gettext_lazy("企业名称"), max_length=100)
    credit_code = _text(
        gettext_lazy("统一社会信用代码"), max_length=18, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    contact_name = _text(gettext_lazy("联系人姓名"), max_length=30)

    field_order = ["enterprise_name", "credit_code", "contact_name", "phone", "code", "password1", "password2"]

    def save(self) -> User:
        data = self.cleaned_data
        return account_services.enterprise_register(
            phone=data["phone"],
            code=data["code"],
            password=data["password1"],
            enterprise_name=data["enterprise_name"],
            credit_code=data["credit_code"],
            contact_name=data["contact_name"],
        )


FORMS = {User.ApplicantKind.PERSON: PersonRegisterForm, User.ApplicantKind.ENTERPRISE: EnterpriseRegisterForm}


def _kind(value) -> str:
    return value if value in KINDS else User.ApplicantKind.PERSON


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


def _render_register(request, *, kind: str, form, sms_result=None):
    context = {
        "kind": kind,
        "kinds": [(value, User.ApplicantKind(value).label) for value in KINDS],
        "form": form,
        "sms_result": sms_result,
    }
    return render(request, "hall/accounts/register.html", context)


def register(request):
    if request.user.is_authenticated:
        return HttpResponseRedirect(reverse("profile"))
    kind = _kind(request.POST.get("applicant_kind") if request.method == "POST" else request.GET.get("kind"))
    form_class = FORMS[kind]
    if request.method != "POST":
        return _render_register(request, kind=kind, form=form_class())
    form = form_class(request.POST)
    if form.is_valid():
        try:
            user = form.save()
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            login(request, user, backend=BACKEND)
            messages.success(request, _("注册成功，欢迎使用。"))
            return HttpResponseRedirect(reverse("profile"))
    return _render_register(request, kind=kind, form=form)


class SmsCodeThrottle(SimpleRateThrottle):
    """The same per-client budget as the API's `sms_code` scope, so the page is no way around it."""

    scope = "sms_code"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


@require_POST
def register_sms_code(request):
    """Sends the code. For htmx, a small fragment with the result; otherwise the register page again."""
    phone = str(request.POST.get("phone", ""))[:20]
    try:
        if not SmsCodeThrottle().allow_request(request, None):
            raise DomainError(_("获取验证码过于频繁，请稍后再试。"))
        verification = account_services.sms_code_request(phone=phone)
    except DomainError as exc:
        result = {"ok": False, "message": str(exc.message)}
    else:
        result = {
            "ok": True,
            "message": _("验证码已发送至 %(phone)s，%(minutes)d 分钟内有效。")
            % {"phone": mask_phone(verification.phone), "minutes": max(settings.SMS_CODE_TTL_SECONDS // 60, 1)},
            "resend_after": account_services.SMS_RESEND_SECONDS,
        }
    if request.htmx:
        return render(request, "hall/accounts/_sms_code_result.html", {"sms_result": result})
    kind = _kind(request.POST.get("applicant_kind"))
    form = FORMS[kind](initial={"phone": phone})
    return _render_register(request, kind=kind, form=form, sms_result=result)


@login_required
def profile(request):
    user = User.objects.select_related("centre", "department").get(pk=request.user.pk)
    rows = [(_("用户名"), user.username), (_("角色"), user.get_role_display())]
    if user.is_hall_staff:
        rows += [
            (_("姓名"), user.real_name),
            (_("所属中心"), user.centre.name if user.centre_id else ""),
            (_("所属部门"), user.department.name if user.department_id else ""),
            (_("工号"), user.staff_number),
        ]
    elif user.applicant_kind == User.ApplicantKind.ENTERPRISE:
        rows += [
            (_("企业名称"), user.enterprise_name),
            (_("统一社会信用代码"), mask_id_number(user.credit_code)),
            (_("联系人"), mask_name(user.real_name)),
        ]
    else:
        rows += [(_("姓名"), mask_name(user.real_name)), (_("身份证号"), mask_id_number(user.id_number))]
    rows.append((_("手机号"), mask_phone(user.phone)))
    return render(request, "hall/accounts/profile.html", {"rows": [(k, v) for k, v in rows if v]})


urlpatterns = [
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("accounts/register/", register, name="register"),
    path("accounts/register/sms-code/", register_sms_code, name="register_sms_code"),
    path("accounts/me/", profile, name="profile"),
]
