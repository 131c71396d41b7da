"""The pipelines app's operations in one place, for its tasks, demo and commands: HalfPipe's
(pipelines.halfpipe.services) and the FT2 campaigns' (pipelines.ft2.services)."""

from ..ft2.services import *  # noqa: F403
from ..ft2.services import __all__ as _ft2
from ..halfpipe.services import *  # noqa: F403
from ..halfpipe.services import __all__ as _halfpipe

__all__ = sorted([*_ft2, *_halfpipe])
