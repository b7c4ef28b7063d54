"""Errors as values: every expected failure names the portal and says the cause in plain words."""
from __future__ import annotations

import enum
from typing import Optional


class ErrorKind(enum.Enum):
    """Why a portal call failed; the dock and the logs group messages by it."""

    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"
    HTTP = "http"
    AUTH = "auth"
    THROTTLED = "throttled"
    PARSE = "parse"
    INVALID = "invalid"
    CANCELLED = "cancelled"
    OFFLINE = "offline"
    DISK = "disk"
    CHECKSUM = "checksum"


class EOPortalsError(Exception):
    """Base of every expected failure; its text is meant for a human."""


class QueryError(EOPortalsError, ValueError):
    """The search query itself is wrong (dates backwards, invalid polygon...)."""


class CatalogError(EOPortalsError):
    """The portal catalog (built-in or the user's override file) cannot be used."""


class PortalError(EOPortalsError):
    """A portal failed: `str(error)` reads "<Portal title>: <message>"."""

    def __init__(
        self,
        portal: str,
        message: str,
        kind: ErrorKind = ErrorKind.HTTP,
        status: Optional[int] = None,
        detail: str = "",
        retry_after: Optional[float] = None,
    ):
        self.portal = portal
        self.message = message
        self.kind = kind
        self.status = status
        self.detail = detail
        self.retry_after = retry_after
        super().__init__(f"{portal}: {message}")
