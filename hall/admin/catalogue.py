"""Admin: centres, departments, windows and the matter catalogue, for centre managers.

Rights come from hall.permissions predicates, not Django groups: managers change their own centre's catalogue,
supervisors read their centres' records and history and change nothing. Every save goes through
hall.services.catalogue; the forms call the same `*_check` rules so a refusal appears beside its field."""
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from common.errors import DomainError

from ..models import Centre, Department, Material, Matter, MatterStage, Window
from ..permissions import is_manager, is_manager_of, is_superuser, is_supervisor
from ..selectors import centre_ids_for_actor, scope_to_actor
from ..services import catalogue as services

SERVICE_ERROR = "_catalogue_service_error"


class _ServiceRefused(Exception):
    """A service refused inside the admin's transaction: the view is shown again with the message."""

    def __init__(self, error: DomainError):
        super().__init__(str(error.message))
        self.error = error


def _may_view(request) -> bool:
    user = request.user
    return user.is_active and (is_manager(user) or is_supervisor(user))


def _writable_centres(user):
    return Centre.objects.all() if is_superuser(user) else Centre.objects.filter(pk=user.centre_id)


def _add_domain_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))


class ServiceForm(forms.ModelForm):
    actor = None
    service_error: DomainError | None = None

    def clean(self):
        cleaned = super().clean()
        if self.service_error is not None:
            _add_domain_error(self, self.service_error)
        elif not self.errors:
            try:
                self.check()
            except DomainError as exc:
                _add_domain_error(self, exc)
        return cleaned

    def check(self) -> None:
        """The service's own rules, without writing."""

    def centre_id(self) -> int | None:
        if "centre" in self.fields:
            centre = self.cleaned_data.get("centre")
            return centre.pk if centre else None
        return self.instance.centre_id

    def changed(self, allowed) -> dict:
        return {field: self.cleaned_data[field] for field in self.changed_data if field in allowed}


class CatalogueAdmin(SimpleHistoryAdmin):
    """Scoped to the actor's centres; writes by managers of the record's centre; history read-only."""

    centre_field = "centre"

    def record_centre_id(self, obj) -> int:
        return obj.centre_id

    def get_queryset(self, request):
        return scope_to_actor(super().get_queryset(request), request.user, centre_field=self.centre_field)

    def has_module_permission(self, request):
        return _may_view(request)

    def has_view_permission(self, request, obj=None):
        if not _may_view(request):
            return False
        return obj is None or is_superuser(request.user) or (
            self.record_centre_id(obj) in centre_ids_for_actor(request.user)
        )

    def has_add_permission(self, request):
        return request.user.is_active and is_manager(request.user)

    def has_change_permission(self, request, obj=None):
        user = request.user
        if not (user.is_active and is_manager(user)):
            return False
        return obj is None or is_manager_of(user, self.record_centre_id(obj))

    def has_delete_permission(self, request, obj=None):
        # Deactivate or withdraw instead: the catalogue's history must stay whole.
        return False

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(self.readonly_fields)
        return readonly if obj is None else (*readonly, "centre")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        error = getattr(request, SERVICE_ERROR, None)
        return type(form.__name__, (form,), {"actor": request.user, "service_error": error})

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if request.user.centre_id and not is_superuser(request.user):
            initial.setdefault("centre", request.user.centre_id)
        return initial

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        user = request.user
        if db_field.name == "centre":
            kwargs["queryset"] = _writable_centres(user)
        elif db_field.name == "department":
            qs = Department.objects.select_related("centre").filter(is_active=True)
            kwargs["queryset"] = qs if is_superuser(user) else qs.filter(centre_id=user.centre_id)
        elif db_field.name == "parent":
            kwargs["queryset"] = Centre.objects.all() if is_superuser(user) else Centre.objects.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _ServiceRefused as refused:
            # The admin's transaction was rolled back; show the same form again, with the reason.
            setattr(request, SERVICE_ERROR, refused.error)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def call(self, service, **kwargs):
        try:
            return service(**kwargs)
        except DomainError as exc:
            raise _ServiceRefused(exc) from exc

    @staticmethod
    def adopt(obj, saved) -> None:
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        """Nothing related is written behind the services' back."""


# ---------------------------------------------------------------- centres

class CentreForm(ServiceForm):
    class Meta:
        model = Centre
        fields = ("code", "kind", "parent", *services.CENTRE_FIELDS)

    def check(self):
        opens, closes = self.cleaned_data.get("opens_at"), self.cleaned_data.get("closes_at")
        if opens and closes and opens >= closes:
            self.add_error("closes_at", _("开始办理时间必须早于结束办理时间。"))


@admin.register(Centre)
class CentreAdmin(CatalogueAdmin):
    form = CentreForm
    centre_field = "id"
    list_display = ("name", "kind", "address", "service_phone", "opens_at", "closes_at", "lunch_service",
                    "weekend_service")
    list_filter = ("kind",)
    search_fields = ("name", "code")
    fields = ("code", "name", "kind", "parent", "address", "service_phone", "opens_at", "lunch_starts_at",
              "lunch_ends_at", "closes_at", "lunch_service", "weekend_service")

    def record_centre_id(self, obj) -> int:
        return obj.pk

    def has_add_permission(self, request):
        return request.user.is_active and is_superuser(request.user)

    def get_readonly_fields(self, request, obj=None):
        if obj is None or is_superuser(request.user):
            return ()
        return ("code", "kind", "parent")

    def save_model(self, request, obj, form, change):
        if change:
            saved = self.call(services.centre_update, actor=request.user, centre_id=obj.pk,
                              data=form.changed(services.CENTRE_FIELDS))
        else:
            data = {f: form.cleaned_data[f] for f in services.CENTRE_CREATE_FIELDS if f in form.cleaned_data}
            saved = self.call(services.centre_create, actor=request.user, **data)
        self.adopt(obj, saved)


# ---------------------------------------------------------------- departments

class DepartmentForm(ServiceForm):
    class Meta:
        model = Department
        fields = ("centre", "code", "name", "short_name", "is_active")

    def check(self):
        services.department_check(
            centre_id=self.centre_id(), code=self.cleaned_data["code"], name=self.cleaned_data["name"],
            department_id=self.instance.pk,
        )


@admin.register(Department)
class DepartmentAdmin(CatalogueAdmin):
    form = DepartmentForm
    list_display = ("name", "code", "short_name", "centre", "is_active")
    list_filter = ("is_active", ("centre", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "code", "short_name")
    list_select_related = ("centre",)

    def save_model(self, request, obj, form, change):
        if change:
            saved = self.call(services.department_update, actor=request.user, department_id=obj.pk,
                              data=form.changed(services.DEPARTMENT_FIELDS))
        else:
            data = form.cleaned_data
            saved = self.call(services.department_create, actor=request.user, centre=data["centre"],
                              code=data["code"], name=data["name"], short_name=data["short_name"],
                              is_active=data["is_active"])
        self.adopt(obj, saved)


# ---------------------------------------------------------------- windows

class WindowForm(ServiceForm):
    class Meta:
        model = Window
        fields = ("centre", "number", "name", "kind", "department", "location", "is_active")

    def check(self):
        services.window_check(
            centre_id=self.centre_id(), number=self.cleaned_data["number"], kind=self.cleaned_data["kind"],
            department=self.cleaned_data.get("department"), window_id=self.instance.pk,
        )


@admin.register(Window)
class WindowAdmin(CatalogueAdmin):
    form = WindowForm
    list_display = ("number", "name", "kind", "department", "location", "centre", "is_active")
    list_filter = ("kind", "is_active", ("department", admin.RelatedOnlyFieldListFilter))
    search_fields = ("number", "name", "location")
    list_select_related = ("centre", "department")

    def save_model(self, request, obj, form, change):
        if change:
            saved = self.call(services.window_update, actor=request.user, window_id=obj.pk,
                              data=form.changed(services.WINDOW_FIELDS))
        else:
            data = form.cleaned_data
            saved = self.call(services.window_create, actor=request.user, centre=data["centre"],
                              **{f: data[f] for f in services.WINDOW_FIELDS})
        self.adopt(obj, saved)


# ---------------------------------------------------------------- matters

class _OrderedInlineForm(forms.ModelForm):
    def validate_unique(self):
        """Positions are renumbered by the service; uniqueness is its business."""


class _OrderedFormSet(BaseInlineFormSet):
    spec_fields: tuple[str, ...] = ()

    def validate_unique(self):
        pass

    def rows(self) -> list[dict]:
        rows = []
        for index, form in enumerate(self.forms):
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            values = {f: data.get(f) for f in (*self.spec_fields, "position")}
            rows.append({"index": index, "pk": form.instance.pk, **values})
        rows.sort(key=lambda row: (row["position"] or 0, row["index"]))
        return rows

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        try:
            self.check(self.specs())
        except DomainError as exc:
            raise forms.ValidationError(str(exc.message)) from None


class MaterialFormSet(_OrderedFormSet):
    spec_fields = ("name", "form", "copies", "required", "deficiency_allowed", "notes")

    def specs(self) -> list[services.MaterialSpec]:
        return [
            services.MaterialSpec(id=row["pk"], **{f: row[f] for f in self.spec_fields}) for row in self.rows()
        ]

    def check(self, specs):
        services.materials_check(specs)


class StageFormSet(_OrderedFormSet):
    spec_fields = ("name", "share_percent")

    def specs(self) -> list[services.StageSpec]:
        return [services.StageSpec(name=row["name"], share_percent=row["share_percent"]) for row in self.rows()]

    def check(self, specs):
        services.stages_check(specs, matter=self.instance if self.instance.pk else None)


class _MatterInline(admin.TabularInline):
    form = _OrderedInlineForm
    extra = 0

    def has_view_permission(self, request, obj=None):
        return _may_view(request)

    def has_add_permission(self, request, obj=None):
        user = request.user
        return user.is_active and is_manager(user) and (obj is None or is_manager_of(user, obj.centre_id))

    has_change_permission = has_add_permission
    has_delete_permission = has_add_permission


class MaterialInlineForm(_OrderedInlineForm):
    def clean(self):
        cleaned = super().clean()
        if cleaned.get("deficiency_allowed") and not cleaned.get("required"):
            spec = services.MaterialSpec(name=cleaned.get("name") or "", required=False, deficiency_allowed=True)
            try:
                services.materials_check([spec])
            except DomainError as exc:
                self.add_error("deficiency_allowed", str(exc.message))
        return cleaned


class MaterialInline(_MatterInline):
    model = Material
    form = MaterialInlineForm
    formset = MaterialFormSet
    fields = ("position", "name", "form", "copies", "required", "deficiency_allowed", "notes")


class StageInline(_MatterInline):
    model = MatterStage
    formset = StageFormSet
    fields = ("position", "name", "share_percent")


class MatterForm(ServiceForm):
    class Meta:
        model = Matter
        fields = ("centre", *services.MATTER_FIELDS)

    def check(self):
        data = self.cleaned_data
        services.matter_check(
            centre_id=self.centre_id(), department=data["department"], code=data["code"],
            statutory_days=data["statutory_days"], promised_days=data["promised_days"], fee=data["fee"],
            matter_id=self.instance.pk,
        )


@admin.register(Matter)
class MatterAdmin(CatalogueAdmin):
    form = MatterForm
    inlines = (MaterialInline, StageInline)
    list_display = ("code", "name", "department", "kind", "promised_days", "statutory_days", "status", "centre")
    list_filter = (("department", admin.RelatedOnlyFieldListFilter), "kind", "status")
    search_fields = ("code", "name")
    list_select_related = ("centre", "department")
    readonly_fields = ("status", "published_at")
    actions = ("publish", "withdraw")
    fieldsets = (
        (None, {"fields": ("centre", "department", "code", "name", "kind", "status", "published_at")}),
        (_("时限与收费"), {"fields": ("statutory_days", "promised_days", "fee", "fee_basis")}),
        (_("办理要求"), {"fields": ("conditions", "legal_basis", "online_apply", "appointment", "mail_delivery")}),
    )

    def save_model(self, request, obj, form, change):
        if change:
            saved = self.call(services.matter_update, actor=request.user, matter_id=obj.pk,
                              data=form.changed(services.MATTER_FIELDS))
        else:
            data = form.cleaned_data
            saved = self.call(services.matter_create, actor=request.user, centre=data["centre"],
                              **{f: data[f] for f in services.MATTER_FIELDS})
        self.adopt(obj, saved)

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            # The change message reads these; the history records hold the detail.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            if not formset.has_changed():
                continue
            if isinstance(formset, MaterialFormSet):
                self.call(services.matter_set_materials, actor=request.user, matter_id=form.instance.pk,
                          materials=formset.specs())
            elif isinstance(formset, StageFormSet):
                self.call(services.matter_set_stages, actor=request.user, matter_id=form.instance.pk,
                          stages=formset.specs())

    def _transition(self, request, queryset, service, done_message):
        done = 0
        for matter in queryset:
            try:
                service(actor=request.user, matter_id=matter.pk)
            except DomainError as exc:
                messages.error(request, f"{matter.code} {matter.name}：{exc.message}")
            else:
                done += 1
        if done:
            messages.success(request, done_message % {"count": done})

    @admin.action(description=_("发布所选事项"), permissions=["change"])
    def publish(self, request, queryset):
        self._transition(request, queryset, services.matter_publish, _("已发布 %(count)d 项事项。"))

    @admin.action(description=_("下架所选事项"), permissions=["change"])
    def withdraw(self, request, queryset):
        self._transition(request, queryset, services.matter_withdraw, _("已下架 %(count)d 项事项。"))
