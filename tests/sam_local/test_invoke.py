"""Every file in events/ through the real `sam local invoke`, in tests/infrastructure/test_events.py's order and
with its expected statuses, each answer the same as the same event's answer in-process (the handler
code `make run` runs), the in-process handlers going through the same order on a table of their own.

An invoke costs seconds (the SAM CLI builds its image at every call), so events that cannot change
what a later event sees run together: reads, and refusals (a 4xx writes nothing: docs/API.md). Each
event that may write runs alone, after everything before it and before everything after it.
"""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from localdev.runtime import LambdaContext
from tests.infrastructure.test_events import EVENTS, EVENTS_DIR, load
from tests.sam_local.sam_cli import Answer

TOGETHER = 3  # invokes at once: more only queue on the CPU


def may_write(file: str, status: int) -> bool:
    return load(file)["httpMethod"] not in ("GET", "HEAD") and status < 400


def stages(events: list[tuple[str, str, int]]) -> list[list[tuple[str, str, int]]]:
    """``events`` cut into consecutive groups: each event that may write alone, the rest together."""
    groups: list[list[tuple[str, str, int]]] = []
    for event in events:
        if not groups or may_write(event[0], event[2]) or may_write(groups[-1][-1][0], groups[-1][-1][2]):
            groups.append([])
        groups[-1].append(event)
    return groups


def test_stages_keep_the_order_and_leave_each_write_alone():
    groups = stages(EVENTS)

    assert [event for group in groups for event in group] == EVENTS
    for file in ("create_course.json", "update_course.json", "delete_course.json"):
        assert [len(group) for group in groups if file in [f for f, _, _ in group]] == [1], file
    assert max(len(group) for group in groups) > 1


@pytest.fixture(scope="module")
def under_sam(sam, dynamodb) -> dict[str, object]:
    """Every event's `sam local invoke` result, by file."""
    results: dict[str, object] = {}
    with ThreadPoolExecutor(TOGETHER) as pool:
        for group in stages(EVENTS):
            invoked = pool.map(lambda event: sam.invoke(event[1], EVENTS_DIR / event[0]), group)
            results.update(zip([file for file, _, _ in group], invoked, strict=True))
    return results


@pytest.fixture(scope="module")
def here(in_process) -> dict[str, Answer]:
    """Every event's answer from the handlers in this process, one after the other, by file."""
    return {
        file: Answer.of(in_process[function](load(file), LambdaContext(function_name=function)))
        for file, function, _ in EVENTS
    }


@pytest.mark.parametrize("file, function, status", EVENTS, ids=[file for file, _, _ in EVENTS])
def test_event_answers_under_sam_local_invoke_as_in_process(under_sam, here, file, function, status):
    result = under_sam[file]
    assert result.returncode == 0, result.stderr[-3000:]
    answer = Answer.of(json.loads(result.stdout))

    assert answer.status == status, result.stderr[-3000:]
    assert answer.comparable() == here[file].comparable()
