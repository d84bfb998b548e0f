"""The API fuzzed from its own OpenAPI schema (schemathesis): every operation, with
valid and with invalid data, as each role that works cases (a social worker, a police
liaison, a program manager, a partner) holding a token, against one case with one of
everything that each of them has a relationship with. Whatever is sent, the answer is
never a server error, and every answer matches the published schema.

HOMEWARD_FUZZ_EXAMPLES sets the examples per operation and mode (default 20) for the
social worker, who may do the most; the other roles get half as many, and two where the
access matrix (tests/matrix.py) refuses them the operation outright: a refusal comes
before any input is read, so more examples of it find nothing new.
"""

import os
import re

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.matrix import MATRIX, OK

FUZZ_EXAMPLES = int(os.environ.get("HOMEWARD_FUZZ_EXAMPLES", "20"))

# The schema as /api/schema/ serves it (same generator), read once at collection.
SCHEMA = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
SCHEMA.app = get_wsgi_application()
OPERATIONS = sorted(operation.ok().label for operation in SCHEMA.get_all_operations())
# Path parameter names in the schema -> the world's objects, so the fuzzer reaches past 404.
PATH_PARAMETERS = {
    "case_id": "case_id",
    "assessment_id": "assessment_id",
    "goal_id": "goal_id",
    "note_id": "note_id",
    "flag_id": "flag_id",
    "episode_id": "episode_id",
    "contact_id": "contact_id",
    "referral_id": "referral_id",
    "transfer_id": "transfer_id",
    "task_id": "task_id",
    "job_id": "export_id",
    "followup_id": "followup_id",
    "document_id": "document_id",
    # /api/staff/{user_id}/…: the world's member of agency A (its `staff_id`).
    "user_id": "staff_id",
}


@pytest.fixture
def keep_the_test_connection():
    """The WSGI app closes database connections when a request ends; Django's own test
    client stops that, and so must we, or the test's transaction goes with it."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_the_schema_has_operations():
    assert len(OPERATIONS) > 30


ROLES = ["social_worker", "police_liaison", "program_manager", "partner"]
REFUSED_EXAMPLES = 2


def examples_for(role: str, operation) -> int:
    if role == "social_worker":
        return FUZZ_EXAMPLES
    # The matrix row of this operation's URL, if it is for this very method.
    path = re.sub(r"\{[^}]+\}", "1", operation.path)
    row = MATRIX.get(resolve(path).url_name)
    if row is not None and row[0] == operation.method.lower() and row[1].get(role) != OK:
        return min(REFUSED_EXAMPLES, FUZZ_EXAMPLES)
    return max(FUZZ_EXAMPLES // 2, 1)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("label", OPERATIONS)
@pytest.mark.parametrize("role", ROLES)
def test_no_server_error(cast, world, keep_the_test_connection, role, label, mode):
    operation = SCHEMA.find_operation_by_label(label)
    token = Token.objects.create(user=getattr(cast, role))
    path_parameters = {
        parameter.name: world[PATH_PARAMETERS[parameter.name]]
        for parameter in operation.path_parameters
        if parameter.name in PATH_PARAMETERS
    }
    if mode == GenerationMode.NEGATIVE and not (len(operation.body) or len(operation.query)):
        if not len(operation.path_parameters):
            # No body, query or path (e.g. GET /api/notifications/preferences/): there is
            # no invalid request to make, and the positive run already sends the one there is.
            pytest.skip("nothing in this operation's request can be invalid")
        # Nothing but the path to get wrong: let the fuzzer break the path itself.
        path_parameters = {}
    headers = {"Authorization": f"Token {token.key}"}
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @hypothesis_settings(
        max_examples=examples_for(role, operation),
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        case.call_and_validate(
            headers=headers, checks=[not_a_server_error, response_schema_conformance]
        )

    run()


def test_a_person_of_approximate_age_matches_the_schema(cast, register, keep_the_test_connection):
    """No birth date, an approximate age: the case list and detail still match the schema
    (birth_date is null there, and the schema says it may be)."""
    registered = register(birth_date=None, approximate_age=30)
    headers = {"Authorization": f"Token {Token.objects.create(user=cast.social_worker).key}"}
    for label, path_parameters in [
        ("GET /api/cases/", {}),
        ("GET /api/cases/{case_id}/", {"case_id": registered.pk}),
    ]:
        operation = SCHEMA.find_operation_by_label(label)
        case = operation.Case(path_parameters=path_parameters)
        response = case.call(headers=headers)
        assert response.status_code == 200, label
        assert case.validate_response(response, checks=[response_schema_conformance]) is None


def test_the_schema_is_generated_without_a_warning(tmp_path):
    """drf-spectacular warns, and then publishes a wrong schema, when two serializers
    share a component name: the fuzz would check answers against the wrong one."""
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
