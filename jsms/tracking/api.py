"""Tracking over HTTP: the device doors (OsmAnd / Traccar JSON, OwnTracks, batch), the device
registry, a movement's positions and the refused-message counters.

The device doors authenticate the DEVICE by its own key, never a person's login; they are
marked `x-permission: device` in the OpenAPI document. Everything else goes through the
policy table like every other endpoint.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import AwareDatetime

from jsms.audit import service as audit
from jsms.deps import Db, Paging, require
from jsms.errors import PROBLEM_JSON
from jsms.identity.policy import DEVICE, Actor
from jsms.pagination import Page, paged
from jsms.tracking import devices, receive
from jsms.tracking import service as tracking
from jsms.tracking.ingest import pipeline_for
from jsms.tracking.models import Device
from jsms.tracking.schemas import (
    DeviceIn,
    DeviceKeyOut,
    DeviceOut,
    MovementPositionsOut,
    PositionOut,
    RejectionOut,
    StoredOut,
)

router = APIRouter(prefix="/api/v1")


# Device doors -------------------------------------------------------------------------------


async def _device_request(request: Request) -> receive.DeviceRequest:
    return receive.DeviceRequest(
        method=request.method,
        query=request.url.query,
        headers={name.lower(): value for name, value in request.headers.items()},
        body=await request.body(),
    )


def _response(reply: receive.Reply, path: str) -> Response:
    if reply.status < 400:
        return Response(reply.body, reply.status, media_type=reply.content_type)
    headers = {"WWW-Authenticate": 'Basic realm="jsms devices"'} if reply.challenge else None
    if reply.status == 405:
        headers = {"Allow": "GET, POST"}
    detail = reply.body.decode("utf-8", "replace")
    body = {
        "type": "urn:jsms:problem:device-message-refused",
        "title": "Device message refused",
        "status": reply.status,
        "detail": detail,
        "instance": path,
    }
    return JSONResponse(body, reply.status, headers=headers, media_type=PROBLEM_JSON)


def _doc(summary: str, body: str) -> dict[str, Any]:
    return {
        "x-permission": DEVICE,
        "security": [{"deviceBasic": []}, {"deviceKey": []}],
        "description": summary,
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": {"type": "object"}, "example": body}},
        },
    }


OSMAND_DOC = _doc(
    "OsmAnd / Traccar Client: query or form parameters id, lat, lon, timestamp (s, ms or "
    "ISO 8601), speed (knots), bearing, altitude, accuracy, batt, alarm, key; or with "
    "Content-Type application/json the Traccar Client 9+ body (speed in m/s). The same as "
    "port 5055. 200 once stored.",
    '{"device_id": "48241179", "location": {"timestamp": "2026-06-15T13:45:12Z", '
    '"coords": {"latitude": 24.86, "longitude": 67.01, "speed": 12.5, "heading": 90, '
    '"altitude": 5, "accuracy": 5}, "battery": {"level": 0.8}}}',
)


async def _osmand(request: Request) -> Response:
    pipeline = pipeline_for(request.app)
    prepared = receive.prepare_osmand(pipeline, await _device_request(request))
    return _response(await receive.answer(pipeline, prepared), request.url.path)


@router.get(
    "/tracking/osmand", tags=["tracking"], openapi_extra=OSMAND_DOC, response_class=Response
)
async def osmand_get(request: Request) -> Response:
    return await _osmand(request)


@router.post(
    "/tracking/osmand", tags=["tracking"], openapi_extra=OSMAND_DOC, response_class=Response
)
async def osmand_post(request: Request) -> Response:
    return await _osmand(request)


@router.post(
    "/tracking/owntracks",
    tags=["tracking"],
    openapi_extra=_doc(
        "OwnTracks HTTP mode: Basic authentication (user, or user/device, and the device "
        "key), X-Limit-U / X-Limit-D naming user and device; answers [] as OwnTracks expects.",
        '{"_type": "location", "lat": 24.86, "lon": 67.01, "tst": 1781000000, "vel": 40}',
    ),
    response_class=Response,
)
async def owntracks(request: Request) -> Response:
    pipeline = pipeline_for(request.app)
    prepared = receive.prepare_owntracks(pipeline, await _device_request(request))
    return _response(await receive.answer(pipeline, prepared), request.url.path)


@router.post(
    "/tracking/batch",
    tags=["tracking"],
    response_model=StoredOut,
    openapi_extra=_doc(
        "Many fixes at once (up to 5,000), from a gateway for the devices of its agency, or "
        "from one device for itself: HTTP Basic with the poster's identifier and key. Each "
        "fix is judged on its own; the answer lists the refused ones by index.",
        '{"fixes": [{"device": "353861053849681", "time": "2026-05-01T10:00:00Z", '
        '"lat": 24.8607, "lon": 67.0011, "speed_mps": 12.5}]}',
    ),
    response_class=Response,
)
async def batch(request: Request) -> Response:
    pipeline = pipeline_for(request.app)
    prepared = receive.prepare_batch(pipeline, await _device_request(request))
    return _response(await receive.answer(pipeline, prepared), request.url.path)


# Device registry ----------------------------------------------------------------------------


def _out(device: Device) -> DeviceOut:
    return DeviceOut.model_validate(devices.describe(device))


def _issued(issued: devices.Issued) -> DeviceKeyOut:
    return DeviceKeyOut.model_validate({**devices.describe(issued.device), "key": issued.key})


@router.get("/devices", response_model=Page[DeviceOut], tags=["devices"])
def list_devices(
    db: Db,
    paging: Paging,
    actor: Annotated[Actor, require("device.read")],
    active: bool | None = None,
    protocol: Annotated[str | None, Query(max_length=12)] = None,
) -> Page[DeviceOut]:
    """Your agency's devices (an admin: all), by identifier."""
    stmt = devices.device_query(actor)
    if active is not None:
        stmt = stmt.where(Device.active == active)
    if protocol:
        stmt = stmt.where(Device.protocol == protocol)
    page = paged(db, stmt, paging, _out)
    devices.record_listing(db, actor, page.total)
    return page


@router.post("/devices", response_model=DeviceKeyOut, status_code=201, tags=["devices"])
def register_device(
    body: DeviceIn, db: Db, actor: Annotated[Actor, require("device.write")]
) -> DeviceKeyOut:
    """Register a device; the answer carries its key, shown this once."""
    return _issued(devices.register(db, actor, **body.model_dump()))


@router.get("/devices/{device_id}", response_model=DeviceOut, tags=["devices"])
def get_device(
    device_id: str, db: Db, actor: Annotated[Actor, require("device.read")]
) -> DeviceOut:
    return _out(devices.get_device(db, actor, device_id))


@router.post("/devices/{device_id}/rotate-key", response_model=DeviceKeyOut, tags=["devices"])
def rotate_device_key(
    device_id: str, db: Db, actor: Annotated[Actor, require("device.write")]
) -> DeviceKeyOut:
    """A new key (shown this once); the old one is refused within about a second."""
    return _issued(devices.rotate_key(db, actor, device_id))


@router.post("/devices/{device_id}/deactivate", response_model=DeviceOut, tags=["devices"])
def deactivate_device(
    device_id: str, db: Db, actor: Annotated[Actor, require("device.write")]
) -> DeviceOut:
    """The device's messages are refused from now on; its stored positions stay."""
    return _out(devices.deactivate(db, actor, device_id))


# Reading positions and refusals --------------------------------------------------------------


@router.get(
    "/movements/{movement_id}/positions", response_model=MovementPositionsOut, tags=["tracking"]
)
def movement_positions(
    movement_id: str,
    db: Db,
    actor: Annotated[Actor, require("movement.read")],
    after_seq: Annotated[int, Query(ge=0, description="only positions after this one")] = 0,
    since: Annotated[
        AwareDatetime | None, Query(description="only fixes made from then, with a zone")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> MovementPositionsOut:
    """The movement's trail, in arrival order: need-to-know like its route, each read audited."""
    track = tracking.movement_positions(
        db, actor, movement_id, after_seq=after_seq, since=since, limit=limit
    )
    positions = [
        PositionOut.model_validate(
            {
                **{c: getattr(position, c) for c in _POSITION_FIELDS},
                "device_label": device.label or device.identifier,
                "role": role,
            }
        )
        for position, device, role in track.positions
    ]
    return MovementPositionsOut(
        movement_id=track.movement.id,
        reference=track.movement.reference,
        positions=positions,
        next_after_seq=positions[-1].seq if positions else after_seq,
    )


_POSITION_FIELDS = (
    "seq",
    "device_id",
    "fixed_at",
    "received_at",
    "lat",
    "lon",
    "speed_mps",
    "bearing",
    "altitude_m",
    "accuracy_m",
    "battery",
    "alarm",
    "source",
)


@router.get("/tracking/rejections", response_model=list[RejectionOut], tags=["tracking"])
def rejections(
    db: Db, actor: Annotated[Actor, require("tracking.rejections.read")]
) -> list[RejectionOut]:
    """How many device messages were refused, per source and reason, with the newest sample."""
    counts = tracking.rejection_counts(db)
    audit.record(db, action="tracking.rejections.read", object_type="ingest_rejections", detail={})
    return [RejectionOut.model_validate(row) for row in counts]
