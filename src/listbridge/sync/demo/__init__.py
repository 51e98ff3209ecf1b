"""`listbridge demo`: the sample CRM, an in-process emulator, connected and imported."""

from listbridge.sync.demo.job import (
    DemoRun,
    demo_run,
    refuse_real_connection,
    wait_until_interrupted,
)

__all__ = ["DemoRun", "demo_run", "refuse_real_connection", "wait_until_interrupted"]
