"""URLs as the policy and the fixes see them: host, loopback, plain HTTP, a form safe to show."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

# Detectors keep unresolved parts of f-strings and format strings as placeholders.
_PLACEHOLDER_CHARS = "{}<>$%"


def _hostname(url: str | None) -> str | None:
    """The host part of an absolute URL as written, placeholders included."""
    if not url or not isinstance(url, str):
        return None
    text = url.strip()
    if "://" not in text:
        return None
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return None
    return host.lower().rstrip(".") if host else None


def host_of(url: str | None) -> str | None:
    """The host of an absolute URL, or None when the URL is missing, relative or unresolved."""
    host = _hostname(url)
    if not host or any(c in host for c in _PLACEHOLDER_CHARS):
        return None
    return host


def domain_after_placeholder(url: str | None) -> str | None:
    """The domain that a host with an unresolved leading part ends in: ``salesforce.com`` for
    ``https://{…}.salesforce.com/...``; None when the host is resolved, or a placeholder hides
    more than its leftmost labels, or fewer than two labels are left."""
    host = _hostname(url)
    if not host:
        return None
    rest = host[max(host.rfind(c) for c in _PLACEHOLDER_CHARS) + 1 :]
    if rest == host or not rest.startswith(".") or rest.count(".") < 2:
        return None  # no placeholder, or one that is not the leftmost labels
    domain = rest[1:]
    labels = domain.split(".")
    if not all(label and label.replace("-", "").isalnum() for label in labels):
        return None
    return domain


def is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_plain_http(url: str) -> bool:
    text = url.strip()
    if not text.lower().startswith("http://"):
        return False
    host = host_of(text)
    # Loopback traffic does not leave the machine; these are local mock servers.
    return host is None or not is_loopback(host)


def display_url(url: str) -> str:
    """A URL safe to show: no user-info, no query values (either may carry credentials)."""
    text = url.strip()
    if not text:
        return ""
    try:
        parts = urlsplit(text)
    except ValueError:
        return text.split("?", 1)[0].split("#", 1)[0]
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = "?…" if parts.query else ""
    if parts.scheme:
        return f"{parts.scheme}://{netloc}{parts.path}{query}"
    return f"{parts.path}{query}"
