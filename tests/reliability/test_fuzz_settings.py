"""`settings set KEY=VALUE` with values Hypothesis makes up, for every key.

A value is taken (exit 0) and then shows, and its shown text sets the same value again;
or it is refused (exit 2) naming the key and the reason, and no setting changed. Never a
traceback: a NUL byte, a line break or 10,000 characters are values like any other.
"""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st
from tests.reliability.fuzz_support import (  # noqa: F401  (quick_cli: a fixture)
    fuzz,
    outcome_of,
    quick_cli,
    tally,
)

from listbridge.core.setting_registry import SECRET_MASK
from listbridge.core.settings import SETTINGS, views
from listbridge.store.connections import connection_id
from listbridge.store.db import Store
from listbridge.store.settings import effective_settings

ODD = [
    "", " ", "\x00", "true\x00", "0", "-1", "99999999999999", "1e3", "２", "=1+1", "a,,b", "*",
    "News, *", "23:59", "24:00", "2:5", "x" * 10_000, "Zoë", "a@b.org\nBcc: c@d.org",
    "First name=middle_name", "=custom.", "mon 02:00", "2024-02-30", "ＴＲＵＥ", "ı",
]  # fmt: skip
# Values some key takes, so that the accepted path (shown, then set again) runs too.
FINE = ["true", "No", "60", "link", "new", "both", "cc_to_crm", "02:30", "News", "all_active",
        "a@b.org", "Birthday=custom.Birthday", "*", "code"]  # fmt: skip
values = st.one_of(st.sampled_from(ODD), st.sampled_from(FINE), st.text(max_size=40))


def shown(store: Store) -> dict[str, str]:
    """What `settings show` shows (read from the store: a CLI call costs a third of a second)."""
    settings = effective_settings(store, connection_id(store, "default"))
    return {view.key: view.text for view in views(settings)}


@given(key=st.sampled_from(SETTINGS.keys), value=values)
@example(key="push.main_list", value="News\x00")
@example(key="notify.email", value="\x00@example.org")
@fuzz(15)
def test_any_value_for_any_setting_is_taken_or_refused_naming_the_key(
    quick_cli,  # noqa: F811
    store: Store,
    key: str,
    value: str,
) -> None:
    before = shown(store)
    done = quick_cli("settings", "set", f"{key}={value}")
    outcome = outcome_of(done)
    tally("settings set", outcome)
    if outcome == "refused":
        assert key in done.stderr, done.stderr
        assert "nothing was changed" in done.stderr, done.stderr
        assert shown(store) == before
        return
    after = shown(store)
    assert {k: v for k, v in after.items() if k != key} == {
        k: v for k, v in before.items() if k != key
    }
    # The shown text sets the same value again (a secret shows masked: nothing to set).
    if after[key] != SECRET_MASK:
        again = quick_cli("settings", "set", f"{key}={after[key]}")
        assert again.exit_code == 0, again.output
        assert shown(store) == after
