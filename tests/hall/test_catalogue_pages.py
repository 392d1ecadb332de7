"""Public catalogue pages and the base layout: home, list with filters and htmx, matter guide, 404, no CDN."""
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from common.middleware import ELDERLY_COOKIE
from hall.models import Material, Matter

from .factories import DepartmentFactory, MaterialFactory, MatterFactory, MatterStageFactory, WindowFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def licence(centre_1, department_a):
    centre_1.address = "世纪大道6号"
    centre_1.service_phone = "0513-12345"
    centre_1.save()
    matter = MatterFactory(
        centre=centre_1, department=department_a, code="SC-001", name="有限责任公司设立登记",
        statutory_days=15, promised_days=3, fee=Decimal("0"), conditions="申请人符合法定条件。",
        legal_basis="《中华人民共和国公司登记管理条例》", online_apply=True, appointment=True, mail_delivery=False,
    )
    MaterialFactory(matter=matter, position=1, name="公司登记申请书", form=Material.Form.ORIGINAL, copies=1)
    MaterialFactory(matter=matter, position=2, name="经营场所使用证明", form=Material.Form.COPY, copies=2,
                    deficiency_allowed=True, notes="5个工作日内补交")
    MaterialFactory(matter=matter, position=3, name="授权委托书", required=False, notes="委托他人办理时提供")
    MatterStageFactory(matter=matter, position=1, name="受理", share_percent=20)
    MatterStageFactory(matter=matter, position=2, name="审核", share_percent=80)
    WindowFactory(centre=centre_1, department=department_a, number="11", name="市场监管专窗", location="一楼B区")
    WindowFactory(centre=centre_1, integrated=True, number="1", name="综合受理一号窗", location="一楼A区")
    return matter


@pytest.fixture
def instant(centre_1, department_b):
    return MatterFactory(centre=centre_1, department=department_b, code="SW-001", name="发票领用", instant=True,
                         fee=Decimal("10.00"), fee_basis="财税〔2020〕1号")


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# ---------------------------------------------------------------- home

def test_home_shows_search_kinds_and_centres_with_hours(client, licence, centre_1):
    response = client.get(reverse("home"))
    html = _text(response)
    assert response.status_code == 200
    assert f'action="{reverse("matter_list")}"' in html
    assert "行政许可" in html and "公共服务" in html and "便民服务" in html
    assert "世纪大道6号" in html
    assert "09:00–12:00" in html and "13:30–17:00" in html
    assert f"{reverse('matter_list')}?centre={centre_1.pk}" in html


def test_home_counts_only_published_matters(client, licence, centre_1, department_a):
    MatterFactory(centre=centre_1, department=department_a, draft=True)
    html = _text(client.get(reverse("home")))
    assert "查看本中心 1 项事项" in html


# ---------------------------------------------------------------- list

def test_matter_list_finds_a_matter_by_part_of_its_name(client, licence, instant):
    html = _text(client.get(reverse("matter_list"), {"q": "设立"}))
    assert "有限责任公司设立登记" in html
    assert "发票领用" not in html
    assert "共找到 <strong>1</strong> 项事项" in html


def test_matter_list_hides_draft_and_withdrawn_matters(client, centre_1, department_a):
    MatterFactory(centre=centre_1, department=department_a, name="草稿事项", draft=True)
    MatterFactory(centre=centre_1, department=department_a, name="下架事项", status=Matter.Status.WITHDRAWN)
    html = _text(client.get(reverse("matter_list")))
    assert "草稿事项" not in html and "下架事项" not in html


@pytest.mark.parametrize("param", ["kind", "department", "centre"])
def test_matter_list_filters(client, licence, instant, centre_2, param):
    other = MatterFactory(centre=centre_2, department=DepartmentFactory(centre=centre_2), name="分中心事项",
                          kind=Matter.Kind.PUBLIC_SERVICE)
    value = {"kind": Matter.Kind.LICENCE, "department": licence.department_id, "centre": licence.centre_id}[param]
    html = _text(client.get(reverse("matter_list"), {param: value}))
    assert "有限责任公司设立登记" in html
    assert other.name not in html
    if param != "centre":
        assert "发票领用" not in html


def test_matter_list_marks_instant_matters(client, instant):
    html = _text(client.get(reverse("matter_list")))
    assert "即办件" in html and "当场办结" in html and "收费 10.00 元" in html


def test_matter_list_is_paginated_by_25(client, centre_1, department_a):
    for n in range(30):
        MatterFactory(centre=centre_1, department=department_a, code=f"P{n:03d}", name=f"分页事项{n:03d}")
    first = _text(client.get(reverse("matter_list")))
    second = _text(client.get(reverse("matter_list"), {"page": 2}))
    assert first.count('class="matter-item"') == 25
    assert second.count('class="matter-item"') == 5
    assert "第 1 页，共 2 页" in first
    assert "page=2" in first


@pytest.mark.parametrize("params", [
    {"department": "abc"},
    {"centre": "1.5"},
    {"centre": "999999"},
    {"kind": "unknown"},
    {"q": "登" * 10_000},
    {"page": "abc"},
    {"page": "999"},
    {"department": "-1", "kind": "<script>"},
])
def test_matter_list_never_fails_on_bad_parameters(client, licence, params):
    response = client.get(reverse("matter_list"), params)
    assert response.status_code == 200
    assert "办事指南" in response.content.decode()


def test_matter_list_says_when_a_filter_was_ignored(client, licence):
    html = _text(client.get(reverse("matter_list"), {"kind": "unknown"}))
    assert "部分筛选条件无效，已忽略。" in html
    assert "有限责任公司设立登记" in html


def test_matter_list_drops_a_department_of_another_centre(client, licence, centre_2):
    other = MatterFactory(centre=centre_2, department=DepartmentFactory(centre=centre_2), name="分中心事项")
    html = _text(client.get(reverse("matter_list"), {"centre": centre_2.pk, "department": licence.department_id}))
    assert other.name in html
    assert licence.name not in html


def test_matter_list_htmx_request_gets_only_the_results(client, licence):
    response = client.get(reverse("matter_list"), {"q": "设立"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    html = _text(response)
    assert "<html" not in html
    assert "有限责任公司设立登记" in html
    assert 'id="filter-department" name="department" hx-swap-oob="true"' in html
    assert "HX-Request" in response["Vary"]


def test_matter_list_htmx_history_restore_gets_the_whole_page(client, licence):
    response = client.get(reverse("matter_list"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results",
                          HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in response.content.decode()


def test_matter_list_form_works_without_javascript(client, licence):
    html = _text(client.get(reverse("matter_list")))
    assert re.search(r'<form id="filters"[^>]*method="get" action="/matters/"', html)
    assert 'hx-get="/matters/"' in html and 'hx-target="#results"' in html
    assert '<button type="submit" class="button button-primary">查询</button>' in html


def test_matter_list_query_count_is_pinned(client, centre_1, django_assert_max_num_queries):
    for _ in range(30):
        department = DepartmentFactory(centre=centre_1)
        MatterFactory(centre=centre_1, department=department)
    with django_assert_max_num_queries(4):
        response = client.get(reverse("matter_list"), {"q": "测试", "kind": Matter.Kind.LICENCE})
    assert response.status_code == 200


def test_home_query_count_is_pinned(client, licence, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        client.get(reverse("home"))


# ---------------------------------------------------------------- matter page

def test_matter_detail_shows_the_guide(client, licence):
    html = _text(client.get(reverse("matter_detail", args=[licence.pk])))
    for expected in [
        "SC-001", "有限责任公司设立登记", "市场监督管理局", "行政许可", "3 个工作日", "15 个工作日", "不收费",
        "申请人符合法定条件。", "《中华人民共和国公司登记管理条例》", "可网上申请", "可预约办理", "不提供邮寄",
    ]:
        assert expected in html, expected
    assert "即办件" not in html.split("<main")[1].split("申请材料")[0]


def test_matter_detail_materials_table(client, licence):
    html = _text(client.get(reverse("matter_detail", args=[licence.pk])))
    table = html.split('data-testid="materials"')[1].split("</table>")[0]
    for header in ["材料名称", "材料形式", "份数", "是否必需", "可容缺", "备注"]:
        assert f'<th scope="col">{header}</th>' in table
    rows = table.split("<tr>")[2:]
    assert "公司登记申请书" in rows[0] and "原件" in rows[0] and ">必需<" in rows[0]
    assert "经营场所使用证明" in rows[1] and "复印件" in rows[1] and ">2<" in rows[1] and "可容缺" in rows[1]
    assert "5个工作日内补交" in rows[1]
    assert "授权委托书" in rows[2] and "非必需" in rows[2]


def test_matter_detail_stages_with_their_share(client, licence):
    html = _text(client.get(reverse("matter_detail", args=[licence.pk])))
    stages = html.split('data-testid="stages"')[1].split("</ol>")[0]
    assert "受理" in stages and "占时限 20%" in stages
    assert "审核" in stages and "占时限 80%" in stages


def test_matter_detail_says_where_to_go(client, licence, centre_1, department_b):
    WindowFactory(centre=centre_1, department=department_b, number="20", name="税务专窗")
    WindowFactory(centre=centre_1, department=licence.department, number="12", name="已关闭窗口", is_active=False)
    html = _text(client.get(reverse("matter_detail", args=[licence.pk])))
    where = html.split('data-testid="where"')[1].split("</section>")[0]
    assert where.index(">11号窗口<") < where.index(">1号窗口<")  # the department's own window first
    assert "市场监管专窗" in where and "一楼B区" in where
    assert "综合受理一号窗" in where and "一楼A区" in where
    assert "税务专窗" not in where and "已关闭窗口" not in where
    assert "世纪大道6号" in where and "0513-12345" in where and "09:00–12:00" in where


def test_matter_detail_of_an_instant_matter(client, instant):
    html = _text(client.get(reverse("matter_detail", args=[instant.pk])))
    assert 'data-testid="instant-badge">即办件' in html
    assert "当场办结" in html
    assert "10.00 元" in html and "财税〔2020〕1号" in html


@pytest.mark.parametrize("status", [Matter.Status.DRAFT, Matter.Status.WITHDRAWN])
def test_matter_detail_of_an_unpublished_matter_is_a_chinese_404(client, licence, status):
    Matter.objects.filter(pk=licence.pk).update(status=status)
    response = client.get(reverse("matter_detail", args=[licence.pk]))
    assert response.status_code == 404
    assert "您要找的页面不存在" in response.content.decode()


def test_unknown_matter_is_a_chinese_404(client, db):
    response = client.get("/matters/999999/")
    assert response.status_code == 404
    assert "该事项可能尚未发布、已经下架" in response.content.decode()


def test_the_500_page_renders_without_a_request():
    html = render_to_string("500.html")
    assert "系统繁忙，请稍后再试" in html


def test_matter_detail_query_count_is_pinned(client, licence, django_assert_max_num_queries):
    for n in range(20):
        MaterialFactory(matter=licence, name=f"补充材料{n}")
        WindowFactory(centre=licence.centre, integrated=True, number=str(100 + n))
    with django_assert_max_num_queries(4):
        response = client.get(reverse("matter_detail", args=[licence.pk]))
    assert "补充材料19" in response.content.decode()


# ---------------------------------------------------------------- base layout

def test_base_has_nav_language_switch_and_elderly_toggle(client, db):
    html = _text(client.get(reverse("home")))
    assert f'href="{reverse("matter_list")}"' in html and "办事指南" in html
    assert re.search(r'<form class="inline-form" action="/i18n/setlang/" method="post">', html)
    assert 'name="language" value="en"' in html and 'name="language" value="zh-hans"' in html
    assert f'action="{reverse("elderly_mode")}" method="post"' in html
    assert 'name="next" value="/"' in html
    assert f'href="{reverse("login")}' in html and f'href="{reverse("register")}"' in html
    assert '<html lang="zh-CN">' in html


def test_base_names_the_hall_even_where_django_sets_site_name(client, db, settings):
    settings.SERVICE_HALL_NAME = "江海市政务服务中心"
    html = _text(client.get(reverse("login")))
    assert '<span class="brand-name">江海市政务服务中心</span>' in html
    assert "testserver" not in html


def test_base_serves_htmx_ourselves(client, db):
    html = client.get(reverse("home")).content.decode()
    assert '<script src="/static/vendor/htmx/htmx.min.js" defer></script>' in html
    assert '<link rel="stylesheet" href="/static/css/hall.css">' in html


def test_base_shows_the_user_and_a_post_logout(client, citizen):
    client.force_login(citizen)
    html = _text(client.get(reverse("home")))
    assert "您好，张三" in html
    assert f'action="{reverse("logout")}" method="post"' in html
    assert "管理</a>" not in html


def test_base_shows_the_manage_link_to_staff(client, manager_1):
    client.force_login(manager_1)
    html = _text(client.get(reverse("home")))
    assert f'href="{reverse("manager_home")}">管理</a>' in html


def test_elderly_mode_gives_the_body_its_class(client, db):
    response = client.post(reverse("elderly_mode"), {"next": reverse("matter_list")})
    assert response.status_code == 302 and response.cookies[ELDERLY_COOKIE].value == "1"
    html = client.get(reverse("matter_list")).content.decode()
    assert '<body class="elderly"' in html
    assert "返回标准版" in html


def test_elderly_mode_css_gives_large_type_and_high_contrast():
    css = (Path(settings.BASE_DIR) / "static" / "css" / "hall.css").read_text()
    block = css.split("body.elderly {")[1].split("}")[0]
    size = int(re.search(r"font-size:\s*(\d+)px", block).group(1))
    assert size >= 20
    assert "--text: #000000" in block and "--bg: #ffffff" in block
    assert "Noto Sans CJK SC" in css


def test_language_switch_to_english(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in html


# ---------------------------------------------------------------- no CDN

CDN = re.compile(
    r"""(?:\b(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//)|(?:url\(\s*["']?\s*(?:https?:)?//)|(?:@import\s+["'](?:https?:)?//)""",
    re.IGNORECASE,
)


FRONT_END_SUFFIXES = {".html", ".css", ".js", ".txt", ".svg"}


def _our_front_end_files():
    base = Path(settings.BASE_DIR)
    roots = [base / "templates", base / "static", *base.glob("*/templates"), *base.glob("*/static")]
    for root in roots:
        # var/static holds collectstatic's copies, third-party files included: not ours.
        if "node_modules" in root.parts or ".venv" in root.parts or root.is_relative_to(base / "var"):
            continue
        for path in root.rglob("*"):
            if path.is_file() and path.suffix in FRONT_END_SUFFIXES and "vendor" not in path.parts:
                yield path


def test_no_template_or_static_file_loads_anything_from_another_host():
    files = list(_our_front_end_files())
    assert any(p.name == "base.html" for p in files) and any(p.name == "hall.css" for p in files)
    offenders = [f"{p}: {m.group(0)}" for p in files for m in CDN.finditer(p.read_text(errors="ignore"))]
    assert offenders == []


def test_the_cdn_check_catches_an_external_script():
    assert CDN.search('<script src="https://cdn.example.com/htmx.js"></script>')
    assert CDN.search("<link href='//unpkg.com/x.css'>")
    assert CDN.search("@import url(http://fonts.example.com/a.css);")
    assert not CDN.search('<script src="/static/vendor/htmx/htmx.min.js"></script>')

