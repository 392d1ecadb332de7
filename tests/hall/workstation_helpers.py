"""Fixtures shared by the workstation page and window API tests: a working morning, two categories of
centre 1, window 5 opened by the clerk, and a window of centre 2."""

import datetime as dt

import pytest
import time_machine

from hall.models import Role

from .factories import StaffFactory
from .queue_factories import QueueCategoryFactory, serving_window

__all__ = ["category_a", "category_b", "clock", "foreign_window", "other_clerk", "window", "window_b"]

MORNING = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def clock():
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def category_a(centre_1):
    return QueueCategoryFactory(centre=centre_1, prefix="A", name="综合受理")


@pytest.fixture
def category_b(centre_1):
    return QueueCategoryFactory(centre=centre_1, prefix="B", name="不动产登记")


@pytest.fixture
def window(centre_1, clerk, category_a, category_b, clock):
    return serving_window(centre_1, clerk, [category_a, category_b], number="5")


@pytest.fixture
def window_b(centre_1, category_b, clock):
    """An open window serving B, so that a ticket can be transferred to B."""
    other = StaffFactory(username="clerk_b", role=Role.CLERK, centre=centre_1)
    return serving_window(centre_1, other, [category_b], number="6")


@pytest.fixture
def other_clerk(centre_1):
    return StaffFactory(username="clerk_2", role=Role.CLERK, centre=centre_1, real_name="李四")


@pytest.fixture
def foreign_window(centre_2, clock):
    clerk = StaffFactory(username="clerk_c2", role=Role.CLERK, centre=centre_2)
    category = QueueCategoryFactory(centre=centre_2, prefix="A", name="别的中心")
    return serving_window(centre_2, clerk, [category], number="5")
