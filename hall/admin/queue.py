"""Admin: the queue's configuration — categories (with their matters and tidal thresholds), each window's
calling profile (on the window page) and the centre's queue policy — and read-only lists of tickets, their
events, window events and appointments for managers and supervisors.

Same conventions as hall/admin/catalogue.py: scoped to the actor's centres (hall.selectors.scope_to_actor),
rights from hall.permissions predicates, every save through a service (hall.services.queue_config), history
read-only, nothing deleted. Personal data (holder name, phone) is shown masked, and is not searchable."""
from django.contrib import admin
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from common.errors import DomainError
from common.masking import mask_name, mask_phone

from ..models import Appointment, QueueCategory, QueuePolicy, Ticket, TicketEvent, Window, WindowCategory, WindowEvent
from ..permissions import is_manager, is_manager_of, is_superuser, is_supervisor
from ..selectors import centre_ids_for_actor, scope_to_actor
from ..services import queue_config as services
from .catalogue import CatalogueAdmin, ServiceForm, _OrderedFormSet, _OrderedInlineForm
from .catalogue import WindowAdmin as CatalogueWindowAdmin

MASKERS = {"holder_name": mask_name, "phone": mask_phone}


def _may_view(request) -> bool:
    user = request.user
    return user.is_active and (is_manager(user) or is_supervisor(user))


def _may_edit(request, centre_id=None) -> bool:
    user = request.user
    return user.is_active and is_manager(user) and (centre_id is None or is_manager_of(user, centre_id))


class _MaskingHistoryHelper(HistoricalRecordContextHelper):
    def prepare_delta_change_value(self, change, value):
        if change.field in MASKERS:
            return MASKERS[change.field](value)
        return super().prepare_delta_change_value(change, value)


# ---------------------------------------------------------------- categories

class QueueCategoryForm(ServiceForm):
    class Meta:
        model = QueueCategory
        fields = ("centre", *services.CATEGORY_FIELDS, "matters")

    def check(self):
        data = self.cleaned_data
        services.queue_category_check(
            centre_id=self.centre_id(),
            prefix=data["prefix"],
            is_active=data["is_active"],
            tidal_waiting_threshold=data["tidal_waiting_threshold"],
            tidal_release_waiting=data["tidal_release_waiting"],
            category_id=self.instance.pk,
        )


@admin.register(QueueCategory)
class QueueCategoryAdmin(CatalogueAdmin):
    form = QueueCategoryForm
    filter_horizontal = ("matters",)
    list_display = ("prefix", "name", "position", "is_active", "tidal_waiting_threshold",
                    "tidal_wait_minutes_threshold", "tidal_release_waiting", "centre")
    list_filter = ("is_active",)
    search_fields = ("prefix", "name")
    list_select_related = ("centre",)
    fieldsets = (
        (None, {"fields": ("centre", "prefix", "name", "position", "is_active")}),
        (_("包含事项"), {"fields": ("matters",)}),
        (_("潮汐窗口调度"), {"fields": ("tidal_waiting_threshold", "tidal_wait_minutes_threshold",
                                       "tidal_release_waiting")}),
    )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "matters":
            qs = db_field.related_model.objects.select_related("department").order_by("code")
            kwargs["queryset"] = qs if is_superuser(request.user) else qs.filter(centre_id=request.user.centre_id)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            saved = self.call(services.queue_category_update, actor=request.user, category_id=obj.pk,
                              data=form.changed(services.CATEGORY_FIELDS))
        else:
            data = form.cleaned_data
            saved = self.call(services.queue_category_create, actor=request.user, centre=data["centre"],
                              **{f: data[f] for f in services.CATEGORY_FIELDS})
        self.adopt(obj, saved)

    def save_related(self, request, form, formsets, change):
        if "matters" in form.changed_data:
            self.call(services.queue_category_set_matters, actor=request.user, category_id=form.instance.pk,
                      matter_ids=[matter.pk for matter in form.cleaned_data["matters"]])


# ---------------------------------------------------------------- calling profiles (on the window page)

class CallingProfileFormSet(_OrderedFormSet):
    """The window's own categories in calling order. Tidal assignments are shown, read-only: the tidal
    job and the live hall own them."""

    spec_fields = ("category", "serve_first_after_minutes")

    def add_fields(self, form, index):
        super().add_fields(form, index)
        centre_id = getattr(self.instance, "centre_id", None)
        if centre_id is not None and "category" in form.fields:
            form.fields["category"].queryset = form.fields["category"].queryset.filter(centre_id=centre_id)

    def _tidal_forms(self):
        return [form for form in self.forms if form.instance.pk and form.instance.is_tidal_assignment]

    def links(self) -> list[services.CallingLink]:
        tidal = {id(form) for form in self._tidal_forms()}
        return [
            services.CallingLink(category_id=row["category"].pk,
                                 serve_first_after_minutes=row["serve_first_after_minutes"])
            for row in self.rows()
            if row["category"] is not None and id(self.forms[row["index"]]) not in tidal
        ]

    def specs(self):
        return self.links()

    def check(self, links):
        for form in self._tidal_forms():
            if form.has_changed() or form in self.deleted_forms:
                raise DomainError(_("潮汐调派由潮汐调度管理，请在实时大厅释放，不能在此修改。"))
        if self.instance.centre_id is None:
            return
        tidal_ids = [form.instance.category_id for form in self._tidal_forms()]
        services.window_calling_profile_check(
            centre_id=self.instance.centre_id, links=links, tidal_category_ids=tidal_ids
        )


class WindowCategoryInline(admin.TabularInline):
    model = WindowCategory
    form = _OrderedInlineForm
    formset = CallingProfileFormSet
    fields = ("position", "category", "serve_first_after_minutes", "is_tidal_assignment")
    readonly_fields = ("is_tidal_assignment",)
    extra = 1
    verbose_name = _("叫号业务类别")
    verbose_name_plural = _("叫号配置（按顺序叫号；潮汐调派请在实时大厅操作）")

    class Media:
        css = {"all": ("css/queue_admin.css",)}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("category")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "category":
            qs = QueueCategory.objects.order_by("position", "prefix")
            kwargs["queryset"] = qs if is_superuser(request.user) else qs.filter(centre_id=request.user.centre_id)
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if isinstance(field.widget, RelatedFieldWidgetWrapper):
            # Categories are edited on their own page; no add/change/view shortcuts in every row.
            field.widget.can_add_related = field.widget.can_change_related = field.widget.can_view_related = False
        return field

    def has_view_permission(self, request, obj=None):
        return _may_view(request)

    def has_add_permission(self, request, obj=None):
        return _may_edit(request, None if obj is None else obj.centre_id)

    has_change_permission = has_add_permission
    has_delete_permission = has_add_permission


admin.site.unregister(Window)


@admin.register(Window)
class WindowAdmin(CatalogueWindowAdmin):
    """The catalogue's window admin, plus the window's calling profile (hall.services.queue_config)."""

    inlines = (WindowCategoryInline,)
    list_display = (*CatalogueWindowAdmin.list_display, "calling_profile")

    def get_queryset(self, request):
        links = WindowCategory.objects.select_related("category").order_by("position", "id")
        return super().get_queryset(request).prefetch_related(Prefetch("category_links", queryset=links))

    @admin.display(description=_("叫号业务"))
    def calling_profile(self, obj):
        return "、".join(
            f"{link.category.prefix}{_('（潮汐）') if link.is_tidal_assignment else ''}"
            for link in obj.category_links.all()
        ) or "—"

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            if isinstance(formset, CallingProfileFormSet) and formset.has_changed():
                self.call(services.window_calling_profile_set, actor=request.user, window_id=form.instance.pk,
                          links=formset.links())


# ---------------------------------------------------------------- policy

class QueuePolicyForm(ServiceForm):
    class Meta:
        model = QueuePolicy
        fields = ("centre", *services.POLICY_FIELDS)


@admin.register(QueuePolicy)
class QueuePolicyAdmin(CatalogueAdmin):
    form = QueuePolicyForm
    list_display = ("centre", "tidal_mode", "ageing_minutes", "max_recalls", "booking_days_ahead", "slot_minutes",
                    "slot_capacity")
    list_select_related = ("centre",)
    fieldsets = (
        (None, {"fields": ("centre",)}),
        (_("叫号"), {"fields": ("ageing_minutes", "max_recalls", "no_show_requeue_places", "near_notice_people_ahead",
                              "tidal_mode")}),
        (_("预约"), {"fields": ("booking_days_ahead", "slot_minutes", "slot_capacity", "booking_cancel_hours",
                              "check_in_early_minutes", "no_show_block_count", "no_show_block_days")}),
    )

    def has_add_permission(self, request):
        # One policy per centre: a manager adds their centre's if it has none yet.
        if not _may_edit(request):
            return False
        return is_superuser(request.user) or not QueuePolicy.objects.filter(centre_id=request.user.centre_id).exists()

    def save_model(self, request, obj, form, change):
        centre_id = obj.centre_id if change else form.cleaned_data["centre"].pk
        fields = form.changed(services.POLICY_FIELDS) if change else {
            f: form.cleaned_data[f] for f in services.POLICY_FIELDS
        }
        saved = self.call(services.queue_policy_update, actor=request.user, centre_id=centre_id, data=fields)
        self.adopt(obj, saved)


# ---------------------------------------------------------------- read-only records

class _ReadOnlyQueueAdmin(admin.ModelAdmin):
    """Scoped lists for managers and supervisors; the records change only through the queue services."""

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
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class _ReadOnlyHistoryAdmin(_ReadOnlyQueueAdmin, SimpleHistoryAdmin):
    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_historical_record_context_helper(self, request, historical_record):
        return _MaskingHistoryHelper(self.model, historical_record)


@admin.register(Ticket)
class TicketAdmin(_ReadOnlyHistoryAdmin):
    list_display = ("number", "service_date", "category", "status", "priority_class", "issued_at", "window", "clerk",
                    "holder_col", "phone_col")
    list_filter = ("status", ("category", admin.RelatedOnlyFieldListFilter), "service_date", "priority_class",
                   "source", ("window", admin.RelatedOnlyFieldListFilter))
    search_fields = ("number",)
    list_select_related = ("category", "window", "clerk")
    date_hierarchy = "service_date"
    fields = ("centre", "number", "service_date", "category", "matter", "status", "source", "priority_class",
              "priority_group", "holder_col", "phone_col", "issued_at", "queued_at", "called_at", "started_at",
              "finished_at", "window", "clerk", "recall_count", "transferred_from", "near_notice_sent_at")
    readonly_fields = fields

    @admin.display(description=_("办事人姓名"))
    def holder_col(self, obj):
        return mask_name(obj.holder_name) or "—"

    @admin.display(description=_("手机号"))
    def phone_col(self, obj):
        return mask_phone(obj.phone) or "—"


@admin.register(TicketEvent)
class TicketEventAdmin(_ReadOnlyQueueAdmin):
    centre_field = "ticket__centre"
    list_display = ("created_at", "ticket_number", "kind", "window", "actor", "device", "reason")
    list_filter = ("kind", "created_at")
    search_fields = ("ticket__number",)
    list_select_related = ("ticket", "window", "actor", "device")
    ordering = ("-id",)
    fields = ("ticket", "kind", "window", "actor", "device", "reason", "created_at")
    readonly_fields = fields

    def record_centre_id(self, obj) -> int:
        return obj.ticket.centre_id

    @admin.display(description=_("号码"), ordering="ticket__number")
    def ticket_number(self, obj):
        return obj.ticket.number


@admin.register(WindowEvent)
class WindowEventAdmin(_ReadOnlyQueueAdmin):
    centre_field = "window__centre"
    list_display = ("created_at", "window", "kind", "category", "reason", "actor")
    list_filter = ("kind", "created_at")
    search_fields = ("window__number",)
    list_select_related = ("window", "category", "actor")
    fields = ("window", "kind", "category", "reason", "actor", "created_at")
    readonly_fields = fields

    def record_centre_id(self, obj) -> int:
        return obj.window.centre_id


@admin.register(Appointment)
class AppointmentAdmin(_ReadOnlyHistoryAdmin):
    list_display = ("code", "slot_date", "slot_time", "category", "matter", "status", "citizen_col", "phone_col",
                    "created_at", "checked_in_at", "ticket")
    list_filter = ("status", ("slot__category", admin.RelatedOnlyFieldListFilter), "slot__date")
    search_fields = ("code",)
    list_select_related = ("slot__category", "matter", "citizen", "ticket")
    fields = ("centre", "code", "slot", "category", "matter", "status", "citizen_col", "phone_col", "created_at",
              "cancelled_at", "checked_in_at", "ticket")
    readonly_fields = fields

    @admin.display(description=_("日期"), ordering="slot__date")
    def slot_date(self, obj):
        return obj.slot.date

    @admin.display(description=_("时段"))
    def slot_time(self, obj):
        return f"{obj.slot.starts_at:%H:%M}-{obj.slot.ends_at:%H:%M}"

    @admin.display(description=_("业务类别"))
    def category(self, obj):
        return obj.slot.category

    @admin.display(description=_("预约人"))
    def citizen_col(self, obj):
        return mask_name(obj.citizen.display_name)

    @admin.display(description=_("手机号"))
    def phone_col(self, obj):
        return mask_phone(obj.phone)
