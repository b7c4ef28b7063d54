"""Errors as values: every expected failure names the portal and says the cause in plain words.

A `PortalError` carries its `kind` (why, in a closed set), a `code` (which case of that kind, a stable word
such as ``"unreachable"`` or ``"disk_full"``) and `details` (the facts of the case: seconds, the OS's reason,
a path, byte counts), besides its English `message` for logs and headless use. `Failure` is the same as plain
data: what a download job keeps and the queue stores. The QGIS layer words a failure from kind, code and
details (plugin/ui/messages.py); it never reads the English text to find out what happened.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional


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
    INTERNAL = "internal"  # a bug: logged with its traceback, the job ends with it


class EOPortalsError(Exception):
    """Base of every expected failure; its text is meant for a human."""


class QueryError(EOPortalsError, ValueError):
    """The search query itself is wrong (dates backwards, invalid polygon...)."""


class CatalogError(EOPortalsError):
    """The portal catalog (built-in or the user's override file) cannot be used."""


class PortalError(EOPortalsError):
    """A portal failed: `str(error)` reads "<Portal title>: <message>"; `kind`, `code`, `details` say it as data."""

    def __init__(
        self,
        portal: str,
        message: str,
        kind: ErrorKind = ErrorKind.HTTP,
        status: Optional[int] = None,
        detail: str = "",
        retry_after: Optional[float] = None,
        *,
        code: str = "",
        details: Optional[Dict[str, Any]] = None,
    ):
        self.portal = portal
        self.message = message
        self.kind = kind
        self.status = status
        self.detail = detail  # the portal's own words, when it gave some
        self.retry_after = retry_after
        self.code = code
        self.details: Dict[str, Any] = dict(details or {})
        super().__init__(f"{portal}: {message}")

    def failure(self) -> "Failure":
        """The error as plain data."""
        return Failure(self.portal, self.kind, self.code, self.message, self.status, dict(self.details), self.detail)

    def masked(self, mask: Callable[[str], str]) -> "PortalError":
        """A copy with every text (message, the portal's words, textual details) passed through `mask`."""
        return PortalError(self.portal, mask(self.message), self.kind, self.status, mask(self.detail),
                           self.retry_after, code=self.code, details=_masked(self.details, mask))

    def wrapped(self, message: str, code: str, **details: Any) -> "PortalError":
        """This error as the cause of another case of the same kind ("download interrupted: <this>")."""
        return PortalError(self.portal, message, self.kind, self.status, self.detail, self.retry_after, code=code,
                           details={**details, "cause": self.failure().to_dict()})


def _masked(value: Any, mask: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {key: _masked(item, mask) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item, mask) for item in value]
    return value


@dataclass(frozen=True)
class Failure:
    """An error as plain data (JSON-safe details): what a download job keeps and the queue stores."""

    portal: str  # the portal's title, or the product's name for a failure of no portal
    kind: ErrorKind
    code: str = ""
    message: str = ""  # English, secrets masked: for logs, Processing, and as the last-resort wording
    status: Optional[int] = None
    details: Dict[str, Any] = field(default_factory=dict)
    detail: str = ""  # the portal's own words

    def __str__(self) -> str:
        return f"{self.portal}: {self.message}" if self.portal else self.message

    def to_dict(self) -> Dict[str, Any]:
        """Plain JSON data."""
        return {"portal": self.portal, "kind": self.kind.value, "code": self.code, "message": self.message,
                "status": self.status, "details": dict(self.details), "detail": self.detail}

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "Failure":
        """The Failure back from `to_dict` (an unknown kind reads as INTERNAL: never lost, always shown)."""
        try:
            kind = ErrorKind(data.get("kind"))
        except ValueError:
            kind = ErrorKind.INTERNAL
        return cls(str(data.get("portal") or ""), kind, str(data.get("code") or ""), str(data.get("message") or ""),
                   data.get("status"), dict(data.get("details") or {}), str(data.get("detail") or ""))
