"""The public, read-only catalogue API."""
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from hall.models import Material, Matter

from .factories import DepartmentFactory, MaterialFactory, MatterFactory, MatterStageFactory, WindowFactory

pytestmark = pytest.mark.django_db

MATTERS = "/api/catalogue/matters/"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def licence(centre_1, department_a):
    matter = MatterFactory(centre=centre_1, department=department_a, code="SC-001", name="有限责任公司设立登记",
                           statutory_days=15, promised_days=3, fee=Decimal("0"))
    MaterialFactory(matter=matter, position=1, name="公司登记申请书")
    MaterialFactory(matter=matter, position=2, name="经营场所使用证明", form=Material.Form.COPY, copies=2,
                    deficiency_allowed=True)
    MatterStageFactory(matter=matter, position=1, name="受理", share_percent=30)
    MatterStageFactory(matter=matter, position=2, name="审核", share_percent=70)
    WindowFactory(centre=centre_1, department=department_a, number="11", name="市场监管专窗", location="一楼B区")
    return matter


@pytest.fixture
def service(centre_2):
    return MatterFactory(centre=centre_2, department=DepartmentFactory(centre=centre_2, name="民政局"),
                         code="MZ-001", name="婚姻登记", kind=Matter.Kind.PUBLIC_SERVICE)


def _names(response):
    return [row["name"] for row in response.json()["results"]]


def test_anyone_lists_published_matters_only(api, licence, service, centre_1, department_a):
    MatterFactory(centre=centre_1, department=department_a, name="草稿事项", draft=True)
    MatterFactory(centre=centre_1, department=department_a, name="下架事项", status=Matter.Status.WITHDRAWN)
    response = api.get(MATTERS)
    assert response.status_code == 200
    assert sorted(_names(response)) == sorted(["有限责任公司设立登记", "婚姻登记"])


@pytest.mark.parametrize("params, expected", [
    ({"kind": "public_service"}, ["婚姻登记"]),
    ({"q": "设立"}, ["有限责任公司设立登记"]),
    ({"q": "MZ-"}, ["婚姻登记"]),
    ({"q": "民政"}, ["婚姻登记"]),
])
def test_matters_filter_by_kind_and_text(api, licence, service, params, expected):
    assert _names(api.get(MATTERS, params)) == expected


def test_matters_filter_by_centre_and_department(api, licence, service):
    assert _names(api.get(MATTERS, {"centre": service.centre_id})) == ["婚姻登记"]
    assert _names(api.get(MATTERS, {"department": licence.department_id})) == ["有限责任公司设立登记"]


@pytest.mark.parametrize("params", [{"centre": "abc"}, {"department": "1.5"}, {"kind": "secret"}])
def test_matters_refuse_a_malformed_filter_with_400(api, licence, params):
    response = api.get(MATTERS, params)
    assert response.status_code == 400
    assert list(response.json()) == list(params)


def test_matters_take_a_very_long_query(api, licence):
    response = api.get(MATTERS, {"q": "设" * 10_000})
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_matter_detail_has_materials_stages_and_windows(api, licence):
    body = api.get(f"{MATTERS}{licence.pk}/").json()
    assert body["code"] == "SC-001"
    assert body["is_instant"] is False
    assert [m["name"] for m in body["materials"]] == ["公司登记申请书", "经营场所使用证明"]
    assert body["materials"][1] == {
        "position": 2, "name": "经营场所使用证明", "form": "copy", "form_display": "复印件", "copies": 2,
        "required": True, "deficiency_allowed": True, "notes": "",
    }
    assert body["stages"] == [{"position": 1, "name": "受理", "share_percent": 30},
                              {"position": 2, "name": "审核", "share_percent": 70}]
    assert body["windows"] == [{"number": "11", "name": "市场监管专窗", "kind": "dedicated", "kind_display": "专窗",
                                "location": "一楼B区"}]


def test_matter_detail_shows_no_internal_data(api, licence):
    body = api.get(f"{MATTERS}{licence.pk}/").json()
    assert not {"status", "created_at", "updated_at", "published_at", "history"} & set(body)


@pytest.mark.parametrize("status", [Matter.Status.DRAFT, Matter.Status.WITHDRAWN])
def test_unpublished_matter_detail_is_404(api, licence, status):
    Matter.objects.filter(pk=licence.pk).update(status=status)
    assert api.get(f"{MATTERS}{licence.pk}/").status_code == 404


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_catalogue_api_is_read_only_even_for_a_manager(api, licence, manager_1, method):
    api.force_authenticate(manager_1)
    url = MATTERS if method == "post" else f"{MATTERS}{licence.pk}/"
    response = getattr(api, method)(url, {"name": "改名"}, format="json")
    assert response.status_code == 405
    licence.refresh_from_db()
    assert licence.name == "有限责任公司设立登记"


def test_centres_list_hours_and_address(api, centre_1):
    centre_1.address = "世纪大道6号"
    centre_1.save()
    body = api.get("/api/catalogue/centres/").json()
    row = body["results"][0]
    assert row["address"] == "世纪大道6号"
    assert row["opens_at"] == "09:00:00" and row["kind_display"] == "市级政务服务中心"
    assert "created_at" not in row


def test_departments_list_active_ones_filtered_by_centre(api, department_a, department_b, centre_2):
    department_b.is_active = False
    department_b.save()
    DepartmentFactory(centre=centre_2, name="分中心税务")
    body = api.get("/api/catalogue/departments/", {"centre": department_a.centre_id}).json()
    assert [row["name"] for row in body["results"]] == ["市场监督管理局"]


def test_matter_list_query_count_is_pinned(api, centre_1, django_assert_max_num_queries):
    for _ in range(20):
        MatterFactory(centre=centre_1, department=DepartmentFactory(centre=centre_1))
    with django_assert_max_num_queries(2):
        response = api.get(MATTERS)
    assert response.json()["count"] == 20


def test_matter_detail_query_count_is_pinned(api, licence, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        assert api.get(f"{MATTERS}{licence.pk}/").status_code == 200
