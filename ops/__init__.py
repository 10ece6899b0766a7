"""Operations on a deployed stack: the post-deploy smoke check and the data backfill."""

import sys
from pathlib import Path

# The shared layer's code, where a checkout keeps it: the tools use the service's own course URL and
# item model, not copies of them.
LAYER = Path(__file__).resolve().parents[1] / "layers" / "course_common"


def put_layer_on_path() -> None:
    """Makes the shared layer's ``course_service`` importable, as Lambda's /opt/python does."""
    if str(LAYER) not in sys.path:
        sys.path.insert(0, str(LAYER))
