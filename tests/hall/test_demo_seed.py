import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from hall.models import AppointmentSlot, Centre, Department, Device, Matter, Role, Ticket, TicketEvent, User, Window

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_two_centres_with_departments_windows_and_matters():
    call_command("seed_demo", "--history-days", "2")

    assert Centre.objects.count() == 2
    assert Department.objects.filter(centre__code="city").count() == 20
    assert set(Window.objects.values_list("kind", flat=True)) == {k.value for k in Window.Kind}
    assert Window.objects.count() >= 30
    city_matters = Matter.objects.filter(centre__code="city", status=Matter.Status.PUBLISHED)
    assert city_matters.count() >= 55
    instant_share = city_matters.filter(promised_days=0).count() / city_matters.count()
    assert 0.3 <= instant_share <= 0.6
    assert not Matter.objects.filter(materials__isnull=True).exists()
    assert not Matter.objects.filter(stages__isnull=True).exists()


def test_seed_demo_creates_one_account_per_role_and_the_devices():
    call_command("seed_demo", "--history-days", "2")

    assert set(User.objects.values_list("role", flat=True)) == {r.value for r in Role}
    assert set(Device.objects.values_list("kind", flat=True)) == {k.value for k in Device.Kind}
    assert User.objects.get(username="citizen").check_password("Hall-demo-2026")


def test_seed_demo_is_deterministic_and_refuses_a_second_load():
    call_command("seed_demo", "--history-days", "2")
    first = list(Matter.objects.order_by("centre__code", "code").values_list("code", "name", "promised_days"))

    with pytest.raises(CommandError):
        call_command("seed_demo", "--history-days", "2")
    call_command("seed_demo", "--if-empty", "--history-days", "2")

    assert list(Matter.objects.order_by("centre__code", "code").values_list("code", "name", "promised_days")) == first


def test_seeded_matters_keep_a_history_row():
    call_command("seed_demo", "--history-days", "2")

    matter = Matter.objects.get(centre__code="city", code="SC-001")
    assert matter.history.count() == 1


def test_seed_demo_gives_every_window_but_the_tidal_ones_a_calling_profile_and_past_tickets():
    call_command("seed_demo", "--history-days", "3")

    city = Centre.objects.get(code="city")
    unprofiled = Window.objects.filter(centre=city, category_links__isnull=True)
    assert set(unprofiled.values_list("kind", flat=True)) == {"tidal"}
    tickets = Ticket.objects.filter(centre=city)
    assert tickets.count() > 300
    assert tickets.filter(status="done", started_at__isnull=False, finished_at__isnull=False).exists()
    assert (
        TicketEvent.objects.filter(ticket__centre=city, kind="finished").count()
        == tickets.filter(status="done").count()
    )
    assert AppointmentSlot.objects.filter(centre=city, date__gte=timezone.localdate()).exists()
    assert not AppointmentSlot.objects.filter(category__prefix="G").exists()  # pickup queue: nothing to book
