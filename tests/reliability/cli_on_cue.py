"""Runs one `listbridge` command in a process of its own, on cue (test_concurrency.py).

    python cli_on_cue.py ARGS...

Imports the CLI, prints READY, waits for a line on stdin, then runs `listbridge ARGS…` and
exits with its exit code: the command starts within milliseconds of the cue, not after the
second or two the imports take, so that it meets the other starters at one instant.
"""

from __future__ import annotations

import sys

from listbridge.cli.main import app

if __name__ == "__main__":
    print("READY", flush=True)
    sys.stdin.readline()
    app(args=sys.argv[1:], prog_name="listbridge")
