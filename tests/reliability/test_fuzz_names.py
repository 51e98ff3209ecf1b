"""Names typed on the command line, made up by Hypothesis: a connection (`--connection`),
a custom field (`crm fields add`), a group (`groups add`), a user (`users add`).

Each is taken (exit 0) or refused (exit 2) with a message, never a traceback. No NUL: a
command line cannot carry one (the web forms, which can, are test_fuzz_web_forms.py's).
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

ODD = ["", " ", "x" * 300, "Zoë", "ﬁ", "İ", "a/b", "a b", "-x", "--help", "=1+1", "'", '"',
       "\u200b", "\n", "Member Since", "custom.X", "ǅ" * 201, "%s", "{}", "default"]  # fmt: skip
names = st.one_of(
    st.sampled_from(ODD), st.text(st.characters(blacklist_characters="\x00"), max_size=20)
)
COMMANDS = {
    "--connection": lambda name: ("--connection", name, "settings", "show"),
    "crm fields add": lambda name: ("crm", "fields", "add", name, "--type", "text"),
    "groups add": lambda name: ("groups", "add", name),
    "users add": lambda name: ("users", "add", name),
}


@given(command=st.sampled_from(sorted(COMMANDS)), name=names)
@example(command="crm fields add", name="ǅ" * 201)
@example(command="--connection", name="x" * 300)
@fuzz(4)
def test_any_name_is_taken_or_refused_with_a_message(
    quick_cli,  # noqa: F811
    command: str,
    name: str,
) -> None:
    args = COMMANDS[command](name)
    done = quick_cli(*args, input="a long enough password\na long enough password\n")
    tally(command, outcome_of(done))
