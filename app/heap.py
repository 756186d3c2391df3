"""The service process's heap after start-up, kept out of the cyclic collector's way.

Start-up leaves a large, long-lived heap (the curriculum, SQLAlchemy's mappings, the SDKs).
Python's cyclic collector walks all of it at every full collection: in a dispatcher sending
500 messages a second those walks stopped the event loop for 150-220 ms at a time, after
which the late sends went out together and a platform counting a sliding second saw more
than its limit (docs/benchmarks.md). `gc.freeze()` moves what exists after start-up into a
generation the collector never scans; objects made later are collected as before.
"""

from __future__ import annotations

import gc


def freeze_startup_heap() -> None:
    """Collect start-up's garbage once, then freeze the rest out of later collections.
    Call it once the services are built, before serving."""
    gc.collect()
    gc.freeze()
