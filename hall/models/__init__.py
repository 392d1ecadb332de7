"""Hall models, split by concept: structure, catalogue, calendar, people."""
from .calendar import CalendarDay, CalendarYear
from .catalogue import Material, Matter, MatterStage
from .people import Device, Notice, PhoneVerification, Role, User
from .structure import Centre, Department, Window

__all__ = [
    "CalendarDay",
    "CalendarYear",
    "Centre",
    "Department",
    "Device",
    "Material",
    "Matter",
    "MatterStage",
    "Notice",
    "PhoneVerification",
    "Role",
    "User",
    "Window",
]
