"""Public working-day API: due dates, counts and a year's calendar, with Chinese 400s for bad input."""
import re

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from hall import workdays
from hall.api import calendar as calendar_api
from hall.models import CalendarYear

from .calendar_helpers import seed_package_calendar_if_flushed

pytestmark = pytest.mark.django_db
WORKING_DAYS = "/api/calendar/working-days/"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _fresh_calendar(db):
    seed_package_calendar_if_flushed()
    yield
    workdays.reset()


@pytest.fixture
def api():
    return APIClient()


def test_due_date_of_a_published_span_is_not_provisional(api):
    response = api.get(WORKING_DAYS, {"start": "2026-09-30", "days": 1})
    assert response.status_code == 200
    assert response.json() == {"start": "2026-09-30", "days": 1, "due_date": "2026-10-08", "provisional": False}


def test_due_date_reaching_into_an_unpublished_year_is_provisional(api):
    response = api.get(WORKING_DAYS, {"start": "2026-12-30", "days": 3})
    assert response.json() == {"start": "2026-12-30", "days": 3, "due_date": "2027-01-05", "provisional": True}


def test_negative_days_count_backwards(api):
    response = api.get(WORKING_DAYS, {"start": "2026-10-08", "days": -1})
    assert response.json()["due_date"] == "2026-09-30"


def test_start_and_end_give_the_working_day_count(api):
    response = api.get(WORKING_DAYS, {"start": "2026-09-25", "end": "2026-10-09"})
    assert response.status_code == 200
    assert response.json() == {"start": "2026-09-25", "end": "2026-10-09", "working_days": 5, "provisional": False}


def test_the_largest_allowed_step_is_answered(api):
    response = api.get(WORKING_DAYS, {"start": "2010-01-04", "days": -3650})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "start"),
        ({"days": 3}, "start"),
        ({"start": "2026-02-30", "days": 3}, "start"),
        ({"start": "tomorrow", "days": 3}, "start"),
        ({"start": "2026-09-30"}, None),
        ({"start": "2026-09-30", "days": 3, "end": "2026-10-30"}, None),
        ({"start": "2026-09-30", "days": "three"}, "days"),
        ({"start": "2026-09-30", "days": "1.5"}, "days"),
        ({"start": "2026-09-30", "days": 3651}, "days"),
        ({"start": "2026-09-30", "days": -3651}, "days"),
        ({"start": "1899-12-31", "days": 1}, "start"),
        ({"start": "2026-09-30", "end": "2100-01-01"}, "end"),
        ({"start": "2026-09-30", "end": "not-a-date"}, "end"),
        ({"start": "2099-12-30", "days": 10}, None),
    ],
)
def test_bad_parameters_get_a_400_with_a_chinese_detail(api, params, field):
    response = api.get(WORKING_DAYS, params)
    assert response.status_code == 400
    body = response.json()
    assert CHINESE.search(body["detail"])
    assert body.get("field") == field


def test_a_published_years_calendar_lists_its_holidays_and_adjusted_days(api):
    response = api.get("/api/calendar/years/2026/")
    body = response.json()
    assert response.status_code == 200
    assert (body["year"], body["provisional"], body["source"]) == (2026, False, "package")
    assert {"date": "2026-10-10", "is_working": True, "name": "调休上班（国庆节）"} in body["days"]
    assert {"date": "2026-10-01", "is_working": False, "name": "国庆节"} in body["days"]
    assert body["days"] == sorted(body["days"], key=lambda d: d["date"])


def test_an_unpublished_year_is_provisional_with_the_computed_holidays(api):
    body = api.get("/api/calendar/years/2027/").json()
    assert (body["provisional"], body["source"], body["updated_at"]) == (True, "", None)
    assert len(body["days"]) == 13
    assert not any(day["is_working"] for day in body["days"])


def test_an_imported_year_shows_its_notice_number(api):
    CalendarYear.objects.create(year=2027, source=CalendarYear.Source.IMPORT, notice="国办发明电〔2026〕7号")
    workdays.reset()
    body = api.get("/api/calendar/years/2027/").json()
    assert (body["provisional"], body["source"], body["notice"]) == (False, "import", "国办发明电〔2026〕7号")


@pytest.mark.parametrize("year", ["1899", "2100", "0"])
def test_a_year_outside_the_range_gets_a_400(api, year):
    response = api.get(f"/api/calendar/years/{year}/")
    assert response.status_code == 400
    assert CHINESE.search(response.json()["detail"])


def test_both_endpoints_are_in_the_openapi_schema():
    schema = SchemaGenerator(patterns=calendar_api.urlpatterns).get_schema(request=None, public=True)
    assert set(schema["paths"]) == {"/calendar/working-days/", "/calendar/years/{year}/"}
    parameters = {p["name"] for p in schema["paths"]["/calendar/working-days/"]["get"]["parameters"]}
    assert parameters == {"start", "days", "end"}
    assert "WorkingDaysResult" in schema["components"]["schemas"]
    assert "CalendarYear" in schema["components"]["schemas"]
