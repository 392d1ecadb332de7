"""Approvals services: the only code that writes approvals models."""
