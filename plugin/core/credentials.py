"""Credentials as plain data: the QGIS layer resolves them from QgsAuthManager and hands them in.

They are never stored by the core, never logged, and `repr()` hides them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple


@dataclass(frozen=True)
class Credentials:
    """What a portal account may hold; which fields matter depends on the portal's `auth` kind."""

    username: str = field(default="", repr=False)
    password: str = field(default="", repr=False)
    api_key: str = field(default="", repr=False)
    totp: str = field(default="", repr=False)

    def __repr__(self) -> str:
        return f"Credentials(username={'***' if self.username else ''!s})"

    @property
    def empty(self) -> bool:
        """True when nothing was given."""
        return not (self.username or self.password or self.api_key)

    def secrets(self) -> Tuple[str, ...]:
        """Every secret value held, to mask them in any text."""
        return tuple(v for v in (self.password, self.api_key, self.totp) if v)


def search_auth(auth_kind: str, credentials: Optional[Credentials], header_name: str = "X-API-Key"
                ) -> Tuple[Optional[Tuple[str, str]], Dict[str, str]]:
    """(basic auth pair, extra headers) to send with search requests of a portal with this auth kind."""
    if not credentials or credentials.empty:
        return None, {}
    if auth_kind == "basic":
        return (credentials.username, credentials.password), {}
    if auth_kind == "apikey" and credentials.api_key:
        return None, {header_name: credentials.api_key}
    return None, {}
