"""QGIS's network options (proxy, exclusions, timeout, SSL) as the core's `HttpSettings`.

Every `requests` session the plugin makes is built from `http_settings()`, so that the plugin works behind
the same proxy as QGIS itself (plugins that ignore it are broken behind corporate proxies). Call it on the
main thread when a task is created and hand the result to the task: it reads QgsSettings and the
authentication database, which tasks must not do.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import quote, urlsplit

from qgis.core import QgsApplication, QgsAuthMethodConfig, QgsSettings

from .core.http import HttpSettings, USER_AGENT
from .log import log_warning, register_basic_auth
from .certificates import ca_bundle

DEFAULT_TIMEOUT_MS = 60000  # QGIS's own default for qgis/networkAndProxy/networkTimeout

# QGIS proxy types (Options > Network) -> URL scheme understood by requests.
_SCHEMES = {
    "HttpProxy": "http",
    "HttpCachingProxy": "http",
    "FtpCachingProxy": "http",
    "Socks5Proxy": "socks5h",  # needs PySocks in the Python QGIS runs; without it requests says so
}


def _as_list(value: Any) -> List[str]:
    """A QSettings list value, which may come back as None, one string or a list."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in value.replace("|", "\n").splitlines() if part.strip()]
    return [str(part) for part in value if str(part).strip()]


def _host_of(entry: str) -> str:
    """An exclusion entry for the core: QGIS's URL prefixes ('http://intranet:8080/') stay prefixes, as QGIS
    matches them; anything else ('intranet.local', 'intranet.local/path') is a host name."""
    text = entry.strip()
    if "://" in text:
        parts = urlsplit(text)
        return text if parts.hostname else ""
    return text.split("/")[0].split(":")[0]


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _proxy_credentials(settings: QgsSettings) -> Tuple[str, str]:
    """User and password of the proxy: from its authentication configuration when one is set."""
    user = str(settings.value("proxy/proxyUser", "") or "")
    password = str(settings.value("proxy/proxyPassword", "") or "")
    authcfg = str(settings.value("proxy/authcfg", "") or "")
    if authcfg:
        config = QgsAuthMethodConfig()
        manager = QgsApplication.authManager()
        loaded = manager.loadAuthenticationConfig(authcfg, config, True) if manager is not None else False
        if isinstance(loaded, tuple):  # PyQGIS 3.22 returns (ok, config)
            loaded, config = loaded[0], loaded[1]
        if loaded:
            user = config.config("username", user)
            password = config.config("password", password)
    return user, password


def proxy_url(scheme: str, host: str, port: int, user: str, password: str) -> str:
    """The proxy's URL: scheme, then the user name and password (percent-encoded, when set), host and port."""
    credentials = ""
    if user:
        credentials = quote(user, safe="")
        if password:
            credentials += ":" + quote(password, safe="")
        credentials += "@"
    port_part = f":{port}" if port else ""
    return f"{scheme}://{credentials}{host}{port_part}"


def http_settings(settings: Optional[QgsSettings] = None) -> HttpSettings:
    """The core's HttpSettings from QGIS's network options (Settings > Options > Network)."""
    settings = settings or QgsSettings()
    try:
        timeout_ms = int(settings.value("qgis/networkAndProxy/networkTimeout", DEFAULT_TIMEOUT_MS))
    except (TypeError, ValueError):
        timeout_ms = DEFAULT_TIMEOUT_MS
    timeout = max(1.0, timeout_ms / 1000.0) if timeout_ms > 0 else DEFAULT_TIMEOUT_MS / 1000.0
    user_agent = f"{USER_AGENT} QGIS/{_qgis_version()}"
    verify = _verify()
    if not _bool(settings.value("proxy/proxyEnabled", False)):
        return HttpSettings(timeout=timeout, user_agent=user_agent, verify=verify)

    excluded: List[str] = []
    # "proxyExcludedUrls" is the older name of the list; QGIS reads both, so do we.
    for key in ("proxy/noProxyUrls", "proxy/proxyExcludedUrls"):
        for entry in _as_list(settings.value(key, [])):
            host = _host_of(entry)
            if host and host not in excluded:
                excluded.append(host)
    proxy_type = str(settings.value("proxy/proxyType", "") or "")
    if proxy_type in ("", "DefaultProxy"):
        # "Default proxy" means the system's: requests finds it in the environment (and the registry
        # on Windows, System Configuration on macOS) when trust_env is on.
        return HttpSettings(timeout=timeout, user_agent=user_agent, verify=verify, trust_env=True,
                            no_proxy=tuple(excluded))
    host = str(settings.value("proxy/proxyHost", "") or "").strip()
    try:
        port = int(str(settings.value("proxy/proxyPort", "") or "0"))
    except ValueError:
        port = 0
    scheme = _SCHEMES.get(proxy_type)
    if not host or scheme is None:
        return HttpSettings(timeout=timeout, user_agent=user_agent, verify=verify, no_proxy=tuple(excluded))
    user, password = _proxy_credentials(settings)
    register_basic_auth(user, password)  # the proxy password is masked in every log line and message
    url = proxy_url(scheme, host, port, user, password)
    proxies: Dict[str, str] = {"http": url, "https": url}
    return HttpSettings(proxies=proxies, no_proxy=tuple(excluded), timeout=timeout, user_agent=user_agent,
                        verify=verify)


def _verify():
    """requests' CA bundle plus the authorities QGIS trusts (plugin/certificates.py); True (still verifying) if that fails."""
    try:
        return ca_bundle()
    except Exception as exc:  # an unwritable profile must not stop searches; verification stays on
        log_warning(f"The certificate authorities of QGIS's authentication manager could not be used: {exc}")
        return True


def _qgis_version() -> str:
    try:
        from qgis.core import Qgis

        return Qgis.version().split("-")[0]
    except Exception:  # a missing version string must not break networking
        return "3"
