"""What the panel says about a failure: one table from (kind, code) to translated text, for both tabs.

The core reports failures as data (`errors.PortalError` / `errors.Failure`: kind, code, details, and an English
message for logs); the Search tab's portal lines, the Downloads tab's rows and the message bar all word them
here, from the kind, the code and the details, never by reading the English text. A case without an entry is
shown with the core's own (English) message, as it is: nothing is ever wrapped twice ("cannot be reached
(cannot be reached (...))").

    failure_text(job.errors[0])                  # "CDSE : connexion refusée, vérifiez le compte ..." in French
    error_text(outcome.error, "Earth Search")    # "Earth Search: cannot be reached (Connection refused)"
    note_text(note)                              # "S2A_...zip: MD5 verified"
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, Optional, Tuple

from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from ..core.download.job import Note
from ..core.errors import ErrorKind, Failure, PortalError

# pylupdate5 and pylupdate6 read translate("Context", "text") calls
translate = QCoreApplication.translate

K = ErrorKind
# (kind, code) -> (text with {placeholders} from the details, when the portal's own words follow it: NEVER,
# IN_ROWS (a download's row and its message), ALWAYS (the Search tab's portal lines too))
NEVER, IN_ROWS, ALWAYS = range(3)
TEXTS: Dict[Tuple[ErrorKind, str], Tuple[str, int]] = {
    (K.AUTH, "account"): (QT_TRANSLATE_NOOP("Messages", "HTTP {status}, check your account"), IN_ROWS),
    (K.AUTH, "no_account"): (QT_TRANSLATE_NOOP(
        "Messages", "an account is needed to download from this portal: add it in EO Portals settings"), NEVER),
    (K.AUTH, "login_refused"): (QT_TRANSLATE_NOOP(
        "Messages", "login refused, check the account in EO Portals settings"), NEVER),
    (K.AUTH, "session_expired"): (QT_TRANSLATE_NOOP("Messages", "the session expired"), NEVER),
    (K.AUTH, "account_refused"): (QT_TRANSLATE_NOOP(
        "Messages", "{service} refused the account (HTTP {status}), check it in EO Portals settings"), NEVER),
    (K.AUTH, "proxy_auth"): (QT_TRANSLATE_NOOP(
        "Messages", "the proxy {proxy} wants a valid user name and password (HTTP {status}): check them in QGIS "
                    "Settings > Options > Network"), NEVER),
    (K.AUTH, "proxy_or_account"): (QT_TRANSLATE_NOOP(
        "Messages", "HTTP 401 from the proxy {proxy} or the portal: check the proxy's user name and password (QGIS "
                    "Settings > Options > Network) and your account"), NEVER),
    (K.TIMEOUT, "timeout"): (QT_TRANSLATE_NOOP("Messages", "timed out after {seconds} s"), NEVER),
    (K.CANCELLED, "cancelled"): (QT_TRANSLATE_NOOP("Messages", "cancelled"), NEVER),
    (K.THROTTLED, "too_many_requests"): (QT_TRANSLATE_NOOP("Messages", "too many requests, try again later"), IN_ROWS),
    (K.THROTTLED, "parallel_downloads"): (QT_TRANSLATE_NOOP(
        "Messages", "too many parallel downloads for this account (HTTP 403), retry when others have finished"),
        IN_ROWS),
    (K.THROTTLED, "long_wait"): (QT_TRANSLATE_NOOP(
        "Messages", "the portal asks to wait {minutes} min (HTTP {status}); retry later"), NEVER),
    (K.UNREACHABLE, "unreachable"): (QT_TRANSLATE_NOOP("Messages", "cannot be reached ({reason})"), NEVER),
    (K.UNREACHABLE, "request_failed"): (QT_TRANSLATE_NOOP("Messages", "request failed ({reason})"), NEVER),
    (K.UNREACHABLE, "proxy_unreachable"): (QT_TRANSLATE_NOOP("Messages", "cannot reach the proxy {proxy} ({reason})"),
                                           NEVER),
    (K.UNREACHABLE, "certificate"): (QT_TRANSLATE_NOOP(
        "Messages", "secure connection refused: the certificate could not be verified ({reason})"), NEVER),
    (K.UNREACHABLE, "cut"): (QT_TRANSLATE_NOOP("Messages", "the connection was cut in the middle of the answer"),
                             NEVER),
    (K.UNREACHABLE, "cut_after"): (QT_TRANSLATE_NOOP(
        "Messages", "the connection was cut after {received} of {declared} bytes"), NEVER),
    (K.UNREACHABLE, "interrupted"): (QT_TRANSLATE_NOOP("Messages", "download interrupted: {cause}"), NEVER),
    (K.UNREACHABLE, "proxy_status"): (QT_TRANSLATE_NOOP("Messages", "the proxy {proxy} answered HTTP {status}"), ALWAYS),
    (K.HTTP, "status"): (QT_TRANSLATE_NOOP("Messages", "HTTP {status}"), ALWAYS),
    (K.HTTP, "server_error"): (QT_TRANSLATE_NOOP("Messages", "server error (HTTP {status})"), ALWAYS),
    (K.HTTP, "redirects"): (QT_TRANSLATE_NOOP("Messages", "too many redirects"), NEVER),
    (K.HTTP, "web_page"): (QT_TRANSLATE_NOOP("Messages", "the portal answered with a web page instead of the file"),
                           ALWAYS),
    (K.HTTP, "wrong_size"): (QT_TRANSLATE_NOOP("Messages", "the portal sent {sent} bytes where {announced} were "
                                                           "announced"), NEVER),
    (K.PARSE, "not_json"): (QT_TRANSLATE_NOOP("Messages", "the answer could not be read: not JSON (starts with: "
                                                          "{start})"), NEVER),
    (K.PARSE, "unexpected"): (QT_TRANSLATE_NOOP("Messages", "the answer could not be read: {what}"), NEVER),
    (K.PARSE, "too_large"): (QT_TRANSLATE_NOOP("Messages", "the answer could not be read: it is larger than "
                                                           "{megabytes} MB"), NEVER),
    (K.PARSE, "too_deep"): (QT_TRANSLATE_NOOP("Messages", "the answer could not be read: it is nested too deeply"),
                            NEVER),
    (K.OFFLINE, "archived"): (QT_TRANSLATE_NOOP(
        "Messages", "the product is offline (in the long-term archive): order it on the portal, then retry"), NEVER),
    (K.OFFLINE, "restoring"): (QT_TRANSLATE_NOOP(
        "Messages", "the product is offline: the portal is bringing it back from its long-term archive, retry later"),
        NEVER),
    (K.INVALID, "no_archive"): (QT_TRANSLATE_NOOP(
        "Messages", "offers no whole-product archive: choose the assets to download"), NEVER),
    (K.INVALID, "no_assets"): (QT_TRANSLATE_NOOP("Messages", "has none of the chosen assets over HTTP ({assets})"),
                               NEVER),
    (K.INVALID, "not_in_catalog"): (QT_TRANSLATE_NOOP("Messages", "this portal is not in the catalog"), NEVER),
    (K.INVALID, "no_source"): (QT_TRANSLATE_NOOP("Messages", "no source to download from"), NEVER),
    (K.DISK, "cannot_write"): (QT_TRANSLATE_NOOP("Messages", "cannot write {path}: {reason}"), NEVER),
    (K.DISK, "disk_full"): (QT_TRANSLATE_NOOP("Messages", "the disk is full ({folder}): free some space and retry"),
                            NEVER),
    (K.DISK, "too_full"): (QT_TRANSLATE_NOOP(
        "Messages", "the disk is too full for this download ({folder}): {needed} needed and {margin} kept free, "
                    "{free} free; free some space and retry"), NEVER),
    (K.DISK, "extraction"): (QT_TRANSLATE_NOOP("Messages", "downloaded, but the extraction failed ({reason})"), NEVER),
    (K.CHECKSUM, "checksum_mismatch"): (QT_TRANSLATE_NOOP(
        "Messages", "checksum mismatch ({algorithm}): the file is corrupt; it was deleted"), NEVER),
    (K.CHECKSUM, "size_mismatch"): (QT_TRANSLATE_NOOP(
        "Messages", "size mismatch: {received} bytes received, {expected} expected; it was deleted"), NEVER),
    (K.INTERNAL, "unexpected"): (QT_TRANSLATE_NOOP("Messages", "unexpected error ({reason})"), NEVER),
}
KEPT = QT_TRANSLATE_NOOP("Messages", " (the partial download is kept)")
NAMED = QT_TRANSLATE_NOOP("Messages", "{name}: {reason}")
PORTAL_SAYS = QT_TRANSLATE_NOOP("Messages", "{reason}: {portal_says}")
# Codes that mean the user's account (not the proxy, not the portal) must be looked at.
ACCOUNT_CODES = frozenset({"account", "no_account", "login_refused", "session_expired", "account_refused"})

NOTE_TEXTS = {
    "verified": QT_TRANSLATE_NOOP("Messages", "{file}: {algorithm} verified"),
    "unverifiable": QT_TRANSLATE_NOOP("Messages", "{file}: not verified ({algorithms})"),
    "no_checksum": QT_TRANSLATE_NOOP("Messages", "{file}: no checksum given"),
    "missing_asset": QT_TRANSLATE_NOOP("Messages", "{portal} has no asset {key}"),
    "fell_back": QT_TRANSLATE_NOOP("Messages", "fell back to {portal} after: {reasons}"),
    "extracted": QT_TRANSLATE_NOOP("Messages", "extracted: {files}"),
}
CHECK_TEXTS = {
    "verified": QT_TRANSLATE_NOOP("Messages", "{algorithm} verified"),
    "unverifiable": QT_TRANSLATE_NOOP("Messages", "not verified ({algorithms})"),
    "no_checksum": QT_TRANSLATE_NOOP("Messages", "no checksum given"),
}


def _fill(template: str, details: Dict[str, Any]) -> Optional[str]:
    try:
        return translate("Messages", template).format(**details)
    except (KeyError, IndexError, ValueError):  # a detail the case did not give: the core's words instead
        return None


def reason_text(failure: Failure, portal_words: Optional[bool] = None) -> str:
    """The cause of a failure, translated (without the portal's name).

    `portal_words`: True for a download's row and message (the portal's own words, `Failure.detail`, follow
    the causes marked IN_ROWS or ALWAYS), None for the Search tab's short lines (ALWAYS only).
    """
    entry = TEXTS.get((failure.kind, failure.code))
    details = {key: ("" if value is None else value) for key, value in failure.details.items()}
    details.setdefault("status", failure.status if failure.status is not None else "")
    if isinstance(failure.details.get("cause"), dict):
        details["cause"] = reason_text(Failure.from_dict(failure.details["cause"]), portal_words)
    text = _fill(entry[0], details) if entry is not None else None
    if text is None:
        return failure.message
    if failure.kind is ErrorKind.DISK and failure.details.get("kept"):
        text += translate("Messages", KEPT)
    if entry[1] >= (IN_ROWS if portal_words else ALWAYS) and failure.detail:
        text = translate("Messages", PORTAL_SAYS).format(reason=text, portal_says=failure.detail)
    return text


def failure_text(failure: Failure, name: Optional[str] = None, portal_words: Optional[bool] = None) -> str:
    """"<Portal>: <cause>", translated; `name` replaces the portal's title (the panel's name for it)."""
    name = name or failure.portal
    reason = reason_text(failure, portal_words)
    return translate("Messages", NAMED).format(name=name, reason=reason) if name else reason


def error_text(error: PortalError, name: Optional[str] = None) -> str:
    """`failure_text` of a PortalError (a search outcome's)."""
    return failure_text(error.failure(), name)


def failures_text(failures: Iterable[Failure]) -> str:
    """Every failure of a job, one after the other, each with the portal's own words when it gave some."""
    return "; ".join(dict.fromkeys(failure_text(failure, portal_words=True) for failure in failures))


def is_account_problem(failures: Iterable[Failure]) -> bool:
    """Whether the account was refused or is missing (the message stays until the user closes it)."""
    return any(f.kind is ErrorKind.AUTH and f.code in ACCOUNT_CODES for f in failures)


def note_text(note: Note) -> str:
    """A note of a finished job, translated ("S2A_...zip: MD5 verified")."""
    details = dict(note.details)
    if note.code == "fell_back" and isinstance(details.get("after"), list):
        details["reasons"] = failures_text(Failure.from_dict(item) for item in details["after"])
    template = NOTE_TEXTS.get(note.code)
    text = _fill(template, details) if template is not None else None
    return text if text is not None else str(note)


def check_text(note: Note) -> Optional[str]:
    """How a file was checked ("MD5 verified", "not verified (BLAKE3)"), or None for a note of another kind."""
    template = CHECK_TEXTS.get(note.code)
    return _fill(template, note.details) if template is not None else None
