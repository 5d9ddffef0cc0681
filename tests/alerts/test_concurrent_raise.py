"""Two monitor processes that see the same finding at the same moment open one alert: the
unique episode key decides, the others count a repeat (no error, no duplicate)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jsms.alerts import service
from jsms.alerts.models import Alert
from jsms.db import new_session
from tests.alerts.conftest import finding


def test_one_key_raised_at_once_by_four_workers_opens_one_alert(
    db: Session, db_url: str, on_the_road: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    workers = 4
    all_looked = threading.Barrier(workers, timeout=20)
    looked_up = service._quiet_alert

    def look_then_wait(*args, **kwargs):  # every worker has seen "no alert yet" before any inserts
        found = looked_up(*args, **kwargs)
        all_looked.wait()
        return found

    monkeypatch.setattr(service, "_quiet_alert", look_then_wait)
    results: list[str] = []
    errors: list[BaseException] = []

    def work() -> None:
        session = new_session(db_url)
        session.info["actor"] = "monitor-worker"
        try:
            alert = service.raise_alert(session, finding(on_the_road))
            session.commit()
            results.append(alert.id)
        except BaseException as exc:
            errors.append(exc)
            session.rollback()
        finally:
            session.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(set(results)) == 1
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Alert)) == 1
    alert = db.scalar(select(Alert))
    assert alert is not None and alert.repeats == workers - 1
