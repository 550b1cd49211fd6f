"""What every conformance client script shares: its progress lines and how it ends.

A script prints `ok <step> [detail]` after each step it checked; the mocha suite compares the
steps. Any failure is reported as `FAILED <type>: <message>` on stderr and exits 1.
"""
import sys
import traceback


def step(name, detail=""):
    """Reports a checked step."""
    print(f"ok {name} {detail}".rstrip(), flush=True)


def run(main):
    """Runs `main`, turning any failure into a report and exit status 1."""
    try:
        main()
    except Exception as err:  # noqa: BLE001 - any failure is a finding to report
        traceback.print_exc()
        print(f"FAILED {type(err).__name__}: {err}", file=sys.stderr, flush=True)
        sys.exit(1)
