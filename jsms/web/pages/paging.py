"""Paged lists on a page: the links to the neighbouring pages keep the person's filters, so
paging through a search never loses it."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import Request

PER_PAGE = 25


@dataclass(frozen=True)
class PageLinks:
    page: int
    pages: int
    total: int
    previous: str | None
    next: str | None


def page_links(request: Request, total: int, page: int, per_page: int = PER_PAGE) -> PageLinks:
    """Where 'previous' and 'next' go from `page`, with every other query parameter kept."""
    pages = max(1, -(-total // per_page))
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "page" and v != ""]

    def link(number: int) -> str:
        return f"{request.url.path}?{urlencode([*kept, ('page', str(number))])}"

    return PageLinks(
        page=page,
        pages=pages,
        total=total,
        previous=link(page - 1) if page > 1 else None,
        next=link(page + 1) if page < pages else None,
    )
