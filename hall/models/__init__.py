"""Hall models, split by concept: structure, catalogue, calendar, people."""
from .appointments import Appointment, AppointmentSlot, BookingBlock
from .calendar import CalendarDay, CalendarYear
from .catalogue import Material, Matter, MatterStage
from .people import Device, Notice, PhoneVerification, Role, User
from .queue import QueueCategory, QueuePolicy, Ticket, TicketEvent, TicketSequence, WindowCategory
from .structure import Centre, Department, Window, WindowEvent

__all__ = [
    "Appointment",
    "AppointmentSlot",
    "BookingBlock",
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
    "QueueCategory",
    "QueuePolicy",
    "Role",
    "Ticket",
    "TicketEvent",
    "TicketSequence",
    "User",
    "Window",
    "WindowCategory",
    "WindowEvent",
]
