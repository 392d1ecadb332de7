"""The clerk workstation: choosing and opening a window, and working it through one service per button."""

import datetime as dt
import re

import pytest
from django.template.loader import get_template
from django.template.loader_tags import BlockNode
from django.urls import reverse

from hall.models import Ticket, TicketEvent, Window, WindowEvent
from hall.services import tickets as ticket_services
from hall.services.windows import window_pause

from .queue_factories import issue, serving_window
from .workstation_helpers import *  # noqa: F403 - fixtures

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "ws-panel"}
BUTTONS = ("call_next", "recall", "start", "finish", "no_show", "close")


def page(client, window):
    return client.get(reverse("workstation_window", args=[window.pk]))


def act(client, window, action, data=None, **headers):
    return client.post(reverse(f"workstation_{action}", args=[window.pk]), data or {}, **headers)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def enabled_buttons(response) -> set[str]:
    html = response.content.decode()
    found = re.findall(r'<button[^>]*data-action="workstation_(\w+)"([^>]*)>', html)
    return {name for name, rest in found if "disabled" not in rest}


def flash(response) -> str:
    match = re.search(r'data-testid="flash">(.*?)</p>', response.content.decode(), re.S)
    return match.group(1).strip() if match else ""


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --------------------------------------------------------------------------- choosing a window

def test_home_lists_the_centres_windows_with_status_clerk_and_categories(client, clerk, window, foreign_window):
    closed = serving_window(window.centre, clerk, [], number="7", open_it=False)
    client.force_login(clerk)

    response = client.get(reverse("workstation"))

    assert response.status_code == 200
    assert [w.pk for w in response.context["windows"]] == [window.pk, closed.pk]
    html = text(response)
    assert "开放" in html and clerk.display_name in html and "A 综合受理" in html
    assert response.context["my_window"] == window


def test_home_offers_to_open_a_closed_window(client, other_clerk, centre_1, category_a, clock):
    closed = serving_window(centre_1, other_clerk, [category_a], number="8", open_it=False)
    client.force_login(other_clerk)

    html = client.get(reverse("workstation")).content.decode()

    assert reverse("workstation_open", args=[closed.pk]) in html


@pytest.mark.parametrize("persona", ["citizen", "supervisor", "callback_operator"])
def test_workstation_is_refused_to_people_who_do_not_sit_at_windows(client, persona, request, window):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reverse("workstation")).status_code == 403
    assert page(client, window).status_code == 403
    assert act(client, window, "call_next").status_code == 403


def test_workstation_sends_anonymous_visitors_to_the_login_page(client, window):
    response = client.get(reverse("workstation"))

    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_poll_after_the_session_expired_sends_the_browser_to_the_login_page(client, window):
    page_url = reverse("workstation_window", args=[window.pk])

    response = client.get(page_url, HTTP_HX_CURRENT_URL=f"http://testserver{page_url}", **HTMX)

    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{reverse('login')}?next={page_url}"
    assert b"<form" not in response.content


def test_messages_after_a_redirect_are_shown_where_the_next_action_replaces_them(client, clerk, window):
    client.force_login(clerk)

    response = act(client, window, "call_next", follow=True)

    assert flash(response) == "当前没有等候本窗口的号。"
    assert 'id="ws-flash" class="ws-flash" aria-live="polite">' in response.content.decode()


def test_open_from_the_list_makes_the_clerk_on_duty(client, other_clerk, centre_1, category_a, clock):
    closed = serving_window(centre_1, other_clerk, [category_a], number="8", open_it=False)
    client.force_login(other_clerk)

    response = act(client, closed, "open", follow=True)

    closed.refresh_from_db()
    assert (closed.status, closed.clerk) == (Window.Status.OPEN, other_clerk)
    assert "已开窗" in " ".join(messages_of(response))
    assert "call_next" in enabled_buttons(response)


def test_open_is_refused_while_the_clerk_sits_at_another_window(client, clerk, window, centre_1, category_a):
    second = serving_window(centre_1, clerk, [category_a], number="9", open_it=False)
    client.force_login(clerk)

    response = act(client, second, "open", follow=True)

    second.refresh_from_db()
    assert second.status == Window.Status.CLOSED
    assert "您已在其他窗口值守" in " ".join(messages_of(response))


def test_window_of_another_centre_is_not_found(client, clerk, window, foreign_window):
    client.force_login(clerk)

    assert page(client, foreign_window).status_code == 404
    assert act(client, foreign_window, "close").status_code == 404
    foreign_window.refresh_from_db()
    assert foreign_window.status == Window.Status.OPEN


def test_an_unknown_window_is_not_found(client, clerk, window):
    client.force_login(clerk)

    assert client.get("/workstation/windows/999999/").status_code == 404
    assert client.post("/workstation/windows/999999/call-next/").status_code == 404
    assert client.get("/workstation/windows/abc/").status_code == 404


def test_actions_only_accept_post(client, clerk, window):
    client.force_login(clerk)

    assert client.get(reverse("workstation_call_next", args=[window.pk])).status_code == 405


# --------------------------------------------------------------------------- the panel

def test_panel_shows_the_windows_categories_in_order_with_waiting_counts(client, clerk, window, category_a,
                                                                         category_b, clock):
    issue(category_b)
    issue(category_b)
    clock.shift(dt.timedelta(minutes=12))
    issue(category_a)
    client.force_login(clerk)

    response = page(client, window)

    queues = response.context["panel"].state.categories
    assert [(q.prefix, q.waiting, q.longest_wait_minutes) for q in queues] == [("A", 1, 0), ("B", 2, 12)]
    html = text(response)
    assert 'data-testid="waiting-total">3<' in html
    assert "12 分钟" in html


def test_panel_shows_the_pause_reason(client, clerk, window):
    window_pause(window_id=window.pk, actor=clerk, reason="meeting", note="科室例会")
    client.force_login(clerk)

    html = text(page(client, window))

    assert "暂停中：会议：科室例会" in html


def test_holder_name_is_hidden_until_the_call_and_masked_after_it(client, clerk, window, category_a):
    issue(category_a, holder_name="张三丰", phone="13812345678")
    client.force_login(clerk)

    before = page(client, window).content.decode()
    act(client, window, "call_next")
    after = page(client, window).content.decode()

    assert "张三丰" not in before and "张*丰" not in before
    assert "张*丰" in after and "张三丰" not in after
    assert "13812345678" not in after


def test_poll_answers_with_the_panel_only(client, clerk, window):
    client.force_login(clerk)

    response = client.get(reverse("workstation_window", args=[window.pk]), **HTMX)

    html = response.content.decode()
    assert html.lstrip().startswith("<section") and "<html" not in html
    assert 'hx-trigger="every 5s' in html
    assert "HX-Request" in response["Vary"]


def test_panel_keeps_a_small_fixed_number_of_queries(client, clerk, window, category_a, category_b,
                                                     django_assert_max_num_queries):
    for _ in range(30):
        issue(category_a)
        issue(category_b)
    ticket_services.ticket_call_next(window_id=window.pk, actor=clerk)
    client.force_login(clerk)
    page(client, window)  # warm the session

    with django_assert_max_num_queries(10):
        response = client.get(reverse("workstation_window", args=[window.pk]), **HTMX)
    assert response.status_code == 200


def test_panel_template_leaves_a_block_for_accepting_an_application():
    nodes = get_template("hall/workstation/_panel.html").template.nodelist.get_nodes_by_type(BlockNode)

    assert "ticket_actions_extra" in {node.name for node in nodes}


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("idle", {"call_next", "close"}),
        ("called", {"recall", "start", "no_show"}),
        ("serving", {"finish"}),
        ("paused", {"resume", "close"}),
        ("recalled_3_times", {"start", "no_show"}),
    ],
)
def test_buttons_are_enabled_only_when_the_service_would_accept_them(client, clerk, window, category_a, state,
                                                                     expected):
    issue(category_a)
    if state in ("called", "serving", "recalled_3_times"):
        ticket_services.ticket_call_next(window_id=window.pk, actor=clerk)
    if state == "serving":
        ticket_services.ticket_start(window_id=window.pk, actor=clerk)
    if state == "recalled_3_times":
        for _ in range(3):
            ticket_services.ticket_recall(window_id=window.pk, actor=clerk)
    if state == "paused":
        window_pause(window_id=window.pk, actor=clerk, reason="break")
    client.force_login(clerk)

    assert enabled_buttons(page(client, window)) == expected


def test_a_clerk_not_on_duty_sees_the_window_read_only_and_is_refused(client, other_clerk, window, category_a):
    issue(category_a)
    client.force_login(other_clerk)

    response = page(client, window)
    refused = act(client, window, "call_next", follow=True)

    assert enabled_buttons(response) == set()
    assert "您只能查看" in text(response)
    assert "您不是该窗口的当班人员" in " ".join(messages_of(refused))
    assert not TicketEvent.objects.filter(kind=TicketEvent.Kind.CALLED).exists()


# --------------------------------------------------------------------------- working the window

def test_call_next_calls_the_best_ticket_and_shows_it(client, clerk, window, category_a, category_b):
    issue(category_b)
    first = issue(category_a, priority_class=Ticket.PriorityClass.PRIORITY_GROUP, priority_group="elderly")
    client.force_login(clerk)

    response = act(client, window, "call_next", follow=True)

    first.refresh_from_db()
    assert (first.status, first.window) == (Ticket.Status.CALLED, window)
    assert "已叫 A001 号" in " ".join(messages_of(response))
    html = text(response)
    assert 'data-testid="ticket-number">A001<' in html
    assert "绿色通道·老年人" in html


def test_call_next_with_nobody_waiting_says_so(client, clerk, window):
    client.force_login(clerk)

    response = act(client, window, "call_next", follow=True)

    assert "当前没有等候本窗口的号" in " ".join(messages_of(response))
    assert not Ticket.objects.exists()


def test_htmx_action_swaps_the_panel_and_puts_the_message_above_it(client, clerk, window, category_a):
    issue(category_a)
    client.force_login(clerk)

    response = act(client, window, "call_next", **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="ws-panel"')
    assert 'id="ws-flash"' in html and 'hx-swap-oob="true"' in html
    assert flash(response) == "已叫 A001 号。"


def test_a_refused_htmx_action_answers_200_with_the_services_message(client, clerk, window):
    client.force_login(clerk)

    response = act(client, window, "finish", **HTMX)

    assert response.status_code == 200
    assert flash(response) == "本窗口当前没有号，不能办结。"


def test_recall_counts_up_to_three_then_refuses(client, clerk, window, category_a):
    issue(category_a)
    client.force_login(clerk)
    act(client, window, "call_next")

    for _ in range(3):
        response = act(client, window, "recall", **HTMX)
    refused = act(client, window, "recall", **HTMX)

    assert "第 3 次" in flash(response)
    assert 'data-testid="recalls">3/3<' in response.content.decode()
    assert flash(refused) == "已重呼3次，请按过号处理。"
    assert Ticket.objects.get().recall_count == 3


def test_start_then_finish_counts_the_ticket_as_served_today(client, clerk, window, category_a):
    issue(category_a)
    client.force_login(clerk)
    act(client, window, "call_next")

    act(client, window, "start")
    response = act(client, window, "finish", **HTMX)

    ticket = Ticket.objects.get()
    assert ticket.status == Ticket.Status.DONE
    assert flash(response) == "A001 号已办结。"
    assert 'data-testid="served-today">1<' in response.content.decode()


def test_finish_before_start_is_refused(client, clerk, window, category_a):
    issue(category_a)
    client.force_login(clerk)
    act(client, window, "call_next")

    response = act(client, window, "finish", **HTMX)

    assert flash(response) == "A001 号尚未开始办理，不能办结。"
    assert Ticket.objects.get().status == Ticket.Status.CALLED


def test_no_show_marks_the_called_ticket(client, clerk, window, category_a):
    issue(category_a)
    client.force_login(clerk)
    act(client, window, "call_next")

    response = act(client, window, "no_show", **HTMX)

    assert Ticket.objects.get().status == Ticket.Status.NO_SHOW
    assert flash(response) == "A001 号已按过号处理。"


def test_transfer_sends_the_ticket_to_another_category_keeping_its_time(client, clerk, window, window_b,
                                                                        category_a, category_b):
    original = issue(category_a)
    client.force_login(clerk)
    act(client, window, "call_next")

    response = act(client, window, "transfer", {"category": category_b.pk, "reason": "应办不动产"}, **HTMX)

    original.refresh_from_db()
    new = Ticket.objects.get(transferred_from=original)
    assert original.status == Ticket.Status.TRANSFERRED
    assert (new.category, new.issued_at) == (category_b, original.issued_at)
    assert "A001 号已转到“不动产登记”，新号 B001" in flash(response)
    assert TicketEvent.objects.get(ticket=original, kind=TicketEvent.Kind.TRANSFERRED).reason == "应办不动产"


def test_transfer_offers_the_centres_other_categories_and_marks_those_without_an_open_window(
    client, clerk, window, category_a, category_b
):
    issue(category_a)
    client.force_login(clerk)
    act(client, window, "call_next")

    response = page(client, window)

    targets = response.context["panel"].transfer_targets
    assert [(t.label, t.has_open_window) for t in targets] == [("B 不动产登记", True)]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "请选择要转去的业务类别。"),
        ({"category": "abc"}, "请选择要转去的业务类别。"),
        ({"category": "99999999999"}, "请选择要转去的业务类别。"),
        ({"category": "999999"}, "目标业务类别不存在。"),
        ({"category": "B", "reason": "x"}, "请选择要转去的业务类别。"),
        ({"category": "{category_b}", "reason": "长" * 201}, "原因不能超过200个字。"),
        ({"category": "{category_a}"}, "不能转移到同一业务类别。"),
    ],
)
def test_transfer_refuses_bad_input_and_changes_nothing(client, clerk, window, window_b, category_a, category_b,
                                                        data, message):
    issue(category_a)
    client.force_login(clerk)
    act(client, window, "call_next")
    ids = {"{category_a}": str(category_a.pk), "{category_b}": str(category_b.pk)}
    data = {key: ids.get(value, value) for key, value in data.items()}

    response = act(client, window, "transfer", data, **HTMX)

    assert flash(response) == message
    assert Ticket.objects.get().status == Ticket.Status.CALLED
    assert 'data-testid="transfer" open' in response.content.decode()  # the form stays open to correct it


def test_transfer_is_refused_when_no_open_window_serves_the_target(client, clerk, window, category_a, centre_1):
    from .queue_factories import QueueCategoryFactory

    unserved = QueueCategoryFactory(centre=centre_1, prefix="C", name="社保")
    issue(category_a)
    client.force_login(clerk)
    act(client, window, "call_next")

    response = act(client, window, "transfer", {"category": unserved.pk}, **HTMX)

    assert flash(response) == "目前没有开放的窗口办理“社保”，不能转移。"
    assert Ticket.objects.count() == 1


def test_pause_with_a_reason_then_resume(client, clerk, window):
    client.force_login(clerk)

    paused = act(client, window, "pause", {"reason": "break", "note": ""}, **HTMX)
    window.refresh_from_db()
    paused_status = (window.status, window.pause_reason)
    resumed = act(client, window, "resume", **HTMX)
    window.refresh_from_db()

    assert paused_status == (Window.Status.PAUSED, "休息")
    assert flash(paused) == "窗口已暂停（休息）。"
    assert window.status == Window.Status.OPEN and flash(resumed) == "窗口已恢复，可以叫号。"
    assert list(WindowEvent.objects.filter(window=window).values_list("kind", flat=True).order_by("id")) == [
        "opened", "paused", "resumed",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "请选择暂停原因。"),
        ({"reason": "lunch"}, "请选择暂停原因。"),
        ({"reason": "other", "note": ""}, "选择“其他”时请填写暂停说明。"),
        ({"reason": "other", "note": "长" * 101}, "暂停说明不能超过100个字。"),
    ],
)
def test_pause_refuses_a_missing_or_bad_reason(client, clerk, window, data, message):
    client.force_login(clerk)

    response = act(client, window, "pause", data, **HTMX)

    window.refresh_from_db()
    assert window.status == Window.Status.OPEN
    assert flash(response) == message


def test_pause_is_refused_while_a_ticket_is_at_the_window(client, clerk, window, category_a):
    issue(category_a)
    client.force_login(clerk)
    act(client, window, "call_next")

    response = act(client, window, "pause", {"reason": "break"}, **HTMX)

    assert flash(response) == "请先处理当前的 A001 号，再暂停窗口。"


def test_a_paused_window_cannot_call(client, clerk, window, category_a):
    issue(category_a)
    window_pause(window_id=window.pk, actor=clerk, reason="break")
    client.force_login(clerk)

    response = act(client, window, "call_next", **HTMX)

    assert flash(response) == "窗口已暂停，不能叫号。请先恢复窗口。"
    assert Ticket.objects.get().status == Ticket.Status.WAITING


def test_close_is_refused_with_a_current_ticket_then_closes(client, clerk, window, category_a):
    issue(category_a)
    client.force_login(clerk)
    act(client, window, "call_next")

    refused = act(client, window, "close", **HTMX)
    act(client, window, "no_show")
    closed = act(client, window, "close", follow=True)

    window.refresh_from_db()
    assert flash(refused) == "请先处理当前的 A001 号，再关闭窗口。"
    assert (window.status, window.clerk) == (Window.Status.CLOSED, None)
    assert "窗口已关闭。" in messages_of(closed)


def test_pick_calls_a_waiting_ticket_out_of_order_and_logs_the_reason(client, clerk, window, category_a):
    issue(category_a)
    later = issue(category_a)
    client.force_login(clerk)

    listed = page(client, window)
    response = act(client, window, "call_ticket", {"ticket": later.pk, "reason": "行动不便，先办"}, **HTMX)

    assert [t.number for t in listed.context["panel"].waiting_tickets] == ["A001", "A002"]
    later.refresh_from_db()
    assert later.status == Ticket.Status.CALLED
    assert flash(response) == "已叫 A002 号（不按顺序，原因已记录）。"
    assert TicketEvent.objects.get(ticket=later, kind=TicketEvent.Kind.PICKED).reason == "行动不便，先办"


def test_the_pick_list_shows_numbers_never_names(client, clerk, window, category_a):
    issue(category_a, holder_name="欧阳娜娜")
    client.force_login(clerk)

    html = page(client, window).content.decode()

    assert "A001 · 普通" in html
    assert "欧阳" not in html and "娜" not in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"ticket": "{ticket}"}, "请填写不按顺序叫号的原因（将记录备查）。"),
        ({"ticket": "{ticket}", "reason": "   "}, "请填写不按顺序叫号的原因（将记录备查）。"),
        ({"ticket": "{ticket}", "reason": "长" * 201}, "原因不能超过200个字。"),
        ({"ticket": "abc", "reason": "急"}, "请选择要叫的号。"),
        ({"ticket": "-1", "reason": "急"}, "请选择要叫的号。"),
        ({"ticket": "1e9", "reason": "急"}, "请选择要叫的号。"),
        ({"ticket": "99999999", "reason": "急"}, "排队号不存在。"),
        ({"ticket": "{foreign}", "reason": "<script>alert(1)</script>"}, "该号不在等候中，不能叫号。"),
        ({"ticket": "{unserved}", "reason": "急"}, "本窗口不办理该业务类别。"),
    ],
)
def test_pick_refuses_bad_input_and_changes_nothing(client, clerk, window, category_a, foreign_window, centre_1,
                                                    data, message):
    from .queue_factories import QueueCategoryFactory

    ticket = issue(category_a)
    foreign = issue(foreign_window.category_links.get().category)
    unserved = issue(QueueCategoryFactory(centre=centre_1, prefix="C", name="社保"))
    ids = {"{ticket}": str(ticket.pk), "{foreign}": str(foreign.pk), "{unserved}": str(unserved.pk)}
    client.force_login(clerk)

    response = act(client, window, "call_ticket", {k: ids.get(v, v) for k, v in data.items()}, **HTMX)

    assert flash(response) == message
    assert not Ticket.objects.exclude(status=Ticket.Status.WAITING).exists()
    assert "<script>alert" not in response.content.decode()


def test_every_page_action_writes_exactly_one_event_through_the_service(client, clerk, window, category_a):
    issue(category_a)
    client.force_login(clerk)

    for action in ("call_next", "recall", "start", "finish"):
        act(client, window, action)

    kinds = list(TicketEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["issued", "called", "recalled", "started", "finished"]
    assert set(TicketEvent.objects.exclude(kind="issued").values_list("actor", flat=True)) == {clerk.pk}


def test_a_manager_may_sit_at_a_window_of_their_centre(client, manager_1, centre_1, category_a, clock):
    closed = serving_window(centre_1, manager_1, [category_a], number="8", open_it=False)
    client.force_login(manager_1)

    act(client, closed, "open")

    closed.refresh_from_db()
    assert closed.clerk == manager_1


def test_staff_granted_another_centre_can_read_but_not_work_its_window(client, clerk, centre_2, foreign_window):
    clerk.extra_centres.add(centre_2)
    client.force_login(clerk)

    response = page(client, foreign_window)
    refused = act(client, foreign_window, "close", follow=True)

    assert response.status_code == 200
    assert enabled_buttons(response) == set()
    assert "不能操作其他中心的窗口" in " ".join(messages_of(refused))
    foreign_window.refresh_from_db()
    assert foreign_window.status == Window.Status.OPEN


def test_the_panel_links_the_called_ticket_to_acceptance_at_the_window(client, db):
    from hall.services import tickets as ticket_services
    from tests.hall.factories import CentreFactory, StaffFactory
    from tests.hall.queue_factories import QueueCategoryFactory, issue, serving_window

    centre = CentreFactory()
    clerk = StaffFactory(centre=centre, role="clerk")
    category = QueueCategoryFactory(centre=centre, prefix="A")
    window = serving_window(centre, clerk, [category])
    ticket = issue(category)
    client.force_login(clerk)
    assert b"accept-for-ticket" not in client.get(f"/workstation/windows/{window.pk}/").content

    ticket_services.ticket_call_next(window_id=window.pk, actor=clerk)

    page = client.get(f"/workstation/windows/{window.pk}/").content.decode()
    assert f"/cases/accept/?ticket={ticket.pk}" in page
