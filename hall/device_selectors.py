"""Reads for the hall's devices and the ticket's public live page: what the kiosk offers and prints,
what the call display and a window pad show. Always scoped to the asking device's centre (and window,
for a pad); the live page reads one ticket by its random token and nothing personal about it.

Built on hall.queue_selectors, so pages, the device API and the workstation agree on every figure."""
import dataclasses
import datetime as dt
import hashlib
import re

from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Device, Ticket, TicketEvent, Window
from .queue_selectors import (
    WaitingEstimate,
    latest_calls,
    waiting_counts,
    waiting_estimate,
    window_current_ticket,
    window_last_finished_ticket,
)

TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{8,32}")
DISPLAY_CALLS = 8
# Recalls make several events per ticket; read enough of them to fill the screen with distinct tickets.
DISPLAY_EVENTS_READ = 32
MAX_TRANSFER_HOPS = 5
FINAL_STATUSES = (Ticket.Status.DONE, Ticket.Status.NO_SHOW, Ticket.Status.CANCELLED)


# --- kiosk ---------------------------------------------------------------------------------------


def kiosk_categories(*, centre_id: int) -> list[dict]:
    """The centre's active queue categories with their waiting counts, in the centre's order. One query."""
    return [
        {"id": row["id"], "prefix": row["prefix"], "name": row["name"], "waiting": row["waiting"]}
        for row in waiting_counts(centre_id)
    ]


@dataclasses.dataclass(frozen=True)
class TicketReceipt:
    """What a printed ticket says: the ticket and its place in the queue at the time of printing."""

    ticket: Ticket
    estimate: WaitingEstimate


def estimate_text(estimate: WaitingEstimate) -> str:
    """The waiting estimate in words, the same on the printed ticket, the live page and the API."""
    if estimate.minutes is None:
        return _("暂无开放窗口")
    if estimate.people_ahead == 0:
        return _("即将叫号")
    return _("约 %(minutes)d 分钟") % {"minutes": max(estimate.minutes, 1)}


def ticket_receipt(ticket: Ticket) -> TicketReceipt:
    return TicketReceipt(ticket=ticket, estimate=waiting_estimate(ticket))


def kiosk_ticket(*, device: Device, token: str) -> TicketReceipt | None:
    """A ticket of today at the kiosk's centre, by its token (the kiosk's result page)."""
    if not TOKEN_RE.fullmatch(token or ""):
        return None
    ticket = (
        Ticket.objects.select_related("category", "centre")
        .filter(token=token, centre_id=device.centre_id, service_date=timezone.localdate())
        .first()
    )
    return None if ticket is None else ticket_receipt(ticket)


# --- the ticket's live page ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class LiveTicket:
    ticket: Ticket  # after a transfer, the ticket it became: the citizen's paper keeps working
    original_number: str  # the number printed on the paper, when it differs from ticket.number
    estimate: WaitingEstimate | None  # only while waiting

    @property
    def is_final(self) -> bool:
        return self.ticket.status in FINAL_STATUSES

    @property
    def window_number(self) -> str:
        return self.ticket.window.number if self.ticket.window_id else ""


def ticket_live(*, token: str) -> LiveTicket | None:
    """The public state of one ticket. Any malformed or unknown token gives None, with no difference
    in what is read, so a wrong token tells nothing about the right ones."""
    if not TOKEN_RE.fullmatch(token or ""):
        return None
    tickets = Ticket.objects.select_related("category", "centre", "window")
    ticket = tickets.filter(token=token).first()
    if ticket is None:
        return None
    original_number = ""
    for _hop in range(MAX_TRANSFER_HOPS):
        if ticket.status != Ticket.Status.TRANSFERRED:
            break
        successor = tickets.filter(transferred_from=ticket).first()
        if successor is None:
            break
        original_number = original_number or ticket.number
        ticket = successor
    estimate = waiting_estimate(ticket) if ticket.status == Ticket.Status.WAITING else None
    return LiveTicket(ticket=ticket, original_number=original_number, estimate=estimate)


# --- call display --------------------------------------------------------------------------------


def call_texts(*, ticket_number: str, window_number: str) -> tuple[str, str]:
    """What the display shows and what it speaks for a call."""
    values = {"number": ticket_number, "window": window_number}
    return _("请 %(number)s 号到 %(window)s 号窗口办理") % values, _("请%(number)s号到%(window)s号窗口办理") % values


@dataclasses.dataclass(frozen=True)
class DisplayCall:
    event_id: int
    kind: str  # called, recalled or picked
    ticket_number: str
    window_number: str
    text: str
    spoken: str
    called_at: dt.datetime

    @property
    def is_recall(self) -> bool:
        return self.kind == TicketEvent.Kind.RECALLED


@dataclasses.dataclass(frozen=True)
class DisplayState:
    calls: list[DisplayCall]  # newest first, one row per ticket (its latest call or recall)
    waiting: list[dict]  # per active category: prefix, name, waiting
    now: dt.datetime


def display_state(*, centre_id: int) -> DisplayState:
    """The call display's screen. Two queries."""
    calls, seen = [], set()
    for event in latest_calls(centre_id, limit=DISPLAY_EVENTS_READ):
        window = event.window or event.ticket.window
        if event.ticket_id in seen or window is None:
            continue
        seen.add(event.ticket_id)
        text, spoken = call_texts(ticket_number=event.ticket.number, window_number=window.number)
        calls.append(
            DisplayCall(
                event_id=event.pk,
                kind=event.kind,
                ticket_number=event.ticket.number,
                window_number=window.number,
                text=text,
                spoken=spoken,
                called_at=event.created_at,
            )
        )
        if len(calls) == DISPLAY_CALLS:
            break
    waiting = [{"prefix": r["prefix"], "name": r["name"], "waiting": r["waiting"]} for r in waiting_counts(centre_id)]
    return DisplayState(calls=calls, waiting=waiting, now=timezone.now())


# --- window pad ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PadState:
    window: Window
    current_ticket: Ticket | None  # called or being served
    after_service_ticket: Ticket | None  # just finished here and nobody called since: the rating hand-off

    @property
    def clerk(self):
        """The clerk on duty; nobody when the window is closed."""
        return self.window.clerk if self.window.status != Window.Status.CLOSED else None

    @property
    def photo_version(self) -> str:
        """Changes when the clerk or their photo changes (for the photo URL); empty without a photo."""
        clerk = self.clerk
        if clerk is None or not clerk.photo:
            return ""
        return hashlib.sha256(f"{clerk.pk}:{clerk.photo.name}".encode()).hexdigest()[:12]

    @property
    def signature(self) -> str:
        """Changes whenever anything the pad shows changes, so a poll can answer "nothing new"."""
        window, current, after = self.window, self.current_ticket, self.after_service_ticket
        clerk = self.clerk
        parts = [
            window.status,
            window.pause_reason,
            window.number,
            window.name,
            str(clerk.pk) if clerk else "",
            clerk.real_name if clerk else "",
            clerk.staff_number if clerk else "",
            self.photo_version,
            f"{current.pk}:{current.status}" if current else "",
            str(after.pk) if after else "",
        ]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def pad_state(*, device: Device) -> PadState:
    """The window pad's screen, for the pad's own window only. Three queries at most."""
    window = Window.objects.select_related("clerk").get(pk=device.window_id)
    current = window_current_ticket(window)
    after = None if current is not None else window_last_finished_ticket(window)
    return PadState(window=window, current_ticket=current, after_service_ticket=after)


def pad_clerk_photo(*, device: Device) -> FieldFile | None:
    """The photo of the clerk on duty at the pad's window, if they have one."""
    window = Window.objects.select_related("clerk").get(pk=device.window_id)
    clerk = window.clerk if window.status != Window.Status.CLOSED else None
    return clerk.photo if clerk is not None and clerk.photo else None
