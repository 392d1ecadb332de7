"""The managers' live hall: queue figures per category, windows, tidal windows, the window log and the tidal
job's proposals, with "同意调派" and "释放" for managers of the centre only."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from hall import live_hall_selectors as selectors
from hall.models import Notice, QueuePolicy, Role, Ticket, WindowCategory, WindowEvent
from hall.services import tickets as ticket_services
from hall.services.tidal import tidal_assign, tidal_rebalance
from hall.services.windows import window_pause

from .factories import StaffFactory
from .queue_factories import QueueCategoryFactory, issue, serving_window
from .workstation_helpers import *  # noqa: F403 - fixtures

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "live-hall"}


@pytest.fixture
def tidal_window(centre_1, clock):
    clerk = StaffFactory(username="tidal_clerk", role=Role.CLERK, centre=centre_1, real_name="王五")
    return serving_window(centre_1, clerk, [], kind="tidal", number="T1")


@pytest.fixture
def proposing(centre_1):
    QueuePolicy.objects.update_or_create(centre=centre_1, defaults={"tidal_mode": "propose"})


def proposal_for(category, tidal_window, count=4):
    category.tidal_waiting_threshold = count - 1
    category.tidal_release_waiting = 1
    category.save()
    for _ in range(count):
        issue(category)
    tidal_rebalance(centre_id=category.centre_id)
    return WindowEvent.objects.get(window=tidal_window, kind=WindowEvent.Kind.TIDAL_PROPOSED)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def flash(response) -> str:
    match = re.search(r'data-testid="flash">(.*?)</p>', response.content.decode(), re.S)
    return match.group(1).strip() if match else ""


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


# --------------------------------------------------------------------------- who may watch

@pytest.mark.parametrize("persona", ["manager_1", "supervisor"])
def test_managers_and_supervisors_watch_their_centre(client, persona, request, window):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse("live_hall"))

    assert response.status_code == 200
    assert response.context["hall"].centre == window.centre


@pytest.mark.parametrize("persona", ["clerk", "approver_a", "callback_operator", "citizen"])
def test_other_people_may_not_watch(client, persona, request, window):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reverse("live_hall")).status_code == 403


def test_anonymous_visitors_go_to_the_login_page(client, window):
    response = client.get(reverse("live_hall"))

    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_poll_after_the_session_expired_sends_the_browser_to_the_login_page(client, window):
    response = client.get(reverse("live_hall"), HTTP_HX_CURRENT_URL="http://testserver/manage/hall/", **HTMX)

    assert response["HX-Redirect"] == f"{reverse('login')}?next=/manage/hall/"


def test_a_manager_cannot_watch_another_centre_by_changing_the_url(client, manager_1, window, foreign_window):
    client.force_login(manager_1)

    response = client.get(reverse("live_hall"), {"centre": foreign_window.centre_id})

    assert response.context["hall"].centre == window.centre


@pytest.mark.parametrize("value", ["abc", "-1", "99999999999", "<script>", "1 OR 1=1"])
def test_bad_query_parameters_are_ignored(client, manager_1, window, value):
    client.force_login(manager_1)

    response = client.get(reverse("live_hall"), {"centre": value, "window": value, "category": value})

    assert response.status_code == 200
    assert response.context["selected_window"] is None and response.context["selected_category"] is None


def test_a_supervisor_sees_no_dispatch_buttons(client, supervisor, tidal_window, category_a, proposing):
    proposal_for(category_a, tidal_window)
    client.force_login(supervisor)

    html = client.get(reverse("live_hall")).content.decode()

    assert "同意调派" not in html and "释放" not in html
    assert 'data-testid="read-only"' in html
    assert 'data-testid="proposal-T1-A"' in html


# --------------------------------------------------------------------------- figures

def test_categories_show_waiting_longest_and_mean_wait_of_todays_served(client, manager_1, clerk, window,
                                                                        category_a, category_b, clock):
    issue(category_a)                                    # 09:00, served after 10 minutes
    issue(category_a)                                    # 09:00, served after 20 minutes
    clock.shift(dt.timedelta(minutes=10))
    for _ in range(2):
        ticket_services.ticket_call_next(window_id=window.pk, actor=clerk)
        ticket_services.ticket_start(window_id=window.pk, actor=clerk)
        ticket_services.ticket_finish(window_id=window.pk, actor=clerk)
        clock.shift(dt.timedelta(minutes=10))
    issue(category_b)                                    # 09:30, still waiting at 09:45
    clock.shift(dt.timedelta(minutes=15))
    client.force_login(manager_1)

    rows = {c.prefix: c for c in client.get(reverse("live_hall")).context["hall"].categories}

    assert (rows["A"].waiting, rows["A"].served_today, rows["A"].mean_wait_minutes) == (0, 2, 15.0)
    assert (rows["B"].waiting, rows["B"].longest_wait_minutes, rows["B"].mean_wait_minutes) == (1, 15, None)
    assert rows["A"].open_windows == rows["B"].open_windows == 1


def test_yesterdays_tickets_do_not_count(category_a, clock):
    issue(category_a)
    clock.shift(dt.timedelta(days=1))

    (row,) = selectors.category_figures(category_a.centre_id)

    assert (row.waiting, row.served_today) == (0, 0)


def test_category_figures_are_one_query(category_a, category_b, window, django_assert_num_queries):
    for _ in range(5):
        issue(category_a)
        issue(category_b)

    with django_assert_num_queries(1):
        selectors.category_figures(category_a.centre_id)


def test_windows_show_status_pause_reason_clerk_and_current_ticket(client, manager_1, clerk, window, window_b,
                                                                   category_a):
    issue(category_a)
    ticket_services.ticket_call_next(window_id=window.pk, actor=clerk)
    window_pause(window_id=window_b.pk, actor=window_b.clerk, reason="meeting")
    client.force_login(manager_1)

    html = text(client.get(reverse("live_hall")))

    row_5 = re.search(r'data-testid="window-5">(.*?)</tr>', html).group(1)
    row_6 = re.search(r'data-testid="window-6">(.*?)</tr>', html).group(1)
    assert "开放" in row_5 and clerk.display_name in row_5 and "A001" in row_5
    assert "暂停" in row_6 and "会议" in row_6


def test_the_log_shows_todays_tidal_moves_and_pauses_newest_first(client, manager_1, clerk, window, tidal_window,
                                                                  category_a):
    window_pause(window_id=window.pk, actor=clerk, reason="break")
    tidal_assign(window_id=tidal_window.pk, category_id=category_a.pk, actor=manager_1)
    client.force_login(manager_1)

    log = client.get(reverse("live_hall")).context["hall"].log

    assert [(e.kind, e.window.number) for e in log] == [("tidal_assigned", "T1"), ("paused", "5")]


def test_the_page_keeps_a_fixed_number_of_queries(client, manager_1, clerk, window, window_b, tidal_window,
                                                  category_a, category_b, proposing, django_assert_max_num_queries):
    proposal_for(category_a, tidal_window, count=10)
    for _ in range(10):
        issue(category_b)
    ticket_services.ticket_call_next(window_id=window.pk, actor=clerk)
    window_pause(window_id=window_b.pk, actor=window_b.clerk, reason="break")
    client.force_login(manager_1)
    client.get(reverse("live_hall"))

    with django_assert_max_num_queries(10):
        response = client.get(reverse("live_hall"), **HTMX)
    assert response.status_code == 200


def test_the_poll_answers_with_the_region_only(client, manager_1, window):
    client.force_login(manager_1)

    response = client.get(reverse("live_hall"), **HTMX)

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="live-hall"') and "<html" not in html
    assert 'hx-trigger="every 10s"' in html


# --------------------------------------------------------------------------- proposals

def test_a_pending_proposal_is_shown_and_preselected_from_the_notice_link(client, manager_1, tidal_window,
                                                                         category_a, proposing):
    proposal_for(category_a, tidal_window)
    link = Notice.objects.get(recipient=manager_1, kind="tidal_proposal").link
    client.force_login(manager_1)

    response = client.get(link)

    assert [p.category for p in response.context["hall"].proposals] == [category_a]
    html = response.content.decode()
    assert re.search(r'class="lh-highlight" data-testid="proposal-T1-A"', html)
    assert re.search(rf'<option value="{tidal_window.pk}" selected>', html)
    assert re.search(rf'<option value="{category_a.pk}" selected>', html)


def test_accepting_a_proposal_assigns_the_tidal_window(client, manager_1, tidal_window, category_a, proposing):
    proposal_for(category_a, tidal_window)
    client.force_login(manager_1)

    response = client.post(reverse("live_hall_tidal_assign"),
                           {"window": tidal_window.pk, "category": category_a.pk, "reason": "同意调派建议"}, **HTMX)

    assert flash(response) == "已将 T1 号潮汐窗口调派给“综合受理”。"
    assert WindowCategory.objects.get(window=tidal_window, is_tidal_assignment=True).category == category_a
    assert response.context["hall"].proposals == []
    assert WindowEvent.objects.filter(kind="tidal_assigned", actor=manager_1).count() == 1


def test_an_accepted_proposal_is_no_longer_pending_after_release(client, manager_1, tidal_window, category_a,
                                                                 proposing):
    proposal_for(category_a, tidal_window)
    tidal_assign(window_id=tidal_window.pk, category_id=category_a.pk, actor=manager_1)
    client.force_login(manager_1)

    client.post(reverse("live_hall_tidal_release"), {"window": tidal_window.pk})

    assert selectors.pending_tidal_proposals(tidal_window.centre_id) == []


def test_release_gives_the_tidal_window_back(client, manager_1, tidal_window, category_a):
    tidal_assign(window_id=tidal_window.pk, category_id=category_a.pk, actor=manager_1)
    client.force_login(manager_1)

    response = client.post(reverse("live_hall_tidal_release"), {"window": tidal_window.pk, "centre": "1"},
                           follow=True)

    assert not WindowCategory.objects.filter(window=tidal_window).exists()
    assert "潮汐窗口已释放" in messages_of(response)
    assert WindowEvent.objects.filter(kind="tidal_released", actor=manager_1).exists()


def test_yesterdays_proposals_are_not_pending(tidal_window, category_a, proposing, clock):
    proposal_for(category_a, tidal_window)
    clock.shift(dt.timedelta(days=1))

    assert selectors.pending_tidal_proposals(tidal_window.centre_id) == []


@pytest.mark.parametrize("route", ["live_hall_tidal_assign", "live_hall_tidal_release"])
def test_a_supervisor_cannot_dispatch(client, supervisor, manager_1, tidal_window, category_a, route):
    if route == "live_hall_tidal_release":
        tidal_assign(window_id=tidal_window.pk, category_id=category_a.pk, actor=manager_1)
    before = list(WindowCategory.objects.values_list("pk", flat=True))
    client.force_login(supervisor)

    response = client.post(reverse(route), {"window": tidal_window.pk, "category": category_a.pk}, **HTMX)

    assert flash(response) == "您没有权限执行此操作。"
    assert list(WindowCategory.objects.values_list("pk", flat=True)) == before


def test_a_manager_of_another_centre_cannot_dispatch_here(client, manager_2, tidal_window, category_a):
    client.force_login(manager_2)

    response = client.post(reverse("live_hall_tidal_assign"), {"window": tidal_window.pk, "category": category_a.pk},
                           follow=True)

    assert "您没有权限执行此操作。" in messages_of(response)
    assert not WindowCategory.objects.filter(window=tidal_window).exists()


def test_a_clerk_cannot_post_to_the_live_hall(client, clerk, tidal_window, category_a):
    client.force_login(clerk)

    response = client.post(reverse("live_hall_tidal_assign"), {"window": tidal_window.pk, "category": category_a.pk})

    assert response.status_code == 403
    assert not WindowCategory.objects.filter(window=tidal_window).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "请选择潮汐窗口。"),
        ({"window": "abc", "category": "1"}, "请选择潮汐窗口。"),
        ({"window": "{tidal}"}, "请选择业务类别。"),
        ({"window": "{tidal}", "category": "x"}, "请选择业务类别。"),
        ({"window": "999999", "category": "{a}"}, "窗口不存在。"),
        ({"window": "{tidal}", "category": "999999"}, "该业务类别不存在。"),
        ({"window": "{normal}", "category": "{a}"}, "只有潮汐窗口可以调派。"),
        ({"window": "{tidal}", "category": "{a}", "reason": "长" * 201}, "原因不能超过200个字。"),
    ],
)
def test_assign_refuses_bad_input_and_changes_nothing(client, manager_1, window, tidal_window, category_a, data,
                                                      message):
    ids = {"{tidal}": str(tidal_window.pk), "{normal}": str(window.pk), "{a}": str(category_a.pk)}
    client.force_login(manager_1)

    response = client.post(reverse("live_hall_tidal_assign"), {k: ids.get(v, v) for k, v in data.items()}, **HTMX)

    assert response.status_code == 200
    assert flash(response) == message
    assert not WindowCategory.objects.filter(is_tidal_assignment=True).exists()


def test_release_of_a_window_without_assignment_is_refused(client, manager_1, tidal_window):
    client.force_login(manager_1)

    response = client.post(reverse("live_hall_tidal_release"), {"window": tidal_window.pk}, **HTMX)

    assert flash(response) == "该窗口当前没有潮汐调派。"


def test_a_proposal_for_a_busy_window_says_to_release_first(client, manager_1, tidal_window, category_a, centre_1,
                                                            proposing):
    proposal_for(category_a, tidal_window)
    other = QueueCategoryFactory(centre=centre_1, prefix="D", name="公积金")
    tidal_assign(window_id=tidal_window.pk, category_id=other.pk, actor=manager_1)
    client.force_login(manager_1)

    html = text(client.get(reverse("live_hall")))

    assert "该窗口已有调派，请先释放。" in html
    assert Ticket.objects.filter(category=category_a).count() == 4
