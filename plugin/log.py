"""The plugin's one logging helper: the "EO Portals" log tab and message bar entries, secrets always masked.

Two tiers, as in QuickOSM: an expected failure (a `PortalError`, an `EOPortalsError`) is shown in the
message bar in plain words, with its request (method, URL, status, the portal's own message) in the log;
anything else is a bug and is logged with its traceback.

Every text that goes out passes through `mask()`: secret-looking URL parts (``plugin.core.http.mask_url``),
``Authorization``/API-key headers, and every value registered with `register_secret()` (accounts.py
registers the passwords and keys it resolves, so they are masked wherever they would appear).
Logging is safe from worker threads; `show_error` touches widgets and must run on the main thread.
"""
from __future__ import annotations

import base64
import re
import threading
import traceback
from typing import Any, List, Optional, Set
from urllib.parse import quote, quote_plus

from qgis.core import Qgis, QgsMessageLog
from qgis.gui import QgsMessageViewer
from qgis.PyQt.QtCore import QCoreApplication, Qt
from qgis.PyQt.QtWidgets import QAction, QApplication, QPushButton, QToolButton

from .core.errors import EOPortalsError
from .core.http import mask_url
from .core.portals.base import Request

LOG_TAG = "EO Portals"
MASK = "***"
BAR_CHROME = 220  # px of QGIS's message bar that are not its text: icon, "Show more", close and menu buttons

_secrets: Set[str] = set()
_secrets_lock = threading.Lock()

# Header values that carry credentials, wherever a header dump shows up in a text.
_SECRET_HEADERS = re.compile(
    r"(?i)\b(authorization|proxy-authorization|x-api-key|api-key|apikey|x-auth-token|access-key|secret-key"
    r"|ocp-apim-subscription-key|access_token|refresh_token|id_token|client_secret|password|totp)"
    r"(\"?\s*[:=]\s*\"?)(?:(bearer|basic)\s+)?[^\s\"',}&]+"
)


# Called as translate("EOPortals", "literal") so that pylupdate5 finds the texts.
translate = QCoreApplication.translate


def register_secret(value: Optional[str]) -> None:
    """Remember a secret value (password, API key, token) so that no log or message ever shows it."""
    if not value or not value.strip():
        return
    forms = {value, quote(value, safe=""), quote_plus(value)}
    with _secrets_lock:
        _secrets.update(form for form in forms if form)


def register_basic_auth(username: str, password: str) -> None:
    """Register a password and the ``Authorization: Basic`` value built from it."""
    register_secret(password)
    if password:
        register_secret(base64.b64encode(f"{username}:{password}".encode("utf-8")).decode("ascii"))


def forget_secrets() -> None:
    """Forget every registered secret (when accounts are removed; tests)."""
    with _secrets_lock:
        _secrets.clear()


def mask(text: Any) -> str:
    """`text` with every known secret, credential header and secret-looking URL part replaced by ***."""
    text = mask_url(str(text))
    text = _SECRET_HEADERS.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3) + ' ' if m.group(3) else ''}{MASK}",
                               text)
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)  # longest first: a secret may contain another
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def _log(message: str, level: Qgis.MessageLevel) -> str:
    text = mask(message)
    # Warnings and errors light up QGIS's log button; information lines do not.
    QgsMessageLog.logMessage(text, LOG_TAG, level, level != Qgis.MessageLevel.Info)
    return text


def log_info(message: str) -> str:
    """Write an information line to the EO Portals log tab; returns the (masked) text written."""
    return _log(message, Qgis.MessageLevel.Info)


def log_warning(message: str) -> str:
    """Write a warning to the EO Portals log tab; returns the (masked) text written."""
    return _log(message, Qgis.MessageLevel.Warning)


def log_error(message: str) -> str:
    """Write an error to the EO Portals log tab; returns the (masked) text written."""
    return _log(message, Qgis.MessageLevel.Critical)


def log_exception(what: str, exc: Optional[BaseException] = None) -> str:
    """Log a bug (an unexpected exception) with its traceback; call it from an ``except`` block or pass `exc`."""
    if exc is not None:
        trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    else:
        trace = traceback.format_exc()
    return _log(f"{what}\n{trace}", Qgis.MessageLevel.Critical)


def curl_command(request: Optional[Request]) -> str:
    """A "copy as curl" command reproducing `request`, with secrets masked ('' without a request)."""
    if request is None:
        return ""
    return mask(request.as_curl())


def _error_and_request(outcome_or_error: Any, request: Optional[Request]) -> tuple:
    """(error, request) from an Outcome (search.py), a PortalError or any exception."""
    error = outcome_or_error
    if hasattr(outcome_or_error, "last_request") and hasattr(outcome_or_error, "error"):
        error = outcome_or_error.error
        request = request or outcome_or_error.last_request
    if request is None:
        request = getattr(error, "request", None)
    return error, request


def _failure_lines(error: Any, request: Optional[Request]) -> List[str]:
    """The lines that explain a failed request, after its one-line summary."""
    lines: List[str] = []
    if request is not None:
        lines.append(translate("EOPortals", "Request: {method} {url}").format(method=request.method,
                                                                            url=request.full_url))
    status = getattr(error, "status", None)
    if status is not None:
        lines.append(translate("EOPortals", "HTTP status: {status}").format(status=status))
    detail = getattr(error, "detail", "")
    if detail:
        lines.append(translate("EOPortals", "The portal said: {detail}").format(detail=detail))
    if request is not None:
        lines.append(translate("EOPortals", "Copy as curl: {command}").format(command=request.as_curl()))
    return lines


def request_failure_text(outcome_or_error: Any, request: Optional[Request] = None) -> str:
    """The log text for a failed request: what failed, method, URL, status, the portal's message, curl."""
    error, request = _error_and_request(outcome_or_error, request)
    summary = str(error) if error is not None else translate("EOPortals", "The request failed")
    return mask("\n".join([summary] + _failure_lines(error, request)))


def log_request_failure(outcome_or_error: Any, request: Optional[Request] = None) -> str:
    """Log a failed portal request (an Outcome, a PortalError or an exception) and return the text logged.

    Expected failures are warnings; any other exception is a bug and is logged with its traceback.
    """
    error, request = _error_and_request(outcome_or_error, request)
    text = request_failure_text(error, request)
    if error is None or isinstance(error, EOPortalsError):
        QgsMessageLog.logMessage(text, LOG_TAG, Qgis.MessageLevel.Warning, True)
        return text
    if isinstance(error, BaseException) and error.__traceback__ is not None:
        trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        text = mask(f"{text}\n{trace}")
    QgsMessageLog.logMessage(text, LOG_TAG, Qgis.MessageLevel.Critical, True)
    return text


def message_lead(bar, title: str, text: str, reserved: int = 0) -> str:
    """'' when "title: text" fits on the message bar's one line (besides `reserved` px of the entry's own
    buttons); else what does: the text up to its first colon ("Some portals failed"), or its start, ending on a
    whole word."""
    parent = bar.parentWidget()
    if parent is None or parent.width() <= 0:
        return ""  # not in a window: nothing to measure against
    metrics = bar.fontMetrics()
    room = parent.width() - BAR_CHROME - reserved
    if metrics.horizontalAdvance(f"{title}: {text}") * 1.1 <= room:  # (the title is bold)
        return ""
    room -= metrics.horizontalAdvance(f"{title}: …")
    head = re.split(r"\s*:\s", text, maxsplit=1)[0]
    if head != text and metrics.horizontalAdvance(head) * 1.1 <= room:
        return head + "…"
    elided = metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(int(room / 1.1), 80))
    if elided == text or not elided.endswith("…"):
        return elided
    # never a word cut in two ("searches go to th…"): back to the end of the last whole word
    kept = elided[:-1]
    if kept and text[len(kept)] not in " \t\n":
        kept = re.sub(r"\S+$", "", kept) or kept  # (one long word: cut it all the same)
    return kept.rstrip(" ,;:(") + "…"


def _show_more_button(parent: Any, title: str, text: str) -> QToolButton:
    """QGIS's own "Show more" link of a message bar entry: opens the whole text in a message viewer."""
    button = QToolButton()
    action = QAction(translate("EOPortals", "Show more"), button)
    button.setDefaultAction(action)
    button.setObjectName("eoPortalsShowMoreButton")
    button.setStyleSheet("background-color: rgba(255, 255, 255, 0); text-decoration: underline;")
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)

    def show() -> None:
        viewer = QgsMessageViewer(parent)
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        viewer.setWindowTitle(title)
        viewer.setMessageAsPlainText(text)
        viewer.show()

    action.triggered.connect(lambda _checked=False: show())
    return button


def show_error(iface: Any, title: str, message: str, details: Optional[str] = None,
               request: Optional[Request] = None, level: Qgis.MessageLevel = Qgis.MessageLevel.Critical,
               duration: int = 0) -> Any:
    """Push a message bar entry in plain words, with "Details" (opens the log) and, for a request, "Copy as curl".

    The bar shows one line: a longer message shows its lead there and the whole of it behind "Show more".
    `details` and the failed `request` (method, URL, curl) are written to the log first, masked, in one entry.
    `duration` 0 keeps the entry until the user closes it. Returns the message bar item. Main thread only.
    """
    if details or request is not None:
        parts = [f"{title}: {message}"]
        if details:
            parts.append(details)
        parts.extend(_failure_lines(None, request))
        _log("\n".join(parts), level if level != Qgis.MessageLevel.Success else Qgis.MessageLevel.Info)
    bar = iface.messageBar()
    title, message = mask(title), mask(message)
    buttons = []
    details_button = QPushButton(translate("EOPortals", "Details"))
    details_button.setObjectName("eoPortalsDetailsButton")
    details_button.setToolTip(translate("EOPortals", "Open the EO Portals log tab"))
    details_button.clicked.connect(lambda _checked=False: _open_log(iface))
    buttons.append(details_button)
    if request is not None:
        command = curl_command(request)
        curl_button = QPushButton(translate("EOPortals", "Copy as curl"))
        curl_button.setObjectName("eoPortalsCurlButton")
        curl_button.setToolTip(translate("EOPortals", "Copy a curl command that repeats the failed request "
                                                      "(secrets masked)"))
        curl_button.clicked.connect(lambda _checked=False: QApplication.clipboard().setText(command))
        buttons.append(curl_button)
    lead = message_lead(bar, title, message, sum(button.sizeHint().width() + 6 for button in buttons))
    item = bar.createMessage(title, lead or message)
    item.setLevel(level)
    item.setDuration(duration)
    if lead:
        item.setToolTip(message)
        buttons.insert(0, _show_more_button(getattr(iface, "mainWindow", lambda: None)(), title, message))
    for button in buttons:
        button.setParent(item)
        item.layout().addWidget(button)
    bar.pushItem(item)
    return item


def show_exception(iface: Any, title: str, exc: BaseException, request: Optional[Request] = None) -> Any:
    """Show an exception: an expected failure in its own words, a bug as "unexpected error" plus its traceback."""
    request = request or getattr(exc, "request", None)
    if isinstance(exc, EOPortalsError):
        details = "\n".join(_failure_lines(exc, None)) or None
        return show_error(iface, title, str(exc), details=details, request=request)
    log_exception(translate("EOPortals", "Unexpected error in {title}").format(title=title), exc)
    message = translate("EOPortals", "An unexpected error happened ({name}); details are in the EO Portals log.")
    return show_error(iface, title, message.format(name=type(exc).__name__), request=request)


def _open_log(iface: Any) -> None:
    """Show the Log Messages panel (QGIS shows the tab of the last message)."""
    opener = getattr(iface, "openMessageLog", None)
    if callable(opener):
        opener()
