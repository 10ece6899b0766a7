"""What a client asks of the stored course for its request to proceed (RFC 9110 section 13).

Values every layer shares: the edge reads them from headers, the core checks them, the store puts
them in a write's condition.
"""

from datetime import datetime
from typing import NamedTuple


class Revision(NamedTuple):
    """One write of one incarnation of a course: what an ETag names.

    The creation time tells incarnations of a name apart (a course deleted and created again starts
    at version 1 again), the version the writes of one incarnation.
    """

    created_at: datetime
    version: int


class Preconditions(NamedTuple):
    """The revisions a request accepts: If-Match and If-None-Match, both of which must hold.

    ``expected``: the course is that revision (If-Match). ``excluded``: it is none of those
    revisions, or, with ``excludes_any``, it does not exist at all (If-None-Match: a list, or ``*``).
    """

    expected: Revision | None = None
    excluded: frozenset[Revision] = frozenset()
    excludes_any: bool = False

    def met_by(self, current: Revision) -> bool:
        """Whether they hold for an existing course at revision ``current``."""
        if self.expected is not None and current != self.expected:
            return False
        return not self.excludes_any and current not in self.excluded


# No If-Match, no If-None-Match: any existing course.
UNCONDITIONAL = Preconditions()
