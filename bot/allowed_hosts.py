"""The allow list of the SSRF guard: which entries it takes, and what is wrong with others.

The feed fetcher refuses private and local addresses unless ``STORYBOT_ALLOWED_HOSTS`` or
``[network] allowed_hosts`` allows them. An entry is an IP address, a CIDR network or a
host name, and allows every port of it; anything else (a port, a URL, a wildcard, a name
no DNS can hold) is refused at start with what to write instead, since an entry the
guard silently could not match would leave the operator's feeds refused for no reason
they can see. :mod:`bot.settings` and ``adapters.feeds.netguard`` both check with this.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Iterable
from urllib.parse import urlsplit

from bot.errors import ConfigError
from bot.toml_text import toml_value

_HOST_PORT = re.compile(r"\[(?P<v6>[^\]]*)\]:\d+|(?P<host>[^:]*):\d+")
_ALLOWED_HOST_KINDS = (
    "an IP address (127.0.0.1, ::1), a network (CIDR: 10.0.0.0/8) or a host name "
    "(letters, digits, hyphens and dots: feeds.internal)"
)


def _host_name_problem(name: str) -> str | None:
    """What makes ``name`` no host name, in a few words; None if it is one.

    Labels of letters (any script: an IDN is a name), digits, hyphens (not first or last)
    and underscores (internal names such as Docker services have them), 1 to 63
    characters each, 253 in all; a trailing dot is the root. A name whose last label is
    all digits would be an IPv4 address, and is not one.
    """
    name = name[:-1] if name.endswith(".") else name
    labels = name.split(".")
    if not name or len(name) > 253 or any(not 0 < len(label) <= 63 for label in labels):
        return "not a host name"
    if any(not (ch.isalnum() or ch in "-_") for ch in name.replace(".", "")):
        return "not a host name"
    if any(label.startswith("-") or label.endswith("-") for label in labels):
        return 'not a host name (a part of a name cannot start or end with "-")'
    if labels[-1].isascii() and labels[-1].isdigit():
        return "not an IP address"
    return None


def _is_ip(entry: str) -> bool:
    """Whether ``entry`` is an IP address or a CIDR network (an IPv6 address may be in
    brackets)."""
    bare = entry[1:-1] if entry.startswith("[") and entry.endswith("]") else entry
    try:
        ipaddress.ip_network(bare, strict=False)
    except ValueError:
        return False
    return True


def allowed_host_problem(entry: str) -> str | None:
    """Say what is wrong with an entry of the SSRF guard's allow list, or None.

    An entry is an IP address, a CIDR network or a host name (an IDN too), and it allows
    every port: ``127.0.0.1:33433`` is refused, not read as ``127.0.0.1`` (it would allow
    more than it says) nor as a name (it would silently allow nothing), and so is a URL.
    ``STORYBOT_ALLOWED_HOSTS`` and ``[network] allowed_hosts`` are checked with this, and
    ``adapters.feeds.netguard.AddressGuard`` refuses what it refuses.

    Args:
        entry: One entry, stripped; an empty one is no entry, and not checked here.

    Returns:
        A one-line message naming the entry and what to write instead, or None.
    """
    shown = toml_value(entry)
    if "/" in entry and "://" not in entry:
        if _is_ip(entry):
            return None
        return f'{shown} is not a network (an address, "/" and a prefix length: 10.0.0.0/8)'
    if _is_ip(entry):
        return None
    if "*" in entry:
        return (
            f"{shown}: wildcards are not supported; list each host name, or the network "
            "(CIDR) of their addresses"
        )
    if "://" in entry:
        try:
            host = urlsplit(entry).hostname
        except ValueError:
            host = None
        instead = f": write its host only, {toml_value(host)}" if host else ""
        return f"{shown} is a URL, not a host{instead}; it must be {_ALLOWED_HOST_KINDS}"
    port = _HOST_PORT.fullmatch(entry)
    if port:
        host = port["v6"] if port["v6"] is not None else port["host"]
        names = port["v6"] is None  # "[...]" holds an IPv6 address, not a name
        if _is_ip(host) or (names and _host_name_problem(host) is None):
            return (
                f"{shown} has a port; ports are not part of an allowed host (it allows all "
                f"of the host's ports): write {toml_value(host)}"
            )
    problem = _host_name_problem(entry)
    return f"{shown} is {problem}; it must be {_ALLOWED_HOST_KINDS}" if problem else None


def checked_allowed_hosts(entries: Iterable[str], source: str) -> set[str]:
    """The allow list's entries, stripped and in lower case; a ConfigError naming
    ``source`` (the variable or config key) and the first bad entry. Empty entries (of
    ``a,,b``) are skipped."""
    allowed = set()
    for raw in entries:
        entry = raw.strip()
        if not entry:
            continue
        problem = allowed_host_problem(entry)  # named as it was written, not lowered
        if problem:
            raise ConfigError(f"{source}: {problem}")
        allowed.add(entry.lower())
    return allowed
