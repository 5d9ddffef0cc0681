"""The examples in the monitor's docstrings run, and the thresholds refuse bad settings."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import jsms.tracking.monitor as package
from jsms.tracking.monitor import Thresholds

MODULES = [
    importlib.import_module(f"{package.__name__}.{info.name}")
    for info in pkgutil.iter_modules(package.__path__)
]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_docstring_examples_run(module: object) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
    assert result.failed == 0


def test_every_public_class_has_an_example() -> None:
    with_examples = {
        name
        for module in MODULES
        for name, obj in vars(module).items()
        if isinstance(obj, type)
        and obj.__module__ == module.__name__
        and ">>>" in (obj.__doc__ or "")
    }
    assert {
        "Monitor",
        "RouteLine",
        "Episode",
        "Excursion",
        "Thresholds",
        "NoGoZone",
    } <= with_examples


def test_thresholds_from_configuration() -> None:
    t = Thresholds.from_mapping({"corridor_m": "450", "stale_fix_minutes": 2})
    assert t.corridor_m == 450 and t.stale_fix.total_seconds() == 120
    assert t.stop_minutes == Thresholds().stop_minutes


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"corridor": "450"}, "unknown monitor threshold 'corridor'"),
        ({"corridor_m": "wide"}, "must be a number"),
        ({"corridor_m": "-5"}, "must be >= 0"),
        ({"corridor_m": "nan"}, "must be >= 0"),
    ],
)
def test_a_bad_threshold_is_refused_with_its_name(values: dict, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        Thresholds.from_mapping(values)
