"""The ``pointsmall`` command.

With a subcommand (``db``, ``demo``, ``check``, ``expire``, ``tiers``,
``points``, ``catalog``, ``staff``) it runs the headless command line of the core;
``--self-test`` checks an installation; with neither it starts the desktop
client.
"""
from __future__ import annotations

import argparse
import sys

SUBCOMMANDS = {"db", "demo", "check", "expire", "tiers", "points", "catalog", "staff"}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if any(arg in SUBCOMMANDS for arg in argv):
        from pointsmall.cli import main as cli_main

        return cli_main(argv)
    parser = argparse.ArgumentParser(prog="pointsmall", description="pointsmall points mall desktop client")
    parser.add_argument("--db", help="database URL (default: POINTSMALL_DB, else the embedded SQLite file)")
    parser.add_argument("--mode", choices=["standalone", "online", "offline"],
                        help="how this desktop runs (default: POINTSMALL_MODE, else the saved setting, else standalone)")
    parser.add_argument("--chain", metavar="URL", help="the chain's PostgreSQL for the online and offline modes")
    parser.add_argument("--store", metavar="CODE", help="this store's code in the offline mode")
    parser.add_argument("--lang", choices=["zh_CN", "en"], help="interface language")
    parser.add_argument("--self-test", action="store_true", help="check this installation headless and exit")
    args = parser.parse_args(argv)
    if args.self_test:
        from .self_test import run_self_test

        return run_self_test()
    from .app import run

    return run(args.db, args.lang, mode=args.mode, chain=args.chain, store=args.store)


if __name__ == "__main__":
    sys.exit(main())
