"""Lambda SnapStart's runtime hooks (template parameter ``SnapStart``).

The DynamoDB client created, and what functions load lazily (:func:`preload`) loaded, before the
snapshot; what restored instances must not share made each one's own after.

Lambda runs hooks only when it initializes a published version for its snapshot: its runtime then
sets ``AWS_LAMBDA_INITIALIZATION_TYPE`` to ``snap-start`` and provides ``snapshot_restore_py`` (that
module exists only there). Otherwise :func:`register` returns at once: a function without SnapStart
pays one environment lookup, and imports nothing.

Every instance restored from one snapshot starts from the same memory (AWS, "Handling uniqueness
with Lambda SnapStart"); what this service must not share (docs/PERFORMANCE.md, "SnapStart"):

- ``random``'s state (botocore's retry jitter, Powertools' log sampling): reseeded from the
  operating system after each restore.
- connections: the client is created before the snapshot, not used, so its pool holds none; any
  it holds is closed after the restore, and each instance opens its own.
- write tokens (course_service.store.conditional_writes): drawn from ``os.urandom`` at each write, never from
  memory, so nothing of them is in the snapshot.
- credentials: botocore's, from the container credentials Lambda gives SnapStart functions; they
  expire, and botocore fetches new ones itself before they do.
"""

import os
import random
from collections.abc import Callable
from typing import Any

# What Lambda sets AWS_LAMBDA_INITIALIZATION_TYPE to while it initializes a version for its snapshot
# (AWS's runtime interface client runs the registered hooks then, and only then).
SNAP_START = "snap-start"


# What functions load at the first request that needs it, loaded before the snapshot instead.
_preloads: list[Callable[[], object]] = []


def _for_snapshot() -> bool:
    return os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == SNAP_START


def register() -> bool:
    """Registers the hooks if Lambda is initializing for a snapshot; returns whether it did."""
    if not _for_snapshot():
        return False
    import importlib

    hooks = importlib.import_module("snapshot_restore_py")  # only in Lambda's runtime
    hooks.register_before_snapshot(before_snapshot)
    hooks.register_after_restore(after_restore)
    return True


def dynamodb_client() -> Any:
    """The botocore client the courses' DynamoDB calls go through (course_service.store.client).

    Imported only when a hook runs: without SnapStart this module loads nothing else.
    """
    from course_service.store.client import dynamodb_client

    return dynamodb_client()


def preload(load: Callable[[], object]) -> None:
    """Has :func:`before_snapshot` call ``load``, if Lambda is initializing for a snapshot.

    For what a function loads lazily (course_service.entry.lambda_entry's ``preload``): with
    SnapStart it belongs in the snapshot, not in a restored instance's first request.
    """
    if _for_snapshot():
        _preloads.append(load)


def before_snapshot() -> None:
    """Creates the DynamoDB client (its service model, endpoint rules and credentials), then runs the preloads.

    Part of a cold start's first response that no restored instance pays again
    (docs/PERFORMANCE.md).
    """
    dynamodb_client()
    for load in _preloads:
        load()


def after_restore() -> None:
    """Makes this instance's own what it must not share with the others restored from the snapshot."""
    random.seed()  # from os.urandom
    dynamodb_client().close()  # its connections; botocore opens new ones at the next request
