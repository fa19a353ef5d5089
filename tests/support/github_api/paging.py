"""GitHub-style pagination of list answers: ``per_page``/``page`` and a ``Link`` header."""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from typing import Any


def paginate(body: Any, page_key: str | None, query: Mapping[str, Any], base: str,
              raw_query: str) -> tuple[Any, str | None]:
    """One page of a list answer and its ``Link`` header (None when it fits one page)."""
    items = body.get(page_key) if page_key and isinstance(body, dict) else body
    if not isinstance(items, list):
        return body, None
    per_page = int(query.get("per_page") or 30)
    page = max(1, int(query.get("page") or 1))
    last = max(1, -(-len(items) // per_page))
    chunk = items[(page - 1) * per_page: page * per_page]
    params = dict(urllib.parse.parse_qsl(raw_query, keep_blank_values=True))

    def link(number: int, rel: str) -> str:
        return f'<{base}?{urllib.parse.urlencode({**params, "page": str(number)})}>; rel="{rel}"'

    rels = []
    if page < last:
        rels += [link(page + 1, "next"), link(last, "last")]
    if page > 1:
        rels += [link(1, "first"), link(page - 1, "prev")]
    paged = {**body, page_key: chunk} if page_key else chunk
    return paged, ", ".join(rels) or None
