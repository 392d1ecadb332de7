"""The ticket's public live page (/tickets/<token>/): number, category, status in words, people ahead,
estimate, the window to go to; htmx poll; no personal data; one 404 for every wrong token."""
import re

import pytest
import time_machine
from django.urls import reverse

from hall.services import tickets as ticket_services

from .device_helpers import WEDNESDAY_MORNING, call, serve_and_finish
from .factories import CitizenFactory, StaffFactory
from .queue_factories import QueueCategoryFactory, issue, serving_window

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _without_request_echoes(response) -> str:
    """The page minus what differs on every request anyway: the CSRF token and the path echoed for "next"."""
    html = response.content.decode()
    html = re.sub(r'"X-CSRFToken": "[^"]*"', "", html)
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    html = re.sub(r'\?next=[^"]*"', '"', html)
    return re.sub(r'name="next" value="[^"]*"', "", html)


def live(client, ticket, **extra):
    return client.get(reverse("ticket_live", args=[ticket.token]), **extra)


@pytest.fixture
def clock():
    with time_machine.travel(WEDNESDAY_MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def category(centre_1):
    return QueueCategoryFactory(centre=centre_1, prefix="A", name="综合受理")


@pytest.fixture
def clerk_5(centre_1):
    return StaffFactory(centre=centre_1, real_name="王小红")


@pytest.fixture
def window_5(centre_1, clerk_5, category, clock):
    return serving_window(centre_1, clerk_5, [category], number="5")


def test_a_waiting_ticket_shows_number_category_people_ahead_and_estimate(client, category, window_5, clock):
    issue(category)
    issue(category)
    ticket = issue(category)

    response = live(client, ticket)

    html = _text(response)
    assert response.status_code == 200
    assert 'data-testid="ticket-number">A003<' in html and "综合受理" in html and "测试市政务服务中心" in html
    assert "等候中" in html
    assert 'data-testid="people-ahead">2 人<' in html
    assert 'data-testid="estimate">约 20 分钟<' in html  # 2 ahead × 10 min default ÷ 1 open window


def test_a_waiting_ticket_without_an_open_window_says_so(client, category, clock):
    ticket = issue(category)

    assert 'data-testid="estimate">暂无开放窗口<' in _text(live(client, ticket))


def test_a_called_ticket_says_which_window_to_go_to(client, category, window_5, clerk_5, clock):
    ticket = issue(category)
    call(window_5, clerk_5)

    html = _text(live(client, ticket))

    assert 'data-testid="go-to-window">请到 5 号窗口办理<' in html


def test_a_ticket_being_served_says_where(client, category, window_5, clerk_5, clock):
    ticket = issue(category)
    call(window_5, clerk_5)
    ticket_services.ticket_start(window_id=window_5.pk, actor=clerk_5)

    assert "正在 5 号窗口办理" in _text(live(client, ticket))


def test_the_page_polls_every_10_seconds_while_the_ticket_is_live(client, category, clock):
    ticket = issue(category)

    html = _text(live(client, ticket))

    assert f'hx-get="{reverse("ticket_live", args=[ticket.token])}" hx-trigger="every 10s"' in html


@pytest.mark.parametrize(
    ("finish", "words"),
    [
        ("done", "已办结"),
        ("no_show", "已过号"),
        ("cancelled", "已取消"),
    ],
)
def test_a_finished_ticket_says_so_and_stops_polling(client, category, window_5, clerk_5, clock, finish, words):
    ticket = issue(category)
    if finish == "done":
        serve_and_finish(window_5, clerk_5)
    elif finish == "no_show":
        call(window_5, clerk_5)
        ticket_services.ticket_mark_no_show(window_id=window_5.pk, actor=clerk_5)
    else:
        ticket_services.ticket_cancel(ticket_id=ticket.pk, actor=clerk_5)

    html = _text(live(client, ticket))

    assert f'class="ticket-live-status">{words}<' in html
    assert "hx-trigger" not in html


def test_a_transferred_ticket_follows_to_the_ticket_it_became(client, category, centre_1, window_5, clerk_5, clock):
    other = QueueCategoryFactory(centre=centre_1, prefix="B", name="税务办理")
    serving_window(centre_1, StaffFactory(centre=centre_1), [other], number="8")
    ticket = issue(category)
    call(window_5, clerk_5)
    ticket_services.ticket_transfer(window_id=window_5.pk, actor=clerk_5, category_id=other.pk)

    html = _text(live(client, ticket))

    assert 'data-testid="ticket-number">B001<' in html and "税务办理" in html
    assert "您的 A001 号已转为“税务办理”的 B001 号，排队时间不变。" in html
    assert "等候中" in html


def test_an_htmx_poll_gets_only_the_status_panel(client, category, clock):
    ticket = issue(category)

    response = live(client, ticket, HTTP_HX_REQUEST="true")

    html = response.content.decode().strip()
    assert html.startswith('<section id="ticket-live"') and "<html" not in html


def test_the_page_shows_no_personal_data(client, category, window_5, clerk_5, clock):
    citizen = CitizenFactory(real_name="李四", phone="13912345678")
    ticket = ticket_services.ticket_issue(
        category_id=category.pk, source="remote", citizen=citizen, holder_name="李四", phone="13912345678"
    )
    call(window_5, clerk_5)

    html = _text(live(client, ticket))

    for personal in ("李四", "李*", "13912345678", "139****5678", citizen.id_number, "王小红"):
        assert personal not in html


def test_the_page_needs_no_login_and_is_not_cached_or_indexed(client, category, clock):
    ticket = issue(category)

    response = live(client, ticket)

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow" and response["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize(
    "token", ["AAAAAAAAAAAAAAAA", "short", "x" * 33, "with space", "<script>", "1", "' OR 1=1 --", "%00%00%00%00%00"]
)
def test_every_wrong_token_gets_the_same_404(client, category, clock, token):
    issue(category)
    reference = client.get("/tickets/AAAAAAAAAAAAAAAA/")

    response = client.get(f"/tickets/{token}/")

    assert response.status_code == 404
    assert _without_request_echoes(response) == _without_request_echoes(reference)
    assert "未找到该号票" in _text(response)


def test_the_ticket_id_is_not_its_address(client, category, clock):
    ticket = issue(category)

    assert client.get(f"/tickets/{ticket.pk}/").status_code == 404


def test_live_page_query_count_is_pinned(client, category, window_5, clerk_5, clock, django_assert_max_num_queries):
    for _ in range(3):
        issue(category)
    serve_and_finish(window_5, clerk_5)
    ticket = issue(category)

    with django_assert_max_num_queries(4):  # ticket, people ahead, open windows, mean service time
        assert live(client, ticket, HTTP_HX_REQUEST="true").status_code == 200
    with django_assert_max_num_queries(4):
        assert live(client, ticket).status_code == 200
