"""Admin: the working-day calendar, read-only. Changes go through the import page (calendar_year_import),
so every change is one all-or-nothing import with history and a fresh cache."""
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from ..models import CalendarDay, CalendarYear
from ..permissions import is_manager, is_supervisor

WEEKDAYS = (_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日"))


def _may_view(request) -> bool:
    return is_manager(request.user) or is_supervisor(request.user)


class ReadOnlyCalendarAdmin(SimpleHistoryAdmin):
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


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    fields = ("date", "weekday", "is_working", "name")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    @admin.display(description=_("星期"))
    def weekday(self, obj):
        return WEEKDAYS[obj.date.weekday()]

    def has_view_permission(self, request, obj=None):
        return _may_view(request)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CalendarYear)
class CalendarYearAdmin(ReadOnlyCalendarAdmin):
    list_display = ("year", "source", "notice", "imported_by", "imported_at", "import_link")
    list_filter = ("source",)
    search_fields = ("=year", "notice")
    fields = ("year", "source", "notice", "imported_by", "imported_at", "import_link")
    readonly_fields = fields
    inlines = [CalendarDayInline]

    @admin.display(description=_("导入"))
    def import_link(self, obj):
        url = f"{reverse('calendar_import')}?year={obj.year}"
        return format_html('<a href="{}">{}</a>', url, _("重新导入本年安排"))

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "calendar_import_url": reverse("calendar_import"),
            "calendar_overview_url": reverse("calendar_overview"),
        }
        return super().changelist_view(request, extra_context=extra_context)


@admin.register(CalendarDay)
class CalendarDayAdmin(ReadOnlyCalendarAdmin):
    list_display = ("date", "weekday", "is_working", "name", "year")
    list_filter = ("year", "is_working")
    search_fields = ("name",)
    date_hierarchy = "date"
    fields = ("year", "date", "is_working", "name")
    readonly_fields = fields
    list_select_related = ("year",)

    @admin.display(description=_("星期"), ordering="date")
    def weekday(self, obj):
        return WEEKDAYS[obj.date.weekday()]
