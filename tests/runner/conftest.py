import pytest
from tests.runner.worker_support import Task
from tests.sync.conftest import (  # noqa: F401  (fixtures used here)
    cc,
    cc_emulator_config,
    crm_name,
    scene,
    secret_key_file,
    wired,
)


@pytest.fixture
def task() -> Task:
    """A worker's Celery task whose retries are recorded (`task.asked`)."""
    return Task()
