"""URLs as the policy and the fixes see them: host, loopback, plain HTTP, a form safe to show."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def host_of(url: str | None) -> str | None:
    """The host of an absolute URL, or None when the URL is missing, relative or unresolved."""
    if not url or not isinstance(url, str):
        return None
    text = url.strip()
    if "://" not in text:
        return None
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return None
    # Detectors keep unresolved parts of f-strings and format strings as placeholders.
    if not host or any(c in host for c in "{}<>$%"):
        return None
    return host.lower().rstrip(".")


def domain_after_placeholder(url: str | None) -> str | None:
    """The domain that a host with an unresolved leading part ends in: ``salesforce.com`` for
    ``https://{…}.salesforce.com/...``; None when the host is resolved, or a placeholder hides
    more than its leftmost labels, or fewer than two labels are left."""
    if not url or not isinstance(url, str) or "://" not in url:
        return None
    netloc = url.strip().split("://", 1)[1].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    host = netloc.rsplit("@", 1)[-1].lower()
    if ":" in host:  # a port (IPv6 literals have no placeholders in front)
        host = host.rsplit(":", 1)[0]
    marks = [host.rfind(c) for c in "{}<>$%"]
    last = max(marks)
    if last < 0:
        return None
    rest = host[last + 1 :]
    if not rest.startswith(".") or rest.count(".") < 2:
        return None
    domain = rest[1:].rstrip(".")
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
