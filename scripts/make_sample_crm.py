"""Write a generated sample CRM file (listbridge.sample) for `listbridge crm load`.

    python scripts/make_sample_crm.py OUT.csv [--seed N] [--people N] [--organizations N]

Without options it writes the demo's own 400 accounts. The same seed and sizes always
give the same file. The Constant Contact half of the sample is not written: the demo
seeds it into its emulator, the tests create it through the API.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from listbridge.sample import DEMO, DEMO_SEED, Sizes, generate
from listbridge.sample.files import write_file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=DEMO_SEED)
    parser.add_argument("--people", type=int, default=DEMO.people)
    parser.add_argument("--organizations", type=int, default=DEMO.organizations)
    args = parser.parse_args()
    sample = generate(args.seed, Sizes(args.people, args.organizations))
    path = write_file(sample, args.out.parent, args.out.name)
    print(f"wrote {len(sample.accounts)} accounts to {path}")


if __name__ == "__main__":
    main()
