"""Paged lists: every list endpoint returns the same envelope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int


class PageRequest(Protocol):
    page: int
    per_page: int


def paged(db: Session, stmt: Select[Any], paging: PageRequest, out: Callable[[Any], T]) -> Page[T]:
    """One page of `stmt` (filtered and counted in the query), each row shown through `out`."""
    rows, total = paginate(db, stmt, paging.page, paging.per_page)
    return Page(
        items=[out(row) for row in rows], total=total, page=paging.page, per_page=paging.per_page
    )


def page_of(items: list[T], page: int, per_page: int) -> Page[T]:
    """One page of a list already filtered in Python (need-to-know decided per row)."""
    start = (page - 1) * per_page
    return Page(
        items=items[start : start + per_page], total=len(items), page=page, per_page=per_page
    )


def count_rows(db: Session, stmt: Select[Any]) -> int:
    """How many rows `stmt` returns, counted by the database."""
    return int(db.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)


def paginate(db: Session, stmt: Select[Any], page: int, per_page: int) -> tuple[list[Any], int]:
    """One page of `stmt`'s rows and the total count, both filtered in the query."""
    total = count_rows(db, stmt)
    rows = db.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return list(rows), total
