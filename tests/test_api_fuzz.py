"""The API fuzzed from its own OpenAPI schema (schemathesis): every operation, with
valid and with invalid data, as a social worker holding a token, against one case with
one of everything. Whatever is sent, the answer is never a server error.

HOMEWARD_FUZZ_EXAMPLES sets the examples per operation and mode (default 20).
"""

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests import test_access_matrix as matrix

world = matrix.world

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


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("label", OPERATIONS)
def test_no_server_error(cast, world, keep_the_test_connection, label, mode):
    operation = SCHEMA.find_operation_by_label(label)
    token = Token.objects.create(user=cast.social_worker)
    path_parameters = {
        parameter.name: world[PATH_PARAMETERS[parameter.name]]
        for parameter in operation.path_parameters
        if parameter.name in PATH_PARAMETERS
    }
    if mode == GenerationMode.NEGATIVE and not (len(operation.body) or len(operation.query)):
        # Nothing but the path to get wrong: let the fuzzer break the path itself.
        path_parameters = {}
    headers = {"Authorization": f"Token {token.key}"}
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @hypothesis_settings(
        max_examples=FUZZ_EXAMPLES,
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
