"""Public catalogue pages: the hall's front door, the searchable matter list and each matter's guide (办事指南)."""
from django import forms
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _

from hall import selectors
from hall.models import Matter, Window

PAGE_SIZE = 25
QUERY_MAX_LENGTH = 100


class CatalogueFilterForm(forms.Form):
    """The catalogue's GET parameters. An invalid value is ignored, never an error page."""

    q = forms.CharField(label=_("事项名称"), required=False, strip=True)
    centre = forms.TypedChoiceField(label=_("服务中心"), coerce=int, required=False, empty_value=None)
    department = forms.TypedChoiceField(label=_("实施部门"), coerce=int, required=False, empty_value=None)
    kind = forms.ChoiceField(label=_("事项类型"), required=False, choices=[("", _("全部类型")), *Matter.Kind.choices])

    def __init__(self, data, *, centres, departments):
        super().__init__(data)
        self.departments = departments
        self.fields["centre"].choices = [("", _("全部中心")), *((c.pk, c.name) for c in centres)]
        self.fields["department"].choices = [("", _("全部部门")), *((d.pk, d.name) for d in departments)]

    def clean_q(self):
        return self.cleaned_data["q"][:QUERY_MAX_LENGTH]

    def clean(self):
        cleaned = super().clean()
        centre_id, department_id = cleaned.get("centre"), cleaned.get("department")
        if centre_id and department_id:
            department = next(d for d in self.departments if d.pk == department_id)
            if department.centre_id != centre_id:
                # The visitor switched centre after choosing a department: the centre wins.
                cleaned["department"] = None
        return cleaned

    def valid_filters(self) -> dict:
        """The filters that passed validation (is_valid() drops the others from cleaned_data)."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "query": data.get("q") or "",
            "centre_id": data.get("centre"),
            "department_id": data.get("department"),
            "kind": data.get("kind") or "",
        }


def home(request):
    counts = selectors.catalogue_kind_counts()
    context = {
        "centres": selectors.catalogue_centres(),
        "kind_cards": [(value, label, counts.get(value, 0)) for value, label in Matter.Kind.choices],
    }
    return render(request, "hall/home.html", context)


def matter_list(request):
    centres = list(selectors.catalogue_centres())
    departments = list(selectors.catalogue_departments())
    form = CatalogueFilterForm(request.GET, centres=centres, departments=departments)
    filters = form.valid_filters()
    page = Paginator(selectors.catalogue_search(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    centre_id = filters["centre_id"]
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "centres": centres,
        "department_options": [d for d in departments if centre_id is None or d.centre_id == centre_id],
        "kinds": Matter.Kind.choices,
        "ignored_filters": bool(form.errors),
        "filtered": any(filters.values()),
    }
    htmx = getattr(request, "htmx", None)
    partial = bool(htmx) and htmx.target == "results" and not htmx.history_restore_request
    template = "hall/catalogue/_results.html" if partial else "hall/catalogue/matter_list.html"
    response = render(request, template, {**context, "partial": partial})
    patch_vary_headers(response, ["HX-Request"])
    return response


def _window_order(window: Window) -> tuple:
    """The department's own windows first, then integrated acceptance; numbers in natural order (2 before 11)."""
    number = window.number
    return (window.kind == Window.Kind.INTEGRATED, not number.isdigit(), len(number), number)


def matter_detail(request, matter_id: int):
    matter = selectors.published_matter_detail(matter_id=matter_id)
    if matter is None:
        raise Http404(_("该事项不存在或未发布。"))
    context = {
        "matter": matter,
        "materials": list(matter.materials.all()),
        "stages": list(matter.stages.all()),
        "windows": sorted(selectors.windows_serving_matter(matter), key=_window_order),
        "centre": matter.centre,
    }
    return render(request, "hall/catalogue/matter_detail.html", context)


urlpatterns = [
    path("", home, name="home"),
    path("matters/", matter_list, name="matter_list"),
    path("matters/<int:matter_id>/", matter_detail, name="matter_detail"),
]
