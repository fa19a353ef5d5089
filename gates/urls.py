"""The one check of the URLs users give us (endpoints, health checks, Prometheus, OSV mirrors).

A URL we send requests to must be absolute ``http://`` or ``https://`` with a host, and free of
whitespace: anything else (``htp:/x``, ``localhost:8000``, ``http:///v1``) is a usage error found
before any gate starts, never a request that fails later. The JSON Schema of the configuration
uses :data:`URL_PATTERN` for the same rule, so a flag and a config key are judged alike.
"""

from __future__ import annotations

import re
import urllib.parse

# scheme, optional user info, then a host (name, IPv4 or [IPv6]) with an optional port, then an optional path/query
URL_PATTERN = r"^https?://(?:[^\s/?#@]+@)?(?:[A-Za-z0-9._~%-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?(?:[/?#][^\s]*)?$"
_URL = re.compile(URL_PATTERN)
URL_HINT = "give an absolute http:// or https:// URL with a host, e.g. http://127.0.0.1:8000/v1/chat/completions"


def url_problem(value: str) -> str | None:
    """Why ``value`` is not a usable http(s) URL, or None when it is."""
    if not _URL.match(value):
        return f"{value!r} is not an http:// or https:// URL with a host"
    try:
        port = urllib.parse.urlsplit(value).port
    except ValueError:
        port = -1
    if port is not None and not 0 < port < 65536:
        return f"{value!r} has an invalid port"
    return None
