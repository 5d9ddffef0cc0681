"""The simulator speaks the devices' real wire formats: what it sends parses, with JSMS's own
parsers, into the fix it meant (OsmAnd speed in knots, OwnTracks in km/h, the SOS alarm)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from jsms.simulator.wire import Report, osmand_query, owntracks_location, owntracks_topic
from jsms.tracking.fixes import Fix
from jsms.tracking.protocols.osmand import parse_query
from jsms.tracking.protocols.owntracks import identifier_from_topic, parse_owntracks

AT = datetime(2026, 6, 15, 13, 45, 12, tzinfo=UTC)


@pytest.mark.parametrize("alarm", [None, "sos"])
def test_a_traccar_client_query_parses_into_the_fix_it_describes(alarm: str | None) -> None:
    report = Report("trk-bka-201", AT, 24.906712, 67.160823, 13.9, 271.0, alarm=alarm)
    fix = parse_query(osmand_query(report, "k3y/with+odd=chars"), received_at=datetime.now(UTC))
    assert (fix.device, fix.fixed_at, fix.lat, fix.lon) == ("trk-bka-201", AT, 24.906712, 67.160823)
    assert fix.source == "osmand" and fix.key == "k3y/with+odd=chars"
    assert fix.speed_mps == pytest.approx(13.9, abs=0.03)  # sent in knots to 0.1
    assert fix.bearing == 271.0 and fix.alarm == alarm and fix.battery == 87.0


def test_an_owntracks_location_parses_on_its_topic() -> None:
    report = Report("jsms-ab12cd/phone-003", AT, 25.0255, 66.8853, 16.7, 45.0, battery=64.0)
    topic = owntracks_topic(report.identifier)
    assert topic == "owntracks/jsms-ab12cd/phone-003"
    fix = parse_owntracks(owntracks_location(report), identifier_from_topic(topic))
    assert isinstance(fix, Fix)
    assert (fix.device, fix.fixed_at, fix.lat, fix.lon) == (report.identifier, AT, 25.0255, 66.8853)
    assert fix.source == "owntracks" and fix.battery == 64.0
    assert fix.speed_mps == pytest.approx(16.7, abs=0.15)  # sent in whole km/h
