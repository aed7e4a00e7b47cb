"""`python -m tests.emulator --data DIR [--port 8765]`: serve DIR's .xlsx files as Google
spreadsheets on 127.0.0.1 until Ctrl-C. API writes change the files: point it at a copy."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

from .server import Emulator


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m tests.emulator", description=__doc__)
    parser.add_argument("--data", type=Path, required=True,
                        help="folder of <spreadsheet id>.xlsx files (and _drive.json)")
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1")
    parser.add_argument("--folder-id", action="append", default=[], dest="folder_ids",
                        help="Drive folder id given to files without one (repeatable)")
    parser.add_argument("--require-token", action="store_true",
                        help="answer 401 to API requests without a bearer token")
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Serve in the foreground."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="%(asctime)s %(message)s")
    emulator = Emulator(args.data, port=args.port, require_token=args.require_token,
                        default_parents=args.folder_ids)
    ids = emulator.store.ids()
    print(f"Google Sheets/Drive emulator on {emulator.base_url} serving {len(ids)} "
          f"spreadsheet(s) from {args.data.resolve()}")
    print(f"token_uri for a service account: {emulator.token_uri}; Ctrl-C stops it.")
    try:
        emulator.serve_forever()
    except KeyboardInterrupt:
        print("stopped")


if __name__ == "__main__":
    main()
