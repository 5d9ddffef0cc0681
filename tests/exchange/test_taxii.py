"""The TAXII 2.1 server: who may use it, what each answer looks like, paging and
`added_after`, withdrawal when an agreement narrows; and taxii2-client against a real
`jsms serve`."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.audit.models import AuditEvent
from jsms.exchange import service as exchange
from jsms.exchange.taxii import TAXII
from jsms.identity.roles import Role
from tests.exchange.instances import Instance, new_instance
from tests.exchange.stix_world import Sharing

ROOT = "/taxii2/cpec-joint"


def _basic(username: str, secret: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}", "Accept": TAXII}


def _partner(sharing: Sharing) -> dict[str, str]:
    return _basic("guest-detail-instance", sharing.secret)


def _objects_url(client: TestClient, headers: dict[str, str]) -> str:
    [collection] = client.get(f"{ROOT}/collections/", headers=headers).json()["collections"]
    return f"{ROOT}/collections/{collection['id']}/objects/"


def test_without_the_partner_credential_nothing_is_served_and_the_try_is_audited(
    client: TestClient, db: Session, sharing: Sharing, login_as
) -> None:
    analyst = login_as(Role.ANALYST)
    for headers in (
        {},
        _basic("guest-detail-instance", "wrong-secret"),
        _basic("nobody", sharing.secret),
        analyst.headers,
    ):
        response = client.get(f"{ROOT}/collections/", headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Basic")
        assert response.headers["content-type"] == TAXII
        assert "objects" not in response.text
    db.rollback()
    refused = db.scalars(select(AuditEvent).where(AuditEvent.action == "taxii.refused")).all()
    assert len(refused) == 4 and {e.outcome for e in refused} == {"refused"}


def test_discovery_names_only_the_partners_own_api_root(
    client: TestClient, sharing: Sharing
) -> None:
    headers = _partner(sharing)
    found = client.get("/taxii2/", headers=headers)
    assert found.status_code == 200 and found.headers["content-type"] == TAXII
    assert found.json()["api_roots"] == [f"http://testserver{ROOT}/"]
    root = client.get(f"{ROOT}/", headers=headers).json()
    assert root["versions"] == [TAXII]
    assert client.get("/taxii2/other-group/collections/", headers=headers).status_code == 404
    wrong_type = client.get(f"{ROOT}/", headers={**headers, "Accept": "application/xml"})
    assert wrong_type.status_code == 406


def test_the_collection_is_read_only_and_says_what_the_agreement_allows(
    client: TestClient, sharing: Sharing
) -> None:
    [collection] = client.get(f"{ROOT}/collections/", headers=_partner(sharing)).json()[
        "collections"
    ]
    assert (collection["can_read"], collection["can_write"]) == (True, False)
    assert "TLP:GREEN" in collection["description"]
    one = client.get(f"{ROOT}/collections/{collection['id']}/", headers=_partner(sharing))
    assert one.json() == collection
    other = client.get(f"{ROOT}/collections/not-yours/objects/", headers=_partner(sharing))
    assert other.status_code == 404


def test_objects_page_with_limit_and_next_each_object_once(
    client: TestClient, sharing: Sharing
) -> None:
    headers = _partner(sharing)
    url = _objects_url(client, headers)
    everything = client.get(url, headers=headers, params={"limit": 1000}).json()["objects"]
    seen: list[str] = []
    params: dict[str, str | int] = {"limit": 4}
    pages = 0
    while True:
        page = client.get(url, headers=headers, params=params)
        assert page.status_code == 200
        body = page.json()
        pages += 1
        seen += [o["id"] for o in body["objects"]]
        assert page.headers["X-TAXII-Date-Added-First"] <= page.headers["X-TAXII-Date-Added-Last"]
        if not body["more"]:
            assert "next" not in body
            break
        params = {"limit": 4, "next": body["next"]}
    assert pages == -(-len(everything) // 4) and pages > 2
    assert seen == [o["id"] for o in everything] and len(set(seen)) == len(seen)
    assert "Amber-only" not in str(everything)


def test_added_after_the_last_date_added_gives_nothing_new(
    client: TestClient, sharing: Sharing
) -> None:
    headers = _partner(sharing)
    url = _objects_url(client, headers)
    first = client.get(url, headers=headers)
    last = first.headers["X-TAXII-Date-Added-Last"]
    after = client.get(url, headers=headers, params={"added_after": last})
    assert after.json() == {"more": False}
    assert client.get(url, headers=headers, params={"added_after": "yesterday"}).status_code == 400


def test_the_manifest_lists_each_object_with_its_version_and_date_added(
    client: TestClient, sharing: Sharing
) -> None:
    headers = _partner(sharing)
    url = _objects_url(client, headers)
    objects = {o["id"]: o for o in client.get(url, headers=headers).json()["objects"]}
    manifest = client.get(url.replace("objects/", "manifest/"), headers=headers).json()
    assert {m["id"] for m in manifest["objects"]} == set(objects)
    for entry in manifest["objects"]:
        expected = objects[entry["id"]].get("modified") or objects[entry["id"]]["created"]
        assert entry["version"] == expected
        assert entry["media_type"] == "application/stix+json;version=2.1"
    some = next(iter(objects))
    single = client.get(f"{url}{some}/", headers=headers).json()["objects"]
    assert single == [objects[some]]
    versions = client.get(f"{url}{some}/versions/", headers=headers).json()
    assert versions["versions"] == [objects[some].get("modified") or objects[some]["created"]]


def test_when_the_agreement_narrows_what_it_no_longer_allows_is_withdrawn(
    client: TestClient, db: Session, sharing: Sharing
) -> None:
    headers = _partner(sharing)
    url = _objects_url(client, headers)
    names = {o.get("name") for o in client.get(url, headers=headers).json()["objects"]}
    assert "IED at Besham (green)" in names
    exchange.set_agreement(
        db,
        sharing.host,
        sharing.partner_id,
        object_types=["incident"],
        max_tlp="clear",
        removed_fields=[],
        coordinate_decimals=None,
    )
    db.commit()
    after = client.get(url, headers=headers).json()["objects"]
    assert {o["type"] for o in after} <= {"incident", "marking-definition", "extension-definition"}
    assert {o.get("name") for o in after if o["type"] == "incident"} == {"IED at Besham (clear)"}
    green = [o for o in after if o.get("name") == "IED at Besham (green)"]
    assert green == []


def test_every_request_is_audited_as_the_partner(
    client: TestClient, db: Session, sharing: Sharing
) -> None:
    headers = _partner(sharing)
    client.get("/taxii2/", headers=headers)
    client.get(_objects_url(client, headers), headers=headers)
    db.rollback()
    events = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "taxii.request").order_by(AuditEvent.seq)
    ).all()
    assert [e.detail["path"] for e in events] == [
        "/taxii2/",
        f"{ROOT}/collections/",
        _objects_url(client, headers).split("?")[0],
    ]
    assert {e.actor_name for e in events} == {"taxii:guest-detail-instance"}


# taxii2-client against a running `jsms serve` -------------------------------------------

MANY = """
from datetime import UTC, datetime, timedelta
from jsms.db import transaction
from jsms.threat.service import create_incident
with transaction('setup') as db:
    for n in range(120):
        create_incident(db, sources=[{'outlet': 'Dawn', 'url': f'https://dawn.com/{n}'}],
                        review_status='accepted', title=f'Attack {n}',
                        occurred_at=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=n),
                        province='Sindh', lat=24.9, lon=67.1, attack_type='ied', tlp='green',
                        perpetrator_claimed='BLA')
print('null')
"""
SECRET = "a-partner-secret-for-the-taxii2-client-test"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    folder: Path = tmp_path_factory.mktemp("taxii-served")
    host = new_instance(folder, "host")
    host.python(MANY)
    host.jsms(
        "exchange", "partner", "add", "Guest", "--agency", "GSD", "--owner", "SPU-S",
        "--trust-group", "cpec", "--inbound-username", "guest", "--inbound-secret", SECRET,
    )  # fmt: skip
    host.jsms("exchange", "agreement", "Guest", "--max-tlp", "green")
    host.serve()
    yield host
    host.stop()


def test_taxii2_client_lists_collections_and_pages_through_a_running_jsms(
    served: Instance,
) -> None:
    from taxii2client.v21 import Server, as_pages

    server = Server(f"{served.url}/taxii2/", user="guest", password=SECRET)
    [root] = server.api_roots
    assert root.url == f"{served.url}/taxii2/cpec/"
    [collection] = root.collections
    assert collection.can_read and not collection.can_write

    pages = list(as_pages(collection.get_objects, per_request=100))
    objects = [o for page in pages for o in page.get("objects", [])]
    assert len(pages) >= 5  # 120 incidents and a location, report and relationships each
    assert len({o["id"] for o in objects}) == len(objects)
    assert sum(o["type"] == "incident" for o in objects) == 120
    manifest = [
        e for page in as_pages(collection.get_manifest, per_request=250) for e in page["objects"]
    ]
    assert {e["id"] for e in manifest} == {o["id"] for o in objects}

    newest = max(e["date_added"] for e in manifest)
    assert collection.get_objects(added_after=newest) == {"more": False}

    refused = Server(f"{served.url}/taxii2/", user="guest", password="wrong")
    with pytest.raises(Exception, match="401"):
        _ = refused.api_roots
