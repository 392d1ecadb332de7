"""Factories and helpers for the queue: categories, window links, open windows, tickets."""

import factory
from factory.django import DjangoModelFactory

from hall.models import QueueCategory, Window, WindowCategory
from hall.services.tickets import ticket_issue
from hall.services.windows import window_open

from .factories import CentreFactory, WindowFactory


class QueueCategoryFactory(DjangoModelFactory):
    class Meta:
        model = QueueCategory

    centre = factory.SubFactory(CentreFactory)
    prefix = factory.Sequence(
        lambda n: "ABCDEFGHJKLMNPQRSTUVWXYZ"[n % 24] + ("" if n < 24 else "ABCDEFGH"[n // 24 % 8])
    )
    name = factory.Sequence(lambda n: f"业务类别{n}")
    position = factory.Sequence(lambda n: n)


class WindowCategoryFactory(DjangoModelFactory):
    class Meta:
        model = WindowCategory

    window = factory.SubFactory(WindowFactory)
    category = factory.SubFactory(QueueCategoryFactory, centre=factory.SelfAttribute("..window.centre"))
    position = 1


def serving_window(centre, clerk, categories, *, number=None, kind=Window.Kind.INTEGRATED, open_it=True, **links):
    """A window of the centre that serves `categories` in that order, opened by `clerk`."""
    window = WindowFactory(centre=centre, kind=kind, department=None, **({"number": number} if number else {}))
    for position, category in enumerate(categories, start=1):
        WindowCategory.objects.create(
            window=window,
            category=category,
            position=position,
            serve_first_after_minutes=links.get(f"serve_first_{category.prefix}"),
        )
    if open_it:
        window_open(window_id=window.pk, actor=clerk)
        window.refresh_from_db()
    return window


def issue(category, **kwargs):
    kwargs.setdefault("source", "kiosk")
    return ticket_issue(category_id=category.pk, **kwargs)
