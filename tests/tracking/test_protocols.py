"""The device protocols' real wire formats, parsed without a database: OsmAnd's query form
as Traccar Client and trackers send it, Traccar Client 9+'s JSON body, OwnTracks' JSON, and
JSMS's batch; units (knots, m/s, km/h) and times (s, ms, ISO 8601) converted; bad messages
refused with a reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from jsms.tracking.protocols import Reason, Rejected
from jsms.tracking.protocols.batch import MAX_FIXES, parse_batch
from jsms.tracking.protocols.osmand import parse_query, parse_traccar_json
from jsms.tracking.protocols.owntracks import (
    LastWill,
    identifier_from_topic,
    parse_owntracks,
)

NOW = datetime(2026, 6, 15, 13, 50, tzinfo=UTC)
KNOT = 0.514444


# OsmAnd query form --------------------------------------------------------------------------


def test_traccar_client_android_query_with_speed_in_knots() -> None:
    # exactly what Traccar Client for Android's ProtocolFormatter appends to the server URL
    fix = parse_query(
        "id=48241179&timestamp=1781531112&lat=24.8607&lon=67.0011&speed=10.0&bearing=271.5"
        "&altitude=12.0&accuracy=5.0&batt=87.0&key=s3cret",
        NOW,
    )
    assert fix.device == "48241179"
    assert fix.fixed_at == datetime(2026, 6, 15, 13, 45, 12, tzinfo=UTC)
    assert (fix.lat, fix.lon) == (24.8607, 67.0011)
    assert fix.speed_mps == pytest.approx(10 * KNOT, rel=1e-5)
    assert (fix.bearing, fix.altitude_m, fix.accuracy_m, fix.battery) == (271.5, 12.0, 5.0, 87.0)
    assert fix.key == "s3cret"
    assert fix.source == "osmand"
    assert fix.alarm is None


@pytest.mark.parametrize(
    "stamp",
    [
        "1781531112",  # seconds
        "1781531112000",  # milliseconds
        "2026-06-15T13:45:12Z",  # ISO 8601
        "2026-06-15T18%3A45%3A12%2B05%3A00",  # ISO with an offset, URL-encoded
        "2026-06-15+13%3A45%3A12",  # "yyyy-MM-dd HH:mm:ss", as older clients send it
    ],
    ids=["seconds", "milliseconds", "iso-z", "iso-offset", "space-separated"],
)
def test_timestamps_in_seconds_milliseconds_and_iso(stamp: str) -> None:
    fix = parse_query(f"id=1&lat=24.86&lon=67.01&timestamp={stamp}", NOW)
    assert fix.fixed_at == datetime(2026, 6, 15, 13, 45, 12, tzinfo=UTC)


def test_no_timestamp_means_made_when_received_and_deviceid_and_location_are_accepted() -> None:
    fix = parse_query("deviceid=353861053849681&location=24.86,67.01&heading=90", NOW)
    assert fix.device == "353861053849681"
    assert fix.fixed_at == NOW
    assert (fix.lat, fix.lon, fix.bearing) == (24.86, 67.01, 90.0)


def test_alarm_sos_and_unknown_values() -> None:
    fix = parse_query("id=7&lat=24.86&lon=67.01&alarm=SOS&speed=-1&bearing=-1&batt=-1", NOW)
    assert fix.alarm == "sos"
    assert fix.speed_mps is None and fix.bearing is None and fix.battery is None


def test_altitude_below_sea_level_is_kept() -> None:
    assert parse_query("id=7&lat=31.5&lon=35.5&altitude=-415", NOW).altitude_m == -415.0


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("lat=24.86&lon=67.01", Reason.NO_DEVICE),
        ("id=&lat=24.86&lon=67.01", Reason.NO_DEVICE),
        ("id=1&lat=91&lon=67.01", Reason.BAD_COORDINATES),
        ("id=1&lat=24.86&lon=-180.5", Reason.BAD_COORDINATES),
        ("id=1&lat=north&lon=67.01", Reason.BAD_COORDINATES),
        ("id=1&lat=nan&lon=67.01", Reason.BAD_COORDINATES),
        ("id=1&lat=24.86", Reason.BAD_COORDINATES),
        ("id=1&lat=0&lon=0", Reason.ZERO_POSITION),
        ("id=1&lat=24.86&lon=67.01&timestamp=yesterday", Reason.BAD_TIMESTAMP),
        ("id=1&lat=24.86&lon=67.01&timestamp=99999999999999999", Reason.BAD_TIMESTAMP),
        ("id=1&lat=24.86&lon=67.01&timestamp=1", Reason.BAD_TIMESTAMP),
        ("id=1&lat=24.86&lon=67.01&speed=fast", Reason.MALFORMED),
        ("id=1&lat=24.86&lon=67.01&speed=inf", Reason.MALFORMED),
        ("&".join(f"p{i}=1" for i in range(100)), Reason.MALFORMED),
    ],
)
def test_malformed_queries_are_refused_with_their_reason(query: str, reason: Reason) -> None:
    with pytest.raises(Rejected) as refused:
        parse_query(query, NOW)
    assert refused.value.reason == reason
    assert 400 <= refused.value.status < 500


# Traccar Client 9+ JSON ---------------------------------------------------------------------

TRACCAR_JSON = {
    "location": {
        "timestamp": "2026-06-15T13:45:12.862Z",
        "coords": {
            "latitude": 24.8607,
            "longitude": 67.0011,
            "accuracy": 5,
            "speed": 12.5,
            "heading": 63,
            "altitude": 35.7,
        },
        "is_moving": True,
        "odometer": 0,
        "event": "motionchange",
        "battery": {"level": 0.79, "is_charging": False},
        "activity": {"type": "in_vehicle"},
        "extras": {},
        "_": "&id=48241179&lat=24.8607&lon=67.0011&timestamp=2026-06-15T13:45:12.862Z&",
    },
    "device_id": "48241179",
}


def test_traccar_json_body_with_speed_in_metres_per_second() -> None:
    [fix] = parse_traccar_json(json.dumps(TRACCAR_JSON).encode(), key="k")
    assert fix.device == "48241179"
    assert fix.fixed_at == datetime(2026, 6, 15, 13, 45, 12, 862000, tzinfo=UTC)
    assert fix.speed_mps == 12.5  # m/s as sent: no knots here
    assert (fix.bearing, fix.altitude_m, fix.accuracy_m) == (63.0, 35.7, 5.0)
    assert fix.battery == pytest.approx(79.0)
    assert fix.source == "traccar_json"
    assert fix.key == "k"


def test_traccar_json_sos_from_extras_and_unknowns_as_minus_one() -> None:
    body = json.loads(json.dumps(TRACCAR_JSON))
    body["location"]["extras"] = {"alarm": "sos"}
    body["location"]["coords"].update(speed=-1, heading=-1)
    body["location"]["battery"]["level"] = -1
    [fix] = parse_traccar_json(json.dumps(body).encode())
    assert fix.alarm == "sos"
    assert fix.speed_mps is None and fix.bearing is None and fix.battery is None


def test_traccar_json_batch_sync_and_id_from_template() -> None:
    body = json.loads(json.dumps(TRACCAR_JSON))
    del body["device_id"]
    second = json.loads(json.dumps(body["location"]))
    second["timestamp"] = "2026-06-15T13:45:22Z"
    body["location"] = [body["location"], second]
    fixes = parse_traccar_json(json.dumps(body).encode())
    assert [f.device for f in fixes] == ["48241179", "48241179"]
    assert fixes[1].fixed_at == datetime(2026, 6, 15, 13, 45, 22, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", Reason.BAD_JSON),
        (b'["a list"]', Reason.BAD_JSON),
        (b'{"device_id": "1"}', Reason.MALFORMED),
        (
            b'{"device_id": "1", "location": {"timestamp": "2026-06-15T13:45:12Z"}}',
            Reason.BAD_COORDINATES,
        ),
        (
            b'{"device_id": "1", "location": {"coords": {"latitude": 1, "longitude": 2}}}',
            Reason.BAD_TIMESTAMP,
        ),
        (
            b'{"location": {"timestamp": "2026-06-15T13:45:12Z", '
            b'"coords": {"latitude": 1, "longitude": 2}}}',
            Reason.NO_DEVICE,
        ),
        (b"\xff\xfe garbage", Reason.BAD_JSON),
    ],
)
def test_bad_traccar_json_is_refused(body: bytes, reason: Reason) -> None:
    with pytest.raises(Rejected) as refused:
        parse_traccar_json(body)
    assert refused.value.reason == reason


# OwnTracks ----------------------------------------------------------------------------------


def test_owntracks_location_with_speed_in_kmh() -> None:
    payload = {
        "_type": "location",
        "tid": "JP",
        "tst": 1781531112,
        "lat": 24.8607,
        "lon": 67.0011,
        "vel": 72,
        "cog": 180,
        "alt": 12,
        "acc": 8,
        "batt": 55,
        "t": "t",
        "topic": "owntracks/jane/phone",
        "conn": "m",
    }
    fix = parse_owntracks(json.dumps(payload).encode(), "jane/phone")
    assert not isinstance(fix, LastWill) and fix is not None
    assert fix.device == "jane/phone"
    assert fix.fixed_at == datetime(2026, 6, 15, 13, 45, 12, tzinfo=UTC)
    assert fix.speed_mps == pytest.approx(20.0)  # 72 km/h
    assert (fix.bearing, fix.altitude_m, fix.accuracy_m, fix.battery) == (180, 12, 8, 55)
    assert fix.source == "owntracks"


def test_owntracks_names_the_device_from_the_payload_topic_over_http() -> None:
    payload = (
        b'{"_type":"location","lat":24.86,"lon":67.01,"tst":1781531112,"topic":"owntracks/li/tab"}'
    )
    fix = parse_owntracks(payload, None)
    assert fix is not None and not isinstance(fix, LastWill)
    assert fix.device == "li/tab"


def test_owntracks_transition_is_kept_as_a_fix_naming_the_waypoint() -> None:
    payload = {
        "_type": "transition",
        "wtst": 1781000000,
        "lat": 24.86,
        "lon": 67.01,
        "tst": 1781531112,
        "acc": 10,
        "event": "leave",
        "desc": "Camp gate",
        "t": "c",
    }
    fix = parse_owntracks(json.dumps(payload).encode(), "jane/phone")
    assert fix is not None and not isinstance(fix, LastWill)
    assert fix.alarm == "leave:Camp gate"
    assert fix.fixed_at == datetime(2026, 6, 15, 13, 45, 12, tzinfo=UTC)


def test_owntracks_last_will_and_other_types() -> None:
    will = parse_owntracks(b'{"_type":"lwt","tst":1781531112}', "jane/phone")
    assert will == LastWill("jane/phone", datetime(2026, 6, 15, 13, 45, 12, tzinfo=UTC))
    for other in (b'{"_type":"waypoint","desc":"x"}', b'{"_type":"card"}', b'{"x": 1}'):
        assert parse_owntracks(other, "jane/phone") is None
    with pytest.raises(Rejected) as refused:
        parse_owntracks(b'{"_type":"encrypted","data":"abc"}', "jane/phone")
    assert refused.value.reason == Reason.ENCRYPTED


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"garbage", Reason.BAD_JSON),
        (b'{"_type":"location","lat":24.86,"lon":67.01}', Reason.BAD_TIMESTAMP),
        (b'{"_type":"location","lat":124.86,"lon":67.01,"tst":1781531112}', Reason.BAD_COORDINATES),
        (b'{"_type":"location","lat":24.86,"lon":67.01,"tst":"soon"}', Reason.MALFORMED),
        (b'{"_type":"location","lat":24.86,"lon":67.01,"tst":1781531112}', Reason.NO_DEVICE),
    ],
)
def test_bad_owntracks_payloads(payload: bytes, reason: Reason) -> None:
    device = None if reason == Reason.NO_DEVICE else "jane/phone"
    with pytest.raises(Rejected) as refused:
        parse_owntracks(payload, device)
    assert refused.value.reason == reason


def test_owntracks_topics() -> None:
    assert identifier_from_topic("owntracks/jane/phone") == "jane/phone"
    assert identifier_from_topic("owntracks/jane/phone/event") == "jane/phone"
    for bad in ("owntracks/jane", "other/jane/phone", "owntracks/jane/phone/cmd", "owntracks/+/#"):
        with pytest.raises(Rejected) as refused:
            identifier_from_topic(bad)
        assert refused.value.reason == Reason.BAD_TOPIC


# Batch --------------------------------------------------------------------------------------


def test_batch_judges_each_fix_on_its_own() -> None:
    body = {
        "fixes": [
            {"device": "a", "time": "2026-06-15T13:45:12Z", "lat": 24.86, "lon": 67.01},
            {"device": "a", "time": 1781531113, "lat": 24.86, "lon": 67.02, "speed_mps": 3},
            {"device": "a", "time": 1781531114000, "lat": 24.86, "lon": 67.03, "alarm": "sos"},
            {"device": "a", "time": "2026-06-15T13:45:15Z", "lat": 95, "lon": 67.01},
            {"device": "a", "time": "2026-06-15T13:45:16Z", "lat": 1, "lon": 2, "colour": "red"},
            "not an object",
        ]
    }
    items = parse_batch(json.dumps(body).encode())
    assert [i.fix is not None for i in items] == [True, True, True, False, False, False]
    assert items[1].fix is not None and items[1].fix.speed_mps == 3.0
    assert items[2].fix is not None and items[2].fix.fixed_at == datetime(
        2026, 6, 15, 13, 45, 14, tzinfo=UTC
    )
    assert [i.refused.reason for i in items[3:] if i.refused] == [
        Reason.BAD_COORDINATES,
        Reason.MALFORMED,
        Reason.MALFORMED,
    ]


def test_batch_envelope_refusals() -> None:
    for body, reason in (
        (b"[1, 2]", Reason.MALFORMED),
        (b"nope", Reason.BAD_JSON),
        (json.dumps({"fixes": [{}] * (MAX_FIXES + 1)}).encode(), Reason.TOO_MANY),
    ):
        with pytest.raises(Rejected) as refused:
            parse_batch(body)
        assert refused.value.reason == reason
    assert Reason.TOO_MANY.status == 413
