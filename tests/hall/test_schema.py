"""The OpenAPI document is valid and warning-free, and its docs page is served without any CDN."""
import re

import pytest
import yaml
from django.core.management import call_command


def test_spectacular_validates_the_whole_schema_without_warnings(tmp_path, db):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert schema["openapi"].startswith("3.")
    assert {"/api/catalogue/matters/", "/api/catalogue/matters/{id}/", "/api/catalogue/centres/",
            "/api/catalogue/departments/"} <= set(schema["paths"])


def test_schema_endpoint_serves_openapi_3(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    body = response.json() if response["Content-Type"].startswith("application/json") else yaml.safe_load(
        response.content)
    assert body["openapi"].startswith("3.")
    parameters = {p["name"] for p in body["paths"]["/api/catalogue/matters/"]["get"]["parameters"]}
    assert {"centre", "department", "kind", "q", "page"} <= parameters


def test_matter_detail_schema_has_materials_and_stages_but_no_status(client, db):
    body = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    detail = body["components"]["schemas"]["MatterDetail"]["properties"]
    assert {"materials", "stages", "windows"} <= set(detail)
    assert "status" not in detail


@pytest.mark.parametrize("url", ["/api/docs/"])
def test_api_docs_page_loads_nothing_from_another_host(client, db, url):
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "swagger-ui" in html
    external = re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.IGNORECASE)
    assert external == []
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
