"""Domain errors. Each says what went wrong, where, and how to fix it."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the pure core raises on purpose."""


class TransitionNotAllowed(DomainError):
    def __init__(self, machine: str, state: str, command: str, why: str) -> None:
        self.machine = machine
        self.state = state
        self.command = command
        self.why = why
        super().__init__(f"{machine}: cannot {command} when {state}: {why}")


class CalendarError(DomainError):
    """A date outside what the calendar can answer, or a bad override file."""
