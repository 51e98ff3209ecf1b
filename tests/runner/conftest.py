from tests.sync.conftest import (  # noqa: F401  (fixtures used here)
    cc,
    cc_emulator_config,
    crm_name,
    scene,
    secret_key_file,
    wired,
)
