"""`listbridge demo`: the sample CRM, an in-process emulator, connected and imported."""

from listbridge.sync.demo.job import (
    DemoRun,
    demo_run,
    refuse_real_connection,
    wait_until_interrupted,
)
from listbridge.sync.demo.sample import load_sample_crm

__all__ = ["DemoRun", "demo_run", "load_sample_crm", "refuse_real_connection",
           "wait_until_interrupted"]  # fmt: skip
