"""A typed client generated from the committed openapi.json with a pinned generator
(openapi-python-client, tools/openapi-python-client.lock) drives a course's whole life through the
local server, parsing every answer strictly (client_lifecycle.py): the document and the service
cannot drift apart without this failing. The client is generated into a temporary directory."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from localdev.openapi import OPENAPI_FILE
from tests.integration.client_lifecycle import PACKAGE
from tests.root import ROOT

# make test installs it and names it; run by hand, the test needs `make .tools/openapi-python-client/.installed`.
GENERATOR = Path(
    os.environ.get("OPENAPI_PYTHON_CLIENT") or ROOT / ".tools/openapi-python-client/bin/openapi-python-client"
)


@pytest.fixture(scope="module")
def generated_client(tmp_path_factory) -> Path:
    """The directory holding the generated package; generating it warns of nothing."""
    if not GENERATOR.exists():
        assert "OPENAPI_PYTHON_CLIENT" not in os.environ, f"{GENERATOR} is not installed"
        pytest.skip("openapi-python-client not installed (make test installs it)")
    directory = tmp_path_factory.mktemp("client")
    # Its environment's bin first: the generator formats what it writes with its own ruff.
    environment = {**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ['PATH']}"}
    command: list[str | Path] = [GENERATOR, "generate", "--path", OPENAPI_FILE, "--meta", "none", "--fail-on-warning"]
    command += ["--output-path", directory / PACKAGE]
    done = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=120)
    assert done.returncode == 0 and "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr
    return directory


def test_a_generated_client_drives_a_whole_lifecycle_parsing_every_answer_strictly(generated_client, server):
    # The generator's Python: its environment has what the generated client imports (httpx, attrs).
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(generated_client)])}
    done = subprocess.run(
        [GENERATOR.parent / "python", "-m", "tests.integration.client_lifecycle", server.url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    steps = [(step["operation"], step["status"], step["parsed"], step["headers"]) for step in json.loads(done.stdout)]
    assert steps == [
        ("createCourse", 201, "CourseResponse", ["etag", "location"]),
        ("createCourse", 201, "CourseResponse", ["etag", "location"]),
        ("getCourse", 200, "CourseResponse", ["etag"]),
        ("listCourses", 200, "CoursePage", []),
        ("listCourses", 200, "CoursePage", []),
        ("updateCourse", 200, "CourseResponse", ["etag"]),
        ("updateCourse", 412, "ErrorResponse", []),
        ("getCourse", 304, "NoneType", ["etag"]),
        ("createCourse", 409, "ErrorResponse", []),
        ("createCourse", 422, "ValidationErrorResponse", []),
        ("deleteCourse", 204, "NoneType", []),
        ("getCourse", 404, "ErrorResponse", []),
        ("deleteCourse", 204, "NoneType", []),
    ]
