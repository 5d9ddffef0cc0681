"""The person's own watermarked copy of a movement order, shown in the page.

The copy is issued and its reading audited exactly as the API does it (`flows.order_copy`);
the lines are the recipient's own wording, so a copy retyped from this page is as traceable
as the PDF. No frame and no script: the page writes the lines itself (CSP frame-ancestors
'none' forbids framing our own order page).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from jsms.deps import Db, require
from jsms.identity.policy import Actor
from jsms.movements import flows
from jsms.movements.orders.watermark import realise
from jsms.movements.orders.wording import build_skeleton
from jsms.web.ui import render

router = APIRouter(include_in_schema=False)


@router.get("/movements/{movement_id}/order")
def order_page(
    request: Request,
    movement_id: str,
    db: Db,
    actor: Annotated[Actor, require("movement.order")],
) -> Response:
    movement, content, recipient = flows.order_copy(db, actor, movement_id, "page")
    lines = realise(build_skeleton(content), recipient)
    return render(
        request,
        db,
        "movements/order.html",
        {"movement": movement, "lines": lines, "api": f"/api/v1/movements/{movement.id}/order"},
    )
