"""Admin: staff accounts, hall devices and in-app notices.

Rights come from hall.permissions predicates, not Django groups: managers add and edit staff and devices of
their own centre; supervisors read everything of their centres and change nothing; superusers everything.
Writes go through hall.services (staff, devices); the forms call the same `*_check` rules to show errors."""
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from common.errors import DomainError
from common.masking import mask_id_number, mask_name, mask_phone

from ..models import Centre, Department, Device, Notice, User, Window
from ..models.people import STAFF_ROLES
from ..permissions import is_manager, is_manager_of, is_superuser, is_supervisor
from ..selectors import centre_ids_for_actor, devices_for_actor, notices_for_actor, users_for_actor
from ..services import devices as device_services
from ..services import staff as staff_services

MASKERS = {"phone": mask_phone, "id_number": mask_id_number, "credit_code": mask_id_number}


def _may_view(request) -> bool:
    user = request.user
    return user.is_active and (is_manager(user) or is_supervisor(user))


def _in_scope(request, centre_id) -> bool:
    return is_superuser(request.user) or centre_id in centre_ids_for_actor(request.user)


def _writable_centres(user):
    return Centre.objects.all() if is_superuser(user) else Centre.objects.filter(pk=user.centre_id)


def _add_domain_error(form, exc: DomainError, field_map: dict | None = None) -> None:
    field = (field_map or {}).get(exc.field, exc.field)
    form.add_error(field if field in form.fields else None, str(exc.message))


class ScopedHistoryAdmin(SimpleHistoryAdmin):
    """History is for reading: a revert would write around the services, so it is refused."""

    def has_module_permission(self, request):
        return _may_view(request)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True


# --------------------------------------------------------------------------- users

class _MaskingHistoryHelper(HistoricalRecordContextHelper):
    def prepare_delta_change_value(self, change, value):
        if change.field in MASKERS:
            return MASKERS[change.field](value)
        if change.field == "real_name" and not self.record.instance.is_hall_staff:
            return mask_name(value)
        return super().prepare_delta_change_value(change, value)


class StaffAddForm(forms.ModelForm):
    password1 = forms.CharField(label=_("密码"), strip=False, max_length=128, widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("确认密码"), strip=False, max_length=128, widget=forms.PasswordInput)
    actor = None

    class Meta:
        model = User
        fields = ("username", "real_name", "role", "department", "staff_number")
        help_texts = {"username": _("3–30 个字母、数字或 _ . @ + - 字符，不能是手机号。")}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        if self.errors:
            return cleaned
        try:
            staff_services.staff_create_check(actor=self.actor, **self.service_kwargs())
        except DomainError as exc:
            _add_domain_error(self, exc, {"password": "password1"})
        return cleaned

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            "username": data.get("username"),
            "password": data.get("password1"),
            "real_name": data.get("real_name"),
            "role": data.get("role"),
            "department_id": data["department"].pk if data.get("department") else None,
            "staff_number": data.get("staff_number", ""),
        }
        if "centre" in self.fields:
            kwargs["centre_id"] = data["centre"].pk if data.get("centre") else None
        return kwargs


class StaffChangeForm(forms.ModelForm):
    actor = None

    class Meta:
        model = User
        fields = ("real_name", "role", "department", "staff_number", "is_department_head", "is_active", "photo")

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            staff_services.staff_update_check(actor=self.actor, user=self._original, **self.service_kwargs())
        except DomainError as exc:
            _add_domain_error(self, exc)
        return cleaned

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # construct_instance() overwrites the instance before save_model(); the checks need the stored values.
        self._original = User.objects.get(pk=self.instance.pk)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            "real_name": data.get("real_name"),
            "role": data.get("role"),
            "department_id": data["department"].pk if data.get("department") else None,
            "staff_number": data.get("staff_number", ""),
            "is_department_head": data.get("is_department_head", False),
            "is_active": data.get("is_active", True),
        }
        if "centre" in self.fields:
            kwargs["centre_id"] = data["centre"].pk if data.get("centre") else None
        if "extra_centres" in self.fields:
            kwargs["extra_centre_ids"] = [c.pk for c in data.get("extra_centres") or ()]
        return kwargs


@admin.register(User)
class UserAdmin(ScopedHistoryAdmin, DjangoUserAdmin):
    add_form_template = None
    list_display = ("username", "name_col", "role", "centre", "department", "staff_number", "phone_col",
                    "id_number_col", "is_active")
    list_filter = ("role", "is_active", "is_department_head")
    # Not by name, phone or ID number: the search term ends up in the URL.
    search_fields = ("username", "staff_number", "enterprise_name")
    ordering = ("centre", "role", "username")
    list_select_related = ("centre", "department")
    filter_horizontal = ("extra_centres",)
    readonly_fields = ("password_link", "phone_col", "id_number_col", "name_col", "credit_code_col",
                       "last_login", "date_joined")
    history_list_display = ("role", "is_active")

    # -- rights

    def get_queryset(self, request):
        return users_for_actor(request.user)

    def has_view_permission(self, request, obj=None):
        if not _may_view(request):
            return False
        return obj is None or is_superuser(request.user) or (obj.is_hall_staff and _in_scope(request, obj.centre_id))

    def has_add_permission(self, request):
        return request.user.is_active and (is_superuser(request.user) or (is_manager(request.user)
                                                                           and request.user.centre_id is not None))

    def has_change_permission(self, request, obj=None):
        user = request.user
        if not (user.is_active and is_manager(user)):
            return False
        if obj is None:
            return True
        if obj.is_superuser and not is_superuser(user):
            return False
        return obj.is_hall_staff and is_manager_of(user, obj.centre_id)

    def has_delete_permission(self, request, obj=None):
        return False

    # -- forms

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is None else (*self.readonly_fields, "username")

    def get_fieldsets(self, request, obj=None):
        superuser = is_superuser(request.user)
        if obj is None:
            info = ("real_name", "role", *(("centre",) if superuser else ()), "department", "staff_number")
            return ((None, {"fields": ("username", "password1", "password2")}), (_("工作人员信息"), {"fields": info}))
        if not obj.is_hall_staff:
            return (
                (None, {"fields": ("username", "applicant_kind", "name_col", "phone_col", "id_number_col")}),
                (_("企业"), {"fields": ("enterprise_name", "credit_code_col")}),
                (_("登录"), {"fields": ("is_active", "last_login", "date_joined")}),
            )
        staff = ["real_name", "role", "department", "staff_number", "is_department_head", "is_active", "photo"]
        if superuser:
            staff[2:2] = ["centre", "extra_centres"]
        return (
            (None, {"fields": ("username", "password_link")}),
            (_("工作人员信息"), {"fields": staff}),
            (_("登录"), {"fields": ("phone_col", "last_login", "date_joined")}),
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = StaffAddForm if obj is None else StaffChangeForm
        if obj is not None and not obj.is_hall_staff:
            base = forms.ModelForm
        kwargs["form"] = type(base.__name__, (base,), {"actor": request.user})
        return admin.ModelAdmin.get_form(self, request, obj, change=change, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "department":
            qs = Department.objects.select_related("centre")
            kwargs["queryset"] = qs if is_superuser(request.user) else qs.filter(centre_id=request.user.centre_id)
        elif db_field.name == "centre":
            kwargs["queryset"] = _writable_centres(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role":
            kwargs["choices"] = [(role.value, role.label) for role in STAFF_ROLES]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        try:
            if change:
                photo = form.cleaned_data["photo"] if "photo" in form.changed_data else staff_services.UNCHANGED
                saved = staff_services.staff_update(
                    actor=request.user, user_id=obj.pk, photo=photo or "", **form.service_kwargs()
                )
            else:
                saved = staff_services.staff_create(actor=request.user, **form.service_kwargs())
        except DomainError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        obj.__dict__.update(saved.__dict__)

    def save_related(self, request, form, formsets, change):
        """extra_centres is written by staff_update; nothing else is related."""

    def get_historical_record_context_helper(self, request, historical_record):
        return _MaskingHistoryHelper(self.model, historical_record)

    # -- columns

    @admin.display(description=_("姓名/名称"))
    def name_col(self, obj):
        if obj.is_hall_staff:
            return obj.real_name
        return obj.enterprise_name if obj.enterprise_name else mask_name(obj.real_name)

    @admin.display(description=_("手机号"))
    def phone_col(self, obj):
        return mask_phone(obj.phone)

    @admin.display(description=_("身份证号"))
    def id_number_col(self, obj):
        return mask_id_number(obj.id_number)

    @admin.display(description=_("统一社会信用代码"))
    def credit_code_col(self, obj):
        return mask_id_number(obj.credit_code)

    @admin.display(description=_("密码"))
    def password_link(self, obj):
        if obj.pk is None:
            return ""
        url = reverse("admin:auth_user_password_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("设置新密码"))


# --------------------------------------------------------------------------- devices

class DeviceAddForm(forms.ModelForm):
    actor = None

    class Meta:
        model = Device
        fields = ("centre", "kind", "name", "window")

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            device_services.device_register_check(actor=self.actor, **self.service_kwargs())
        except DomainError as exc:
            _add_domain_error(self, exc)
        return cleaned

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "centre_id": data["centre"].pk if data.get("centre") else None,
            "kind": data.get("kind"),
            "name": data.get("name"),
            "window_id": data["window"].pk if data.get("window") else None,
        }


def _show_key(request, device: Device, key: str) -> None:
    messages.warning(
        request,
        format_html(
            "{}<br><code>{}</code>",
            _("设备“%(name)s”的密钥如下，只显示这一次，请立即配置到设备上：") % {"name": device.name},
            key,
        ),
    )


@admin.register(Device)
class DeviceAdmin(ScopedHistoryAdmin):
    list_display = ("name", "kind", "centre", "window", "key_prefix", "is_active", "last_seen_at", "created_at")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "key_prefix")
    list_select_related = ("centre", "window")
    readonly_fields = ("centre", "kind", "name", "window", "key_prefix", "is_active", "last_seen_at", "created_at")
    actions = ["rotate_key", "deactivate"]

    def get_queryset(self, request):
        return devices_for_actor(request.user)

    def has_view_permission(self, request, obj=None):
        return _may_view(request) and (obj is None or _in_scope(request, obj.centre_id))

    def has_add_permission(self, request):
        return request.user.is_active and is_manager(request.user)

    def has_change_permission(self, request, obj=None):
        user = request.user
        return user.is_active and is_manager(user) and (obj is None or is_manager_of(user, obj.centre_id))

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def get_fields(self, request, obj=None):
        return DeviceAddForm.Meta.fields if obj is None else self.readonly_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = type("DeviceAddForm", (DeviceAddForm,), {"actor": request.user})
        return super().get_form(request, obj, change=change, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if request.user.centre_id and not is_superuser(request.user):
            initial.setdefault("centre", request.user.centre_id)
        return initial

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "centre":
            kwargs["queryset"] = _writable_centres(request.user)
        elif db_field.name == "window":
            qs = Window.objects.select_related("centre")
            kwargs["queryset"] = qs if is_superuser(request.user) else qs.filter(centre_id=request.user.centre_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "show_save": False, "show_save_and_continue": False,
                         "show_save_and_add_another": False}
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if change:
            return
        try:
            device, key = device_services.device_register(actor=request.user, **form.service_kwargs())
        except DomainError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        obj.__dict__.update(device.__dict__)
        _show_key(request, device, key)

    @admin.action(description=_("更换所选设备的密钥"), permissions=["change"])
    def rotate_key(self, request, queryset):
        for device in queryset:
            try:
                device, key = device_services.device_rotate_key(actor=request.user, device_id=device.pk)
            except DomainError as exc:
                messages.error(request, f"{device.name}：{exc.message}")
            else:
                _show_key(request, device, key)

    @admin.action(description=_("停用所选设备"), permissions=["change"])
    def deactivate(self, request, queryset):
        done = 0
        for device in queryset:
            try:
                device_services.device_deactivate(actor=request.user, device_id=device.pk)
            except DomainError as exc:
                messages.error(request, f"{device.name}：{exc.message}")
            else:
                done += 1
        if done:
            messages.success(request, _("已停用 %(count)d 台设备。") % {"count": done})


# --------------------------------------------------------------------------- notices

@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "recipient", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("title",)
    list_select_related = ("recipient",)
    fields = ("recipient", "kind", "title", "body", "link", "created_at", "read_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return notices_for_actor(request.user)

    def has_module_permission(self, request):
        return _may_view(request)

    def has_view_permission(self, request, obj=None):
        return _may_view(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
