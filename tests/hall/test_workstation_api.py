"""The window API: every operation through the same services as the workstation page, and every refusal
answered with a Chinese `detail`."""

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from hall.models import Ticket, TicketEvent, Window, WindowEvent
from hall.services import tickets as ticket_services
from hall.services.devices import device_register
from hall.services.windows import window_pause

from .queue_factories import QueueCategoryFactory, issue, serving_window
from .workstation_helpers import *  # noqa: F403 - fixtures

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def api():
    return APIClient()


def url(window, operation=None) -> str:
    if operation is None:
        return reverse("api-queue-window", args=[window.pk])
    return reverse(f"api-queue-window-{operation}", args=[window.pk])


def post(api, window, operation, data=None):
    return api.post(url(window, operation), data or {}, format="json")


# --------------------------------------------------------------------------- reading

def test_state_shows_status_clerk_current_ticket_and_queues(api, clerk, window, category_a, category_b):
    issue(category_b)
    issue(category_a, holder_name="张三", phone="13812345678")
    ticket_services.ticket_call_next(window_id=window.pk, actor=clerk)
    api.force_login(clerk)

    body = api.get(url(window)).json()

    assert (body["number"], body["status"], body["pause_reason"]) == ("5", "open", "")
    assert body["clerk"]["id"] == clerk.pk
    assert body["ticket"]["number"] == "A001"
    assert body["ticket"]["holder_name"] == "张*"
    assert "13812345678" not in str(body) and "张三" not in str(body)
    assert [(c["prefix"], c["waiting"]) for c in body["categories"]] == [("A", 0), ("B", 1)]
    assert (body["waiting_total"], body["served_today"], body["max_recalls"]) == (1, 0, 3)


def test_state_of_a_paused_window_gives_the_reason(api, clerk, window):
    window_pause(window_id=window.pk, actor=clerk, reason="break")
    api.force_login(clerk)

    body = api.get(url(window)).json()

    assert (body["status"], body["pause_reason"], body["ticket"]) == ("paused", "休息", None)


def test_a_supervisor_may_read_a_windows_state_but_not_operate_it(api, supervisor, window):
    api.force_login(supervisor)

    assert api.get(url(window)).status_code == 200
    response = post(api, window, "close")

    assert response.status_code == 403 and CJK.search(response.json()["detail"])
    window.refresh_from_db()
    assert window.status == Window.Status.OPEN


def test_reading_a_state_keeps_a_fixed_number_of_queries(api, clerk, window, category_a,
                                                         django_assert_max_num_queries):
    for _ in range(20):
        issue(category_a)
    ticket_services.ticket_call_next(window_id=window.pk, actor=clerk)
    api.force_login(clerk)
    api.get(url(window))

    with django_assert_max_num_queries(9):
        assert api.get(url(window)).status_code == 200


# --------------------------------------------------------------------------- operations

def test_open_makes_the_caller_the_clerk_on_duty(api, other_clerk, centre_1, category_a, clock):
    closed = serving_window(centre_1, other_clerk, [category_a], number="8", open_it=False)
    api.force_login(other_clerk)

    response = post(api, closed, "open")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["clerk"]["id"]) == ("open", other_clerk.pk)


def test_pause_and_resume(api, clerk, window):
    api.force_login(clerk)

    paused = post(api, window, "pause", {"reason": "other", "note": "系统升级"})
    resumed = post(api, window, "resume")

    assert (paused.status_code, paused.json()["pause_reason"]) == (200, "其他：系统升级")
    assert (resumed.status_code, resumed.json()["status"]) == (200, "open")


def test_close(api, clerk, window):
    api.force_login(clerk)

    response = post(api, window, "close")

    assert (response.status_code, response.json()["status"], response.json()["clerk"]) == (200, "closed", None)


def test_call_next_returns_the_called_ticket(api, clerk, window, category_a):
    issue(category_a)
    api.force_login(clerk)

    response = post(api, window, "call-next")

    assert response.status_code == 200
    assert (response.json()["ticket"]["number"], response.json()["ticket"]["status"]) == ("A001", "called")


def test_call_next_with_nobody_waiting_answers_200_with_no_ticket(api, clerk, window):
    api.force_login(clerk)

    response = post(api, window, "call-next")

    assert response.status_code == 200
    assert response.json()["ticket"] is None


def test_call_ticket_calls_out_of_order_with_a_logged_reason(api, clerk, window, category_a):
    issue(category_a)
    later = issue(category_a)
    api.force_login(clerk)

    response = post(api, window, "call-ticket", {"ticket_id": later.pk, "reason": "孕妇优先"})

    assert response.status_code == 200 and response.json()["ticket"]["number"] == "A002"
    assert TicketEvent.objects.get(ticket=later, kind=TicketEvent.Kind.PICKED).reason == "孕妇优先"


def test_recall_start_finish(api, clerk, window, category_a):
    issue(category_a)
    api.force_login(clerk)
    post(api, window, "call-next")

    recalled = post(api, window, "recall").json()
    started = post(api, window, "start").json()
    finished = post(api, window, "finish").json()

    assert recalled["ticket"]["recall_count"] == 1
    assert started["ticket"]["status"] == "serving"
    assert (finished["ticket"], finished["served_today"]) == (None, 1)


def test_no_show(api, clerk, window, category_a):
    ticket = issue(category_a)
    api.force_login(clerk)
    post(api, window, "call-next")

    response = post(api, window, "no-show")

    ticket.refresh_from_db()
    assert (response.status_code, response.json()["ticket"], ticket.status) == (200, None, Ticket.Status.NO_SHOW)


def test_transfer_moves_the_ticket_and_keeps_its_issue_time(api, clerk, window, window_b, category_a, category_b):
    ticket = issue(category_a)
    api.force_login(clerk)
    post(api, window, "call-next")

    response = post(api, window, "transfer", {"category_id": category_b.pk, "reason": "走错类别"})

    new = Ticket.objects.get(transferred_from=ticket)
    assert response.status_code == 200 and response.json()["ticket"] is None
    assert (new.category, new.issued_at, new.status) == (category_b, ticket.issued_at, Ticket.Status.WAITING)


# --------------------------------------------------------------------------- refusals

def test_anonymous_callers_are_refused_in_chinese(api, window):
    response = api.get(url(window))

    assert response.status_code == 403 and CJK.search(response.json()["detail"])


def test_devices_cannot_use_the_window_api(api, manager_1, window):
    _device, key = device_register(actor=manager_1, centre_id=window.centre_id, kind="kiosk", name="一号取号机")
    api.credentials(HTTP_AUTHORIZATION=f"Device {key}")

    assert api.get(url(window)).status_code in (401, 403)
    assert post(api, window, "call-next").status_code in (401, 403)


def test_citizens_are_refused(api, citizen, window):
    api.force_login(citizen)

    assert api.get(url(window)).status_code == 404
    assert post(api, window, "close").status_code == 404


def test_a_window_of_another_centre_is_not_found(api, clerk, window, foreign_window):
    api.force_login(clerk)

    response = post(api, foreign_window, "close")

    assert response.status_code == 404 and response.json()["detail"] == "该窗口不存在。"
    foreign_window.refresh_from_db()
    assert foreign_window.status == Window.Status.OPEN


def test_a_window_of_a_granted_centre_can_be_read_but_not_operated(api, clerk, centre_2, foreign_window):
    clerk.extra_centres.add(centre_2)
    api.force_login(clerk)

    assert api.get(url(foreign_window)).status_code == 200
    response = post(api, foreign_window, "close")

    assert response.status_code == 403
    assert response.json()["detail"] == "只有本中心的窗口工作人员可以操作窗口。"


@pytest.mark.parametrize("path", ["/api/queue/windows/999999/", "/api/queue/windows/999999/call-next/",
                                  "/api/queue/windows/abc/", "/api/queue/windows/1.5/close/"])
def test_unknown_or_malformed_window_ids_are_not_found(api, clerk, window, path):
    api.force_login(clerk)

    response = api.post(path) if path.endswith("/call-next/") or path.endswith("/close/") else api.get(path)

    assert response.status_code == 404


def test_operating_a_window_you_are_not_on_duty_at_is_refused(api, other_clerk, window, category_a):
    issue(category_a)
    api.force_login(other_clerk)

    response = post(api, window, "call-next")

    assert response.status_code == 403
    assert response.json()["detail"] == "您不是该窗口的当班人员，请先在该窗口开窗。"
    assert Ticket.objects.get().status == Ticket.Status.WAITING


@pytest.mark.parametrize(
    ("operation", "status", "detail"),
    [
        ("recall", 409, "本窗口当前没有号，不能重呼。"),
        ("start", 409, "本窗口当前没有号，不能开始办理。"),
        ("finish", 409, "本窗口当前没有号，不能办结。"),
        ("no-show", 409, "本窗口当前没有号，不能过号。"),
        ("resume", 409, "只有暂停中的窗口可以恢复。"),
        ("open", 409, "该窗口已开放。"),
    ],
)
def test_operations_from_the_wrong_state_are_refused_with_409(api, clerk, window, operation, status, detail):
    api.force_login(clerk)

    response = post(api, window, operation)

    assert (response.status_code, response.json()["detail"]) == (status, detail)


def test_a_paused_window_cannot_call(api, clerk, window, category_a):
    issue(category_a)
    window_pause(window_id=window.pk, actor=clerk, reason="break")
    api.force_login(clerk)

    response = post(api, window, "call-next")

    assert (response.status_code, response.json()["detail"]) == (409, "窗口已暂停，不能叫号。请先恢复窗口。")
    assert Ticket.objects.get().status == Ticket.Status.WAITING


@pytest.mark.parametrize(
    ("payload", "status", "detail"),
    [
        ({}, 400, "请指定要叫的号（ticket_id 为整数）。"),
        ({"ticket_id": "abc", "reason": "急"}, 400, "请指定要叫的号（ticket_id 为整数）。"),
        ({"ticket_id": 1.5, "reason": "急"}, 400, "请指定要叫的号（ticket_id 为整数）。"),
        ({"ticket_id": 10**20, "reason": "急"}, 400, "请指定要叫的号（ticket_id 为整数）。"),
        ({"ticket_id": None, "reason": "急"}, 400, "请指定要叫的号（ticket_id 为整数）。"),
        ({"ticket_id": [1], "reason": "急"}, 400, "请指定要叫的号（ticket_id 为整数）。"),
        ({"ticket_id": "{ticket}"}, 400, "请填写原因。"),
        ({"ticket_id": "{ticket}", "reason": "  "}, 400, "请填写原因。"),
        ({"ticket_id": "{ticket}", "reason": "长" * 201}, 400, "原因不能超过200个字。"),
        ({"ticket_id": "{ticket}", "reason": "长" * 5000}, 400, "原因不能超过200个字。"),
        ({"ticket_id": 99999999, "reason": "急"}, 404, "排队号不存在。"),
        ({"ticket_id": "{foreign}", "reason": "急"}, 409, "该号不在等候中，不能叫号。"),
    ],
)
def test_call_ticket_refuses_bad_input_in_chinese(api, clerk, window, category_a, foreign_window, payload, status,
                                                  detail):
    ticket = issue(category_a)
    foreign = issue(foreign_window.category_links.get().category)
    ids = {"{ticket}": ticket.pk, "{foreign}": foreign.pk}
    api.force_login(clerk)

    response = post(api, window, "call-ticket", {k: ids.get(v, v) if isinstance(v, str) else v
                                                 for k, v in payload.items()})

    assert (response.status_code, response.json()["detail"]) == (status, detail)
    assert not Ticket.objects.exclude(status=Ticket.Status.WAITING).exists()


@pytest.mark.parametrize(
    ("payload", "status", "detail"),
    [
        ({}, 400, "请指定要转去的业务类别（category_id 为整数）。"),
        ({"category_id": "B"}, 400, "请指定要转去的业务类别（category_id 为整数）。"),
        ({"category_id": 999999}, 400, "目标业务类别不存在。"),
        ({"category_id": "{foreign}"}, 400, "目标业务类别不存在。"),
        ({"category_id": "{b}", "reason": "长" * 201}, 400, "原因不能超过200个字。"),
        ({"category_id": "{unserved}"}, 409, "目前没有开放的窗口办理“社保”，不能转移。"),
    ],
)
def test_transfer_refuses_bad_input_in_chinese(api, clerk, window, window_b, category_a, category_b, centre_1,
                                               foreign_window, payload, status, detail):
    unserved = QueueCategoryFactory(centre=centre_1, prefix="C", name="社保")
    issue(category_a)
    api.force_login(clerk)
    post(api, window, "call-next")
    ids = {"{b}": category_b.pk, "{unserved}": unserved.pk,
           "{foreign}": foreign_window.category_links.get().category_id}

    response = post(api, window, "transfer", {k: ids.get(v, v) if isinstance(v, str) else v
                                              for k, v in payload.items()})

    assert (response.status_code, response.json()["detail"]) == (status, detail)
    assert Ticket.objects.count() == 1 and Ticket.objects.get().status == Ticket.Status.CALLED


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({}, "请选择暂停原因。"),
        ({"reason": "lunch"}, "请选择暂停原因。"),
        ({"reason": None}, "请选择暂停原因。"),
        ({"reason": "other"}, "选择“其他”时请填写暂停说明。"),
        ({"reason": "break", "note": "长" * 101}, "暂停说明不能超过100个字。"),
        ({"reason": "break", "note": "长" * 2000}, "暂停说明不能超过100个字。"),
    ],
)
def test_pause_refuses_a_missing_or_bad_reason(api, clerk, window, payload, detail):
    api.force_login(clerk)

    response = post(api, window, "pause", payload)

    assert (response.status_code, response.json()["detail"]) == (400, detail)
    window.refresh_from_db()
    assert window.status == Window.Status.OPEN


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '"call"'])
def test_a_malformed_body_is_refused_in_chinese(api, clerk, window, body):
    api.force_login(clerk)

    response = api.post(url(window, "pause"), body, content_type="application/json")

    assert response.status_code == 400 and CJK.search(response.json()["detail"])


def test_operations_need_the_csrf_token_with_a_session(clerk, window):
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(clerk)

    response = post(api, window, "close")

    assert response.status_code == 403
    window.refresh_from_db()
    assert window.status == Window.Status.OPEN


# --------------------------------------------------------------------------- one path for all

def test_page_and_api_write_the_same_events(api, client, clerk, other_clerk, centre_1, category_a, window, clock):
    """The same shift — open, call, recall, start, finish, call, no-show, pause, resume, close — once through the
    workstation page and once through the API gives the same ticket and window events."""
    second = serving_window(centre_1, other_clerk, [category_a], number="9", open_it=False)
    shift = ["call-next", "recall", "start", "finish", "call-next", "no-show", "pause", "resume", "close"]

    def run(window, actor, do):
        for operation in shift:
            do(window, operation)
        return (
            list(TicketEvent.objects.filter(window=window).order_by("id").values_list("kind", "actor")),
            list(WindowEvent.objects.filter(window=window).order_by("id").values_list("kind", "actor", "reason")),
        )

    for _ in range(4):
        issue(category_a)
    client.force_login(clerk)
    page_events = run(window, clerk, lambda w, op: client.post(
        reverse("workstation_" + op.replace("-", "_"), args=[w.pk]), {"reason": "break"}))
    api.force_login(other_clerk)
    post(api, second, "open")
    api_events = run(second, other_clerk, lambda w, op: post(api, w, op, {"reason": "break"}))

    assert [kind for kind, _actor in page_events[0]] == [kind for kind, _actor in api_events[0]] == [
        "called", "recalled", "started", "finished", "called", "no_show",
    ]
    assert {actor for _kind, actor in page_events[0]} == {clerk.pk}
    assert {actor for _kind, actor in api_events[0]} == {other_clerk.pk}
    assert [(k, r) for k, _a, r in page_events[1]] == [(k, r) for k, _a, r in api_events[1]] == [
        ("opened", ""), ("paused", "休息"), ("resumed", ""), ("closed", ""),
    ]


def test_every_operation_is_in_the_api_schema(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    operations = {"open", "pause", "resume", "close", "call-next", "call-ticket", "recall", "start", "finish",
                  "no-show", "transfer"}
    assert "/api/queue/windows/{window_id}/" in schema["paths"]
    assert {f"/api/queue/windows/{{window_id}}/{name}/" for name in operations} <= set(schema["paths"])
