"""Pluggable SMS sender. settings.SMS_SENDER names a class with `send(phone, text)`.

Senders are called from Celery tasks or after commit, never inside a transaction.
"""
import logging
import threading

from django.conf import settings
from django.utils.module_loading import import_string

from .masking import mask_phone

logger = logging.getLogger("servicehall.sms")


class LogSender:
    """Development sender: writes the message to the log (phone masked) instead of sending it."""

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", mask_phone(phone), text)


class OutboxSender:
    """Test sender: keeps messages in memory so tests can read them."""

    outbox: list[tuple[str, str]] = []
    _lock = threading.Lock()

    def send(self, phone: str, text: str) -> None:
        with self._lock:
            OutboxSender.outbox.append((phone, text))


def get_sender():
    return import_string(settings.SMS_SENDER)()


def send_sms(phone: str, text: str) -> None:
    get_sender().send(phone, text)
