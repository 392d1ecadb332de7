"""Queue admin: categories, calling profiles and the queue policy saved through hall.services.queue_config,
scoped to the manager's centre; tickets, events and appointments read-only and masked."""

import re

import pytest
from django.urls import reverse

from common.errors import PermissionDeniedError, ValidationFailed
from hall.models import Appointment, AppointmentSlot, QueueCategory, QueuePolicy, Ticket, WindowCategory
from hall.services import queue_config
from hall.services.tidal import tidal_assign

from .factories import CitizenFactory, MatterFactory, WindowFactory
from .queue_factories import QueueCategoryFactory, issue
from .workstation_helpers import *  # noqa: F403 - fixtures

pytestmark = pytest.mark.django_db


def errors(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def category_post(centre, **fields):
    data = {
        "centre": centre.pk, "prefix": "C", "name": "社保医保", "position": "3", "is_active": "on",
        "tidal_waiting_threshold": "15", "tidal_wait_minutes_threshold": "30", "tidal_release_waiting": "5",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def window_post(window, links=(), existing=()):
    data = {
        "number": window.number, "name": window.name, "kind": window.kind,
        "department": window.department_id or "", "location": window.location, "is_active": "on",
        "category_links-TOTAL_FORMS": str(len(links)), "category_links-INITIAL_FORMS": str(len(existing)),
        "category_links-MIN_NUM_FORMS": "0", "category_links-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(links):
        for key, value in row.items():
            if value is not None:
                data[f"category_links-{index}-{key}"] = value
        data[f"category_links-{index}-window"] = str(window.pk)
        if index < len(existing):
            data[f"category_links-{index}-id"] = str(existing[index].pk)
    return data


# ---------------------------------------------------------------- categories

def test_manager_lists_only_their_centres_categories(client, manager_1, category_a, centre_2):
    QueueCategoryFactory(centre=centre_2, prefix="Z", name="别的中心类别")
    client.force_login(manager_1)

    html = client.get(reverse("admin:hall_queuecategory_changelist")).content.decode()

    assert "综合受理" in html and "别的中心类别" not in html


def test_manager_adds_a_category_with_matters_of_their_centre(client, manager_1, centre_1, department_a):
    matter = MatterFactory(centre=centre_1, department=department_a, name="食品经营许可")
    client.force_login(manager_1)

    response = client.post(reverse("admin:hall_queuecategory_add"), category_post(centre_1, matters=[matter.pk]))

    assert response.status_code == 302, errors(response)
    category = QueueCategory.objects.get(prefix="C")
    assert list(category.matters.all()) == [matter]
    assert category.history.first().history_user == manager_1


def test_matter_choices_are_limited_to_the_managers_centre(client, manager_1, centre_1, department_a, centre_2):
    MatterFactory(centre=centre_1, department=department_a, name="本中心事项")
    MatterFactory(centre=centre_2, name="别的中心事项")
    client.force_login(manager_1)

    html = client.get(reverse("admin:hall_queuecategory_add")).content.decode()

    assert "本中心事项" in html and "别的中心事项" not in html


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"prefix": "A"}, "该中心已有前缀为“A”的业务类别。"),
        ({"prefix": "a1"}, "前缀须为一到两位大写字母。"),
        ({"tidal_release_waiting": "15"}, "潮汐释放人数应小于调度阈值。"),
        ({"name": ""}, "该字段是必填项。"),
    ],
)
def test_admin_shows_category_rules_as_form_errors(client, manager_1, centre_1, category_a, fields, message):
    client.force_login(manager_1)

    response = client.post(reverse("admin:hall_queuecategory_add"), category_post(centre_1, **fields))

    assert response.status_code == 200
    assert message in errors(response)
    assert QueueCategory.objects.count() == 1


def test_a_category_with_people_waiting_cannot_be_deactivated(client, manager_1, centre_1, category_a, clock):
    issue(category_a)
    client.force_login(manager_1)
    data = category_post(centre_1, prefix="A", name="综合受理", is_active=None)
    data.pop("centre")

    response = client.post(reverse("admin:hall_queuecategory_change", args=[category_a.pk]), data)

    assert "该类别还有 1 人等候，不能停用。" in errors(response)
    category_a.refresh_from_db()
    assert category_a.is_active


def test_the_prefix_cannot_change_on_a_day_with_tickets(manager_1, category_a, clock):
    issue(category_a)

    with pytest.raises(ValidationFailed, match="不能修改号码前缀"):
        queue_config.queue_category_update(actor=manager_1, category_id=category_a.pk, data={"prefix": "Q"})


def test_category_services_refuse_other_centres_and_non_managers(manager_1, manager_2, clerk, category_a,
                                                                 centre_2):
    foreign_matter = MatterFactory(centre=centre_2)

    with pytest.raises(PermissionDeniedError):
        queue_config.queue_category_update(actor=manager_2, category_id=category_a.pk, data={"name": "改名"})
    with pytest.raises(PermissionDeniedError):
        queue_config.queue_category_create(actor=clerk, centre=category_a.centre, prefix="Q", name="新")
    with pytest.raises(ValidationFailed, match="只能选择本中心的事项"):
        queue_config.queue_category_set_matters(
            actor=manager_1, category_id=category_a.pk, matter_ids=[foreign_matter.pk]
        )
    category_a.refresh_from_db()
    assert category_a.name == "综合受理" and not category_a.matters.exists()


def test_supervisor_reads_categories_but_cannot_change_or_add(client, supervisor, centre_1, category_a):
    client.force_login(supervisor)

    page = client.get(reverse("admin:hall_queuecategory_change", args=[category_a.pk])).content.decode()
    refused = client.post(reverse("admin:hall_queuecategory_add"), category_post(centre_1))

    assert 'name="_save"' not in page
    assert refused.status_code == 403
    assert QueueCategory.objects.count() == 1


def test_nobody_deletes_a_category(client, manager_1, category_a):
    client.force_login(manager_1)

    response = client.post(reverse("admin:hall_queuecategory_delete", args=[category_a.pk]), {"post": "yes"})

    assert response.status_code == 403
    assert QueueCategory.objects.filter(pk=category_a.pk).exists()


# ---------------------------------------------------------------- calling profiles

@pytest.fixture
def plain_window(centre_1, department_a):
    return WindowFactory(centre=centre_1, department=department_a, number="12", name="市场监管专窗")


def test_manager_sets_a_windows_calling_profile_in_order(client, manager_1, plain_window, category_a, category_b):
    client.force_login(manager_1)
    links = [
        {"position": "1", "category": str(category_b.pk), "serve_first_after_minutes": ""},
        {"position": "2", "category": str(category_a.pk), "serve_first_after_minutes": "40"},
    ]

    response = client.post(reverse("admin:hall_window_change", args=[plain_window.pk]),
                           window_post(plain_window, links))

    assert response.status_code == 302, errors(response)
    rows = WindowCategory.objects.filter(window=plain_window).order_by("position")
    assert [(r.category, r.position, r.serve_first_after_minutes) for r in rows] == [
        (category_b, 1, None), (category_a, 2, 40),
    ]
    assert rows[0].history.first().history_user == manager_1


def test_reordering_keeps_the_rows_and_removing_deletes_one(client, manager_1, plain_window, category_a,
                                                            category_b):
    queue_config.window_calling_profile_set(actor=manager_1, window_id=plain_window.pk, links=[
        queue_config.CallingLink(category_a.pk), queue_config.CallingLink(category_b.pk),
    ])
    existing = list(WindowCategory.objects.filter(window=plain_window).order_by("position"))
    client.force_login(manager_1)
    links = [
        {"position": "1", "category": str(category_a.pk), "DELETE": "on"},
        {"position": "1", "category": str(category_b.pk)},
    ]

    response = client.post(reverse("admin:hall_window_change", args=[plain_window.pk]),
                           window_post(plain_window, links, existing))

    assert response.status_code == 302, errors(response)
    assert list(WindowCategory.objects.filter(window=plain_window).values_list("pk", "position")) == [
        (existing[1].pk, 1),
    ]


def test_the_window_page_offers_only_categories_of_its_centre(client, manager_1, plain_window, category_a,
                                                              centre_2):
    QueueCategoryFactory(centre=centre_2, prefix="Z", name="别的中心类别")
    client.force_login(manager_1)

    html = client.get(reverse("admin:hall_window_change", args=[plain_window.pk])).content.decode()

    assert "综合受理" in html and "别的中心类别" not in html


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("{a}", ""), ("{a}", "")], "同一业务类别只能出现一次。"),
        ([("{a}", "0")], "优先叫号的等候分钟数应在1到480之间。"),
        ([("{a}", "999")], "优先叫号的等候分钟数应在1到480之间。"),
        ([("{foreign}", "")], "只能选择本中心的业务类别。"),
    ],
)
def test_calling_profile_rules_are_refused(manager_1, plain_window, category_a, centre_2, rows, message):
    foreign = QueueCategoryFactory(centre=centre_2, prefix="Z")
    ids = {"{a}": category_a.pk, "{foreign}": foreign.pk}
    links = [queue_config.CallingLink(ids[c], int(m) if m else None) for c, m in rows]

    with pytest.raises(ValidationFailed, match=re.escape(message)):
        queue_config.window_calling_profile_set(actor=manager_1, window_id=plain_window.pk, links=links)
    assert not WindowCategory.objects.filter(window=plain_window).exists()


def test_the_admin_shows_a_calling_profile_refusal_on_the_form(client, manager_1, plain_window, category_a):
    client.force_login(manager_1)
    links = [{"position": "1", "category": str(category_a.pk), "serve_first_after_minutes": "999"}]

    response = client.post(reverse("admin:hall_window_change", args=[plain_window.pk]),
                           window_post(plain_window, links))

    assert response.status_code == 200
    assert "优先叫号的等候分钟数应在1到480之间。" in errors(response)
    assert not WindowCategory.objects.filter(window=plain_window).exists()


def test_a_tidal_assignment_is_shown_but_not_editable_in_the_profile(client, manager_1, centre_1, category_a,
                                                                     category_b):
    tidal = WindowFactory(centre=centre_1, kind="tidal", department=None, number="T1")
    tidal_assign(window_id=tidal.pk, category_id=category_a.pk, actor=manager_1)
    link = WindowCategory.objects.get(window=tidal)
    client.force_login(manager_1)

    page = errors(client.get(reverse("admin:hall_window_change", args=[tidal.pk])))
    changed = client.post(reverse("admin:hall_window_change", args=[tidal.pk]), window_post(
        tidal, [{"position": "0", "category": str(category_b.pk)}], [link]))
    kept = client.post(reverse("admin:hall_window_change", args=[tidal.pk]), window_post(
        tidal, [{"position": "0", "category": str(category_a.pk)},
                {"position": "1", "category": str(category_b.pk)}], [link]))

    assert "潮汐调派" in page
    assert "潮汐调派由潮汐调度管理，请在实时大厅释放，不能在此修改。" in errors(changed)
    assert kept.status_code == 302, errors(kept)
    assert set(WindowCategory.objects.filter(window=tidal).values_list("category", "is_tidal_assignment")) == {
        (category_a.pk, True), (category_b.pk, False),
    }


def test_a_supervisor_sees_the_calling_profile_read_only(client, supervisor, plain_window, category_a, manager_1):
    queue_config.window_calling_profile_set(actor=manager_1, window_id=plain_window.pk,
                                            links=[queue_config.CallingLink(category_a.pk)])
    client.force_login(supervisor)

    html = client.get(reverse("admin:hall_window_change", args=[plain_window.pk])).content.decode()

    assert "综合受理" in html and 'name="category_links-0-category"' not in html


def test_the_window_list_shows_each_calling_profile(client, manager_1, window):
    client.force_login(manager_1)

    html = client.get(reverse("admin:hall_window_changelist")).content.decode()

    assert "A、B" in html


# ---------------------------------------------------------------- policy

def policy_post(centre=None, **fields):
    data = {
        "ageing_minutes": "20", "max_recalls": "3", "no_show_requeue_places": "3", "near_notice_people_ahead": "3",
        "tidal_mode": "propose", "booking_days_ahead": "7", "slot_minutes": "30", "slot_capacity": "10",
        "booking_cancel_hours": "1", "check_in_early_minutes": "30", "no_show_block_count": "3",
        "no_show_block_days": "30",
    }
    if centre is not None:
        data["centre"] = centre.pk
    data.update(fields)
    return data


def test_manager_adds_their_centres_policy_once(client, manager_1, centre_1):
    client.force_login(manager_1)

    response = client.post(reverse("admin:hall_queuepolicy_add"), policy_post(centre_1))
    second = client.get(reverse("admin:hall_queuepolicy_add"))

    assert response.status_code == 302, errors(response)
    policy = QueuePolicy.objects.get(centre=centre_1)
    assert policy.tidal_mode == "propose" and policy.history.first().history_user == manager_1
    assert second.status_code == 403


def test_manager_edits_their_policy_and_the_change_is_in_its_history(client, manager_1, centre_1):
    policy = QueuePolicy.objects.create(centre=centre_1)
    client.force_login(manager_1)

    response = client.post(reverse("admin:hall_queuepolicy_change", args=[policy.pk]), policy_post(max_recalls="2"))

    assert response.status_code == 302, errors(response)
    policy.refresh_from_db()
    assert policy.max_recalls == 2
    assert policy.history.first().history_change_reason == "修改排队与预约规则"


@pytest.mark.parametrize(("field", "value"), [("ageing_minutes", "0"), ("max_recalls", "11"),
                                              ("slot_minutes", "5"), ("tidal_mode", "sometimes")])
def test_policy_values_out_of_range_are_refused(client, manager_1, centre_1, field, value):
    policy = QueuePolicy.objects.create(centre=centre_1)
    client.force_login(manager_1)

    response = client.post(reverse("admin:hall_queuepolicy_change", args=[policy.pk]), policy_post(**{field: value}))

    assert response.status_code == 200
    policy.refresh_from_db()
    assert (policy.ageing_minutes, policy.max_recalls, policy.slot_minutes, policy.tidal_mode) == (
        20, 3, 30, "assign",
    )


def test_policy_service_refuses_another_centres_manager(manager_2, centre_1):
    with pytest.raises(PermissionDeniedError):
        queue_config.queue_policy_update(actor=manager_2, centre_id=centre_1.pk, data={"max_recalls": 1})
    assert not QueuePolicy.objects.exists()


def test_supervisor_cannot_change_the_policy(client, supervisor, centre_1):
    policy = QueuePolicy.objects.create(centre=centre_1)
    client.force_login(supervisor)

    response = client.post(reverse("admin:hall_queuepolicy_change", args=[policy.pk]), policy_post(max_recalls="1"))

    assert response.status_code == 403
    policy.refresh_from_db()
    assert policy.max_recalls == 3


# ---------------------------------------------------------------- read-only records

@pytest.fixture
def named_ticket(category_a, clock):
    return issue(category_a, holder_name="张三丰", phone="13812345678")


@pytest.mark.parametrize("persona", ["manager_1", "supervisor"])
def test_tickets_are_listed_with_name_and_phone_masked(client, persona, request, named_ticket):
    client.force_login(request.getfixturevalue(persona))

    html = client.get(reverse("admin:hall_ticket_changelist")).content.decode()
    detail = client.get(reverse("admin:hall_ticket_change", args=[named_ticket.pk])).content.decode()
    history = client.get(reverse("admin:hall_ticket_history", args=[named_ticket.pk])).content.decode()

    for page in (html, detail, history):
        assert "张三丰" not in page and "13812345678" not in page
    assert "张*丰" in html and "138****5678" in html
    assert "张*丰" in detail and named_ticket.token not in detail


def test_tickets_are_searched_by_number_not_by_name_or_phone(client, manager_1, named_ticket, category_a):
    issue(category_a)
    client.force_login(manager_1)

    by_number = client.get(reverse("admin:hall_ticket_changelist"), {"q": "A002"})
    by_name = client.get(reverse("admin:hall_ticket_changelist"), {"q": "张三丰"})
    by_phone = client.get(reverse("admin:hall_ticket_changelist"), {"q": "13812345678"})

    assert [t.number for t in by_number.context["cl"].queryset] == ["A002"]
    assert list(by_name.context["cl"].queryset) == [] and list(by_phone.context["cl"].queryset) == []


def test_tickets_are_filtered_by_status_category_and_date(client, manager_1, named_ticket, category_b):
    issue(category_b)
    client.force_login(manager_1)

    by_status = client.get(reverse("admin:hall_ticket_changelist"), {"status__exact": "waiting",
                                                                      "category__id__exact": category_b.pk})
    by_date = client.get(reverse("admin:hall_ticket_changelist"), {"service_date__gte": "2026-12-03"})

    assert [t.number for t in by_status.context["cl"].queryset] == ["B001"]
    assert list(by_date.context["cl"].queryset) == []


@pytest.mark.parametrize("model", ["ticket", "ticketevent", "windowevent", "appointment"])
def test_queue_records_cannot_be_added_changed_or_deleted(client, manager_1, named_ticket, window, model):
    client.force_login(manager_1)

    assert client.get(reverse(f"admin:hall_{model}_add")).status_code == 403
    assert client.get(reverse(f"admin:hall_{model}_changelist")).status_code == 200


def test_a_ticket_cannot_be_changed_through_the_admin(client, manager_1, named_ticket):
    client.force_login(manager_1)

    changed = client.post(reverse("admin:hall_ticket_change", args=[named_ticket.pk]), {"status": "done"})
    deleted = client.post(reverse("admin:hall_ticket_delete", args=[named_ticket.pk]), {"post": "yes"})

    assert changed.status_code == 403 and deleted.status_code == 403
    named_ticket.refresh_from_db()
    assert named_ticket.status == Ticket.Status.WAITING


def test_ticket_events_are_searched_by_ticket_number(client, manager_1, named_ticket, category_a):
    issue(category_a)
    client.force_login(manager_1)

    response = client.get(reverse("admin:hall_ticketevent_changelist"), {"q": "A001"})

    assert [(e.ticket.number, e.kind) for e in response.context["cl"].queryset] == [("A001", "issued")]


def test_appointments_are_listed_masked(client, supervisor, centre_1, category_a, department_a, clock):
    citizen = CitizenFactory(real_name="欧阳娜娜")
    slot = AppointmentSlot.objects.create(centre=centre_1, category=category_a, date="2026-12-03",
                                          starts_at="10:00", ends_at="10:30", capacity=5)
    Appointment.objects.create(centre=centre_1, slot=slot, citizen=citizen, code="YY123456", phone="13912345678",
                               matter=MatterFactory(centre=centre_1, department=department_a))
    client.force_login(supervisor)

    html = client.get(reverse("admin:hall_appointment_changelist"), {"q": "YY123456"}).content.decode()

    assert "YY123456" in html and "欧**娜" in html and "139****5678" in html
    assert "欧阳娜娜" not in html and "13912345678" not in html


def test_a_clerk_has_no_queue_admin(client, clerk):
    clerk.is_staff = True
    clerk.save()
    client.force_login(clerk)

    for model in ("queuecategory", "queuepolicy", "ticket", "ticketevent", "windowevent", "appointment"):
        assert client.get(reverse(f"admin:hall_{model}_changelist")).status_code == 403
