"""Manager pages: the manager home (calendar status and inbox), a year's calendar, and the import form.

Managers and supervisors may view; only managers import (the service checks it again)."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.errors import DomainError

from .. import calendar_selectors, workdays
from ..permissions import is_manager, is_supervisor
from ..services.calendar import NOTICE_MAX_LENGTH, CalendarImportRejected, calendar_year_import

MAX_UPLOAD_BYTES = 100 * 1024
UPLOAD_SUFFIXES = (".csv", ".txt")
IMPORT_EXAMPLE = "2027-10-01,休,国庆节\n2027-10-09,班,调休上班"


def _ensure_may_view(user) -> None:
    if not (is_manager(user) or is_supervisor(user)):
        raise PermissionDenied


def _ensure_may_import(user) -> None:
    if not is_manager(user):
        raise PermissionDenied


@login_required
def manager_home(request):
    _ensure_may_view(request.user)
    today = timezone.localdate()
    context = {
        "today": today,
        "status": calendar_selectors.calendar_status(today=today),
        "notices": calendar_selectors.notices_unread_for_actor(request.user),
        "may_import": is_manager(request.user),
    }
    return render(request, "hall/manage/home.html", context)


def _requested_year(request, default: int) -> tuple[int, bool]:
    raw = request.GET.get("year", "")
    if not raw:
        return default, True
    try:
        year = int(raw)
    except ValueError:
        return default, False
    if not workdays.FIRST_YEAR <= year <= workdays.LAST_YEAR:
        return default, False
    return year, True


@login_required
def calendar_overview(request):
    _ensure_may_view(request.user)
    year, valid = _requested_year(request, timezone.localdate().year)
    if not valid:
        messages.error(
            request,
            _("年份无效，应为 %(first)s–%(last)s 之间的整数；已显示今年。")
            % {"first": workdays.FIRST_YEAR, "last": workdays.LAST_YEAR},
        )
    holidays, working_weekends = calendar_selectors.calendar_year_days(year)
    context = {
        "year": year,
        "status": calendar_selectors.calendar_year_status(year),
        "holidays": holidays,
        "working_weekends": working_weekends,
        "previous_year": year - 1 if year > workdays.FIRST_YEAR else None,
        "next_year": year + 1 if year < workdays.LAST_YEAR else None,
        "may_import": is_manager(request.user),
    }
    return render(request, "hall/manage/calendar.html", context, status=200 if valid else 400)


class CalendarImportForm(forms.Form):
    year = forms.IntegerField(
        label=gettext_lazy("年份"),
        min_value=workdays.FIRST_YEAR,
        max_value=workdays.LAST_YEAR,
        error_messages={"required": gettext_lazy("请填写年份。"), "invalid": gettext_lazy("年份应为整数。")},
    )
    notice = forms.CharField(
        label=gettext_lazy("放假通知文号"),
        required=False,
        max_length=NOTICE_MAX_LENGTH,
        help_text=gettext_lazy("例如：国办发明电〔2026〕7号"),
    )
    text = forms.CharField(
        label=gettext_lazy("放假安排（每行一天）"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 16, "placeholder": IMPORT_EXAMPLE, "spellcheck": "false"}),
    )
    file = forms.FileField(
        label=gettext_lazy("或上传文件（.csv / .txt，UTF-8 或 GBK 编码，不超过 100 KB）"), required=False
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None:
            return None
        if not upload.name.lower().endswith(UPLOAD_SUFFIXES):
            raise forms.ValidationError(_("只能上传 .csv 或 .txt 文件。"))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件不能超过 100 KB。"))
        raw = upload.read()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                continue
        raise forms.ValidationError(_("无法识别文件编码，请另存为 UTF-8 后重试。"))

    def clean(self):
        cleaned = super().clean()
        text, file_text = cleaned.get("text") or "", cleaned.get("file")
        if "file" in self.errors:
            return cleaned
        if file_text is not None and text.strip():
            raise forms.ValidationError(_("请在文本框填写或上传文件，二者选其一。"))
        if file_text is None and not text.strip():
            raise forms.ValidationError(_("请填写放假安排，或上传文件。"))
        cleaned["content"] = file_text if file_text is not None else text
        return cleaned


@login_required
def calendar_import(request):
    _ensure_may_import(request.user)
    errors: list[str] = []
    if request.method == "POST":
        form = CalendarImportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                calendar_year_import(
                    actor=request.user, year=data["year"], text=data["content"], notice=data["notice"]
                )
            except CalendarImportRejected as exc:
                errors = exc.errors
            except DomainError as exc:
                errors = [str(exc.message)]
            else:
                messages.success(request, _("已导入 %(year)s 年放假安排。") % {"year": data["year"]})
                return redirect(f"{reverse('calendar_overview')}?year={data['year']}")
    else:
        year, _valid = _requested_year(request, timezone.localdate().year + 1)
        form = CalendarImportForm(initial={"year": year})
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "errors": errors, "example": IMPORT_EXAMPLE}
    return render(request, "hall/manage/calendar_import.html", context, status=status)


urlpatterns = [
    path("manage/", manager_home, name="manager_home"),
    path("manage/calendar/", calendar_overview, name="calendar_overview"),
    path("manage/calendar/import/", calendar_import, name="calendar_import"),
]
