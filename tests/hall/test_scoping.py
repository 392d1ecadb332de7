"""Centre scoping: staff see only their centre's records (plus granted centres), citizens nothing internal,
superusers everything — in the selectors and in every admin changelist."""
import pytest
from django.contrib import admin
from django.urls import reverse

from hall import selectors
from hall.api_auth import DeviceUser
from hall.models import (
    Appointment,
    AppointmentSlot,
    CalendarDay,
    CalendarYear,
    Centre,
    Department,
    Device,
    Material,
    Matter,
    MatterStage,
    Notice,
    QueueCategory,
    QueuePolicy,
    Role,
    Ticket,
    TicketEvent,
    User,
    Window,
    WindowEvent,
)
from hall.services.windows import window_open

from .factories import (
    CitizenFactory,
    DepartmentFactory,
    DeviceFactory,
    MaterialFactory,
    MatterFactory,
    MatterStageFactory,
    NoticeFactory,
    StaffFactory,
    WindowFactory,
)
from .queue_factories import QueueCategoryFactory, issue

SELECTORS = {
    "centre": selectors.centres_for_actor,
    "department": selectors.departments_for_actor,
    "window": selectors.windows_for_actor,
    "matter": selectors.matters_for_actor,
    "material": selectors.materials_for_actor,
    "stage": selectors.matter_stages_for_actor,
    "staff": selectors.staff_for_actor,
    "device": selectors.devices_for_actor,
    "notice": selectors.notices_for_actor,
}
MODEL_KEYS = {
    Centre: "centre", Department: "department", Window: "window", Matter: "matter", Material: "material",
    MatterStage: "stage", User: "staff", Device: "device", Notice: "notice",
    QueueCategory: "queue_category", QueuePolicy: "queue_policy", Ticket: "ticket", TicketEvent: "ticket_event",
    WindowEvent: "window_event", Appointment: "appointment",
}
UNSCOPED_MODELS = {CalendarYear, CalendarDay}  # the national working-day calendar belongs to no centre
PEOPLE = ("staff", "device", "notice")
CENTRE_STAFF = ("manager_1", "clerk", "supervisor", "approver_a")


@pytest.fixture
def world(centre_1, centre_2):
    rows = {}
    for n, centre in ((1, centre_1), (2, centre_2)):
        department = DepartmentFactory(centre=centre, name=f"第{n}中心部门")
        matter = MatterFactory(centre=centre, department=department)
        staff = StaffFactory(centre=centre, role=Role.CLERK, department=department)
        window = WindowFactory(centre=centre, department=department)
        category = QueueCategoryFactory(centre=centre)
        ticket = issue(category)
        slot = AppointmentSlot.objects.create(centre=centre, category=category, date=ticket.service_date,
                                              starts_at="16:00", ends_at="16:30", capacity=5)
        rows[n] = {
            "centre": centre,
            "department": department,
            "window": window,
            "matter": matter,
            "material": MaterialFactory(matter=matter),
            "stage": MatterStageFactory(matter=matter),
            "staff": staff,
            "device": DeviceFactory(centre=centre),
            "notice": NoticeFactory(recipient=staff),
            "queue_category": category,
            "queue_policy": QueuePolicy.objects.create(centre=centre),
            "ticket": ticket,
            "ticket_event": ticket.events.get(),
            "window_event": window_open(window_id=window.pk, actor=staff).events.get(),
            "appointment": Appointment.objects.create(
                centre=centre, slot=slot, citizen=CitizenFactory(), matter=matter, code=f"YY{n:06d}",
                phone="13800000000",
            ),
        }
    return rows


def visible(key, actor) -> set[int]:
    return set(SELECTORS[key](actor).values_list("pk", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize("persona", CENTRE_STAFF)
@pytest.mark.parametrize("key", SELECTORS)
def test_centre_staff_see_only_their_centre(world, persona, key, request):
    actor = request.getfixturevalue(persona)
    seen = visible(key, actor)
    assert world[2][key].pk not in seen
    if key == "notice" and persona not in ("manager_1", "supervisor"):
        assert world[1][key].pk not in seen  # clerks and approvers read only their own notices
    else:
        assert world[1][key].pk in seen


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["clerk", "approver_a"])
def test_clerks_and_approvers_see_their_own_notices(world, persona, request):
    actor = request.getfixturevalue(persona)
    own = NoticeFactory(recipient=actor)
    assert visible("notice", actor) == {own.pk}


@pytest.mark.django_db
@pytest.mark.parametrize("key", SELECTORS)
def test_citizens_see_nothing_internal(world, citizen, key):
    assert visible(key, citizen) == set()


@pytest.mark.django_db
@pytest.mark.parametrize("key", SELECTORS)
def test_anonymous_visitors_see_nothing_internal(world, key):
    from django.contrib.auth.models import AnonymousUser

    assert visible(key, AnonymousUser()) == set()


@pytest.mark.django_db
@pytest.mark.parametrize("key", SELECTORS)
def test_inactive_staff_see_nothing(world, clerk, key):
    clerk.is_active = False
    clerk.save()
    assert visible(key, clerk) == set()


@pytest.mark.django_db
@pytest.mark.parametrize("key", [k for k in SELECTORS if k != "notice"])
def test_extra_centres_widen_what_staff_see(world, centre_2, key):
    clerk = StaffFactory(role=Role.CLERK, centre=world[1]["centre"])
    clerk.extra_centres.add(centre_2)
    assert {world[1][key].pk, world[2][key].pk} <= visible(key, clerk)


@pytest.mark.django_db
def test_extra_centres_widen_the_notices_a_manager_sees(world, manager_1, centre_2):
    manager_1.extra_centres.add(centre_2)
    assert {world[1]["notice"].pk, world[2]["notice"].pk} <= visible("notice", manager_1)


@pytest.mark.django_db
@pytest.mark.parametrize("key", SELECTORS)
def test_superuser_sees_every_centre(world, key):
    root = User.objects.create_superuser("root", password="Hall-pass-2026")
    assert {world[1][key].pk, world[2][key].pk} <= visible(key, root)


@pytest.mark.django_db
@pytest.mark.parametrize("key", [k for k in SELECTORS if k not in PEOPLE])
def test_devices_see_their_centre_catalogue(world, key):
    actor = DeviceUser(world[1]["device"])
    seen = visible(key, actor)
    assert world[1][key].pk in seen
    assert world[2][key].pk not in seen


@pytest.mark.django_db
@pytest.mark.parametrize("key", PEOPLE)
def test_devices_and_callback_operators_see_no_people_or_devices(world, callback_operator, key):
    assert visible(key, DeviceUser(world[1]["device"])) == set()
    if key != "notice":
        assert visible(key, callback_operator) == set()


@pytest.mark.django_db
def test_staff_list_never_contains_citizens(world, manager_1, citizen):
    assert citizen.pk not in visible("staff", manager_1)


# --- the admin: every registered hall model's changelist is scoped ---

def registered_hall_models():
    return sorted(
        (model for model in admin.site._registry if model._meta.app_label == "hall"),
        key=lambda model: model.__name__,
    )


def test_every_registered_hall_model_is_covered_by_the_scoping_tests():
    assert set(registered_hall_models()) - UNSCOPED_MODELS <= set(MODEL_KEYS)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["manager_1", "supervisor"])
@pytest.mark.parametrize("model", [m for m in registered_hall_models() if m not in UNSCOPED_MODELS],
                         ids=lambda m: m.__name__)
def test_admin_changelist_shows_no_other_centre_rows(world, client, persona, model, request):
    client.force_login(request.getfixturevalue(persona))
    key = MODEL_KEYS[model]
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = client.get(url)
    assert response.status_code == 200
    shown = {obj.pk for obj in response.context["cl"].queryset}
    assert world[2][key].pk not in shown
    assert world[1][key].pk in shown


@pytest.mark.django_db
@pytest.mark.parametrize("model", [m for m in registered_hall_models() if m not in UNSCOPED_MODELS],
                         ids=lambda m: m.__name__)
def test_admin_change_page_of_another_centre_row_is_not_shown(world, client, manager_1, model):
    client.force_login(manager_1)
    key = MODEL_KEYS[model]
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[world[2][key].pk])
    response = client.get(url)
    assert response.status_code in (302, 403, 404)
