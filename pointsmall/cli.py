"""The headless command line: database upkeep, scheduled jobs, demo data, imports.

    pointsmall [--db URL] db upgrade
    pointsmall [--db URL] demo --members N [--seed S]
    pointsmall [--db URL] check                        (offline mode: the replica against --chain)
    pointsmall [--db URL] sync --chain URL --store CODE  (offline store: push and pull once)
    pointsmall sync prune --chain URL                    (head office: drop the change log every store has pulled)
    pointsmall [--db URL] expire [--as-of YYYY-MM-DD]
    pointsmall [--db URL] tiers evaluate [--as-of YYYY-MM-DD]
    pointsmall [--db URL] points import FILE [--dry-run]
    pointsmall [--db URL] catalog import FILE.csv|FILE.xlsx [--dry-run]
    pointsmall [--db URL] catalog export FILE.csv|FILE.xlsx
    pointsmall [--db URL] staff add --username U --role R [--display-name NAME] [--store CODE]
    pointsmall [--db URL] tasks list
    pointsmall [--db URL] reviews list [--status open|approved|rejected|resolved|all] [--kind KIND]
    pointsmall [--db URL] risk scan

Every command also takes ``--mode standalone|online|offline``, ``--chain URL``
and ``--store CODE`` (see below).

The database follows the deployment (pointsmall/config.py): ``--mode``
standalone (``--db``, else ``POINTSMALL_DB``, else the default SQLite file),
online (the chain's PostgreSQL, ``--chain``) or offline (this store's local
replica; ``--chain`` and ``--store`` say where it syncs), each option else
its environment variable, else the config file. The database is migrated (an
SQLite file is backed up first) before any command.
Jobs act as the built-in ``system`` account. Exit status: 0 done, 1 ``check``
or a dry run found problems, 2 a refusal the user can fix (the message says
what), never a traceback for those. The desktop client's own entry point
hands any subcommand to ``main``; without one, the client starts instead.
"""
from __future__ import annotations

import argparse
import getpass
import os
import sys
import time
import unicodedata
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from sqlalchemy.exc import ArgumentError, OperationalError

from . import bootstrap, check, config, ledger, staff, tiers
from .db import Database
from .errors import DomainError

EXIT_OK, EXIT_PROBLEMS, EXIT_REFUSED = 0, 1, 2
PASSWORD_ENV = "POINTSMALL_PASSWORD"
GUI_HINT = "the desktop client is started by the `pointsmall` command"


class UsageError(Exception):
    """Bad input that argparse cannot see (a file that is missing, passwords that differ)."""


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    db_option = argparse.ArgumentParser(add_help=False)
    db_option.add_argument("--db", default=argparse.SUPPRESS, metavar="URL",
                           help="database URL or SQLite file URL (default: $POINTSMALL_DB, then the user data file)")
    _deployment_options(db_option, argparse.SUPPRESS)
    # `staff add --store` names the account's store, which is this store's code too: same option, same dest.
    staff_option = argparse.ArgumentParser(add_help=False)
    staff_option.add_argument("--db", default=argparse.SUPPRESS, metavar="URL", help="database URL")
    _deployment_options(staff_option, argparse.SUPPRESS, store=False)
    parser = argparse.ArgumentParser(prog="pointsmall", description="Points mall (积分商城): headless commands.")
    parser.add_argument("--db", default=None, metavar="URL",
                        help="database URL (default: $POINTSMALL_DB, then the SQLite file in the user data folder)")
    _deployment_options(parser, None)
    parser.add_argument("--self-test", action="store_true", help="check the desktop client starts (GUI only)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    db_cmd = commands.add_parser("db", parents=[db_option], help="database upkeep")
    db_sub = db_cmd.add_subparsers(dest="action", metavar="ACTION", required=True)
    db_sub.add_parser("upgrade", parents=[db_option], help="migrate to the newest schema (SQLite: backup first)")

    demo = commands.add_parser("demo", parents=[db_option], help="fill an empty database with demo data")
    demo.add_argument("--members", type=_positive, required=True, help="how many members")
    demo.add_argument("--seed", type=int, default=1, help="the same seed gives the same people (default 1)")
    demo.add_argument("--workers", type=_positive, default=None, help="processes (default: one per core)")

    commands.add_parser("check", parents=[db_option], help="rebuild balances, lots and the audit chain and compare; "
                        "in offline mode, compare this store's replica with the chain's database (--chain)")
    # No set_defaults(mode=...) here: the --mode action is shared through the parent parser, so that would
    # make every command default to the offline mode. deployment() supplies it for `sync` instead.
    sync_cmd = commands.add_parser("sync", parents=[db_option], help="offline store: push this store's facts to "
                                   "the chain's database and pull its changes once (--chain URL --store CODE)")
    sync_cmd.add_subparsers(dest="action", metavar="ACTION").add_parser(
        "prune", parents=[db_option], help="head office: delete the change log rows every store has pulled "
        "(the chain's database, --chain URL; a scheduled job)")

    expire = commands.add_parser("expire", parents=[db_option], help="expire points past their date (idempotent)")
    expire.add_argument("--as-of", type=_day, default=None, metavar="YYYY-MM-DD",
                        help="expire lots whose last day is before this day (default: today)")

    tiers_cmd = commands.add_parser("tiers", parents=[db_option], help="member tiers")
    tiers_sub = tiers_cmd.add_subparsers(dest="action", metavar="ACTION", required=True)
    evaluate = tiers_sub.add_parser("evaluate", parents=[db_option],
                                    help="the monthly evaluation (a second run in a month does nothing)")
    evaluate.add_argument("--as-of", type=_day, default=None, metavar="YYYY-MM-DD")

    points = commands.add_parser("points", parents=[db_option], help="points")
    points_sub = points.add_subparsers(dest="action", metavar="ACTION", required=True)
    imp = points_sub.add_parser("import", parents=[db_option],
                                help="bulk adjustments from a CSV file (phone or card, points, reason, note)")
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")

    catalog_cmd = commands.add_parser("catalog", parents=[db_option], help="the points catalog")
    catalog_sub = catalog_cmd.add_subparsers(dest="action", metavar="ACTION", required=True)
    cat_imp = catalog_sub.add_parser("import", parents=[db_option],
                                     help="create or update items from a .csv or .xlsx file, by item code")
    cat_imp.add_argument("file", type=Path)
    cat_imp.add_argument("--dry-run", action="store_true", help="report every row, change nothing")
    cat_exp = catalog_sub.add_parser("export", parents=[db_option], help="write every item to a .csv or .xlsx file")
    cat_exp.add_argument("file", type=Path)

    staff_cmd = commands.add_parser("staff", parents=[db_option], help="staff accounts")
    staff_sub = staff_cmd.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = staff_sub.add_parser("add", parents=[staff_option],
                               help=f"add an account; the password comes from ${PASSWORD_ENV} or is asked twice")
    add.add_argument("--username", required=True)
    add.add_argument("--role", required=True, choices=[r.value for r in staff.Role])
    add.add_argument("--display-name", default="")
    add.add_argument("--store", default=None, metavar="CODE", help="store code (default: the first store)")

    tasks_cmd = commands.add_parser("tasks", parents=[db_option], help="tasks members complete for points")
    tasks_cmd.add_subparsers(dest="action", metavar="ACTION", required=True).add_parser(
        "list", parents=[db_option], help="every task: kind, trigger, points, limit, rewards paid")
    reviews_cmd = commands.add_parser("reviews", parents=[db_option], help="the supervisors' review queue")
    rev_list = reviews_cmd.add_subparsers(dest="action", metavar="ACTION", required=True).add_parser(
        "list", parents=[db_option], help="review cases, oldest open first")
    rev_list.add_argument("--status", default="open", choices=["open", "approved", "rejected", "resolved", "all"])
    rev_list.add_argument("--kind", default=None, help="only cases of this kind (earning_velocity, negative_balance...)")
    risk_cmd = commands.add_parser("risk", parents=[db_option], help="abuse rules")
    risk_cmd.add_subparsers(dest="action", metavar="ACTION", required=True).add_parser(
        "scan", parents=[db_option], help="apply the active abuse rules to recent earnings (a scheduled job)")
    return parser


def _deployment_options(parser: argparse.ArgumentParser, default: object, store: bool = True) -> None:
    parser.add_argument("--mode", default=default, choices=[m.value for m in config.Mode],
                        help="standalone, online or offline (default: $POINTSMALL_MODE, the config file, standalone)")
    parser.add_argument("--chain", default=default, metavar="URL",
                        help="the chain's PostgreSQL (default: $POINTSMALL_CHAIN, then the config file)")
    if store:
        parser.add_argument("--store", default=default, metavar="CODE",
                            help="this store's code in offline mode (default: $POINTSMALL_STORE, then the config file)")


def deployment(args: argparse.Namespace) -> config.Deployment:
    """The mode, chain and store for this run: options > environment > config file > default.

    Without ``--mode``, ``sync`` and a command given both ``--chain`` and ``--store`` work on the replica;
    ``sync prune`` works on the chain's database (online).
    """
    mode = getattr(args, "mode", None)
    if mode is None and args.command == "sync" and getattr(args, "action", None) == "prune":
        mode = config.Mode.ONLINE.value  # head office's job, on the chain's database
    elif mode is None and (args.command == "sync" or (getattr(args, "chain", None) and getattr(args, "store", None))):
        mode = config.Mode.OFFLINE.value  # `sync`, or a chain and a store given together: this store's replica
    return config.load(mode=mode, chain=getattr(args, "chain", None),
                       store=getattr(args, "store", None), db=getattr(args, "db", None))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse has printed the usage problem
        return EXIT_OK if exit_.code in (0, None) else EXIT_REFUSED
    if args.self_test or args.command is None:
        print(GUI_HINT, file=sys.stderr)
        return EXIT_REFUSED
    handler = _HANDLERS[(args.command, getattr(args, "action", None))]
    db: Database | None = None
    try:
        db = _open(args)
        return handler(db, args)
    except DomainError as error:
        print(f"pointsmall: {error.message}", file=sys.stderr)
        return EXIT_REFUSED
    except UsageError as error:
        print(f"pointsmall: {error}", file=sys.stderr)
        return EXIT_REFUSED
    except OperationalError as error:  # unreachable server, locked or read-only file: the user's to fix
        print(f"pointsmall: database error: {error.orig or error}", file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        print("pointsmall: interrupted", file=sys.stderr)
        return 130
    finally:
        if db is not None:
            db.dispose()


def _open(args: argparse.Namespace) -> Database:
    chosen = deployment(args)
    url = chosen.database_url()
    try:
        if args.command == "db":
            return Database.open(url)
        db = bootstrap.prepare(url)
    except (OperationalError, ArgumentError) as error:
        explained = config.explain_connection_error(error, url)  # HQ unreachable, wrong password...
        if isinstance(explained, DomainError):
            raise explained from None
        raise UsageError(f"cannot open the database: {getattr(error, 'orig', None) or error}") from None
    if chosen.mode is config.Mode.OFFLINE:
        # A job writing into the store's replica must feed the outbox exactly as the till does.
        from . import sync

        try:
            sync.attach_replica(db, chosen.store or "")
        except BaseException:
            db.dispose()
            raise
    return db


def _system(db: Database) -> staff.Actor:
    with db.read() as session:
        return staff.system_actor(session)


# -- the commands --------------------------------------------------------------

def _db_upgrade(db: Database, args: argparse.Namespace) -> int:
    before = db.current_revision()
    backup = db.upgrade()
    bootstrap.ensure_defaults(db)
    after = db.current_revision()
    print(f"{db.describe()}: schema {before or 'empty'} -> {after}" if before != after
          else f"{db.describe()}: schema is current ({after})")
    if backup is not None:
        print(f"backup of the previous file: {backup}")
    return EXIT_OK


def _demo(db: Database, args: argparse.Namespace) -> int:
    from . import demo  # imports pypinyin's dictionaries: only when needed

    started, shown = time.monotonic(), [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - shown[0] >= 5 or done == total:
            shown[0] = now
            print(f"  {done:,} / {total:,} members ({now - started:.0f} s)", file=sys.stderr, flush=True)

    report = demo.generate_demo(db, args.members, args.seed, workers=args.workers, progress=progress)
    print(f"demo data in {db.describe()} (seed {report.seed}, {report.seconds:.1f} s):")
    print(f"  {report.members:,} members, {report.entries:,} ledger entries, {report.purchases:,} purchases, "
          f"{report.refunds:,} refunds, {report.tier_changes:,} tier changes")
    print("  tiers: " + ", ".join(f"{code} {n:,}" for code, n in report.tiers))
    print(f"  {report.expiring_soon:,} members have points expiring within a month")
    if report.staff_created:
        logins = [f"{user} / {secret}" for user, secret, _, _ in demo.DEMO_STAFF if user in report.staff_created]
        print("  demo logins: " + ", ".join(logins))
    return EXIT_OK


def _check(db: Database, args: argparse.Namespace) -> int:
    chosen = deployment(args)
    if chosen.mode is config.Mode.OFFLINE and chosen.chain:
        from .sync.command import run_check
        return EXIT_OK if run_check(db, chosen.chain) else EXIT_PROBLEMS
    report = check.run_check(db)
    print(f"{db.describe()}: {report.members:,} members, {report.entries:,} ledger entries")
    if report.ok:
        print("OK: balances, lots, sequences and the audit chain agree with the ledger")
        return EXIT_OK
    print(f"{len(report.problems)} problem(s):")
    for line in report.problems:
        print(f"  {line}")
    return EXIT_PROBLEMS


def _sync(db: Database, args: argparse.Namespace) -> int:
    from .sync.command import run_sync

    chosen = deployment(args)
    assert chosen.chain, "validated: the offline mode has a chain"
    return EXIT_OK if run_sync(db, chosen.chain) else EXIT_PROBLEMS


def _sync_prune(db: Database, args: argparse.Namespace) -> int:
    from .sync.command import run_prune

    return EXIT_OK if run_prune(db) else EXIT_PROBLEMS


def _expire(db: Database, args: argparse.Namespace) -> int:
    report = ledger.expire_lots(db, _system(db), args.as_of)
    print(f"expired {report.points:,} points of {report.members:,} members (lots that ended before {report.as_of})")
    return EXIT_OK


def _tiers_evaluate(db: Database, args: argparse.Namespace) -> int:
    report = tiers.evaluate(db, _system(db), args.as_of)
    if report.already_done:
        print(f"the evaluation for {report.period} already ran; nothing changed")
    else:
        print(f"evaluation {report.period}: {report.evaluated:,} members, {report.upgraded:,} up, "
              f"{report.downgraded:,} down, {report.manual_ended:,} hand-set tiers ended")
    return EXIT_OK


def _points_import(db: Database, args: argparse.Namespace) -> int:
    from . import bulk_import

    try:
        data = args.file.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {args.file}: {error.strerror}") from None
    try:
        report = bulk_import.import_adjustments(db, _system(db), data, args.file.name, dry_run=args.dry_run)
    except bulk_import.ImportRejected as rejected:
        _print_rows(rejected.report)
        raise
    if report.already_imported_on is not None:
        print(bulk_import.ALREADY_IMPORTED.format(date=report.already_imported_on.date().isoformat()))
        return EXIT_OK
    _print_rows(report)
    verb = "would change" if args.dry_run else "changed"
    print(f"{verb} {report.total_points:+,} points for {report.members:,} member(s) in {len(report.rows):,} row(s)")
    if report.errors:
        print(f"{len(report.errors)} row(s) have problems; the real run would import nothing")
        return EXIT_PROBLEMS
    return EXIT_OK


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _print_rows(report: object) -> None:
    print(f"{'row':>5}  {_pad('member', 12)}  {_pad('phone', 12)}  {'points':>8}  balance")
    for r in report.rows:  # type: ignore[attr-defined]
        head = f"{r.row:>5}  {_pad(r.member_name or r.key, 12)}  {_pad(r.phone or '', 12)}  " \
               f"{'' if r.points is None else f'{r.points:+,}':>8}  "
        if r.error is not None:
            print(head + f"ERROR: {r.error.message}")
        else:
            print(head + f"{r.balance_before:,} → {r.balance_after:,}")


def _catalog_import(db: Database, args: argparse.Namespace) -> int:
    from . import catalog_io

    try:
        data = args.file.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {args.file}: {error.strerror}") from None
    try:
        report = catalog_io.import_catalog(db, _system(db), args.file.name, data, dry_run=args.dry_run)
    except catalog_io.ImportRefused as refused:
        _print_catalog_rows(refused.report)
        raise
    _print_catalog_rows(report)
    counts = ", ".join(f"{report.count(a)} {a}" for a in ("create", "update", "unchanged"))
    print(f"{'dry run, nothing changed' if args.dry_run else 'imported'}: {counts}")
    if report.errors:
        print(f"{len(report.errors)} row(s) have errors; the real run would import nothing")
        return EXIT_PROBLEMS
    return EXIT_OK


def _print_catalog_rows(report: object) -> None:
    print(f"{'row':>5}  {_pad('sku', 16)}  result")
    for r in report.rows:  # type: ignore[attr-defined]
        print(f"{r.row:>5}  {_pad(r.sku, 16)}  {f'ERROR: {r.error}' if r.error else r.action}")


def _catalog_export(db: Database, args: argparse.Namespace) -> int:
    from . import catalog, catalog_io

    data = catalog_io.export_catalog(db, _system(db), args.file.name)
    try:
        args.file.write_bytes(data)
    except OSError as error:
        raise UsageError(f"cannot write {args.file}: {error.strerror}") from None
    with db.read() as session:
        print(f"wrote {catalog.count_items(session):,} items to {args.file}")
    return EXIT_OK


def _staff_add(db: Database, args: argparse.Namespace) -> int:
    secret = os.environ.get(PASSWORD_ENV)
    if secret is None:
        secret = getpass.getpass(f"password for {args.username}: ")
        if getpass.getpass("again: ") != secret:
            raise UsageError("the two passwords differ; nothing was created")
    view = staff.create_staff(db, _system(db), username=args.username, display_name=args.display_name,
                              role=args.role, secret=secret, store_id=args.store)
    print(f"created {view.role.value} account {view.username} ({view.display_name}) at store {view.store_id}")
    return EXIT_OK


def _tasks_list(db: Database, args: argparse.Namespace) -> int:
    from . import tasks

    views = tasks.list_tasks(db, _system(db))
    paid = tasks.rewards_paid(db)
    print(f"{_pad('task', 20)}  {_pad('kind', 9)}  {_pad('trigger', 14)}  {'points':>6}  {'limit':>5}  "
          f"{'paid':>7}  active")
    for t in views:
        print(f"{_pad(t.name, 20)}  {_pad(t.kind, 9)}  {_pad(t.trigger, 14)}  {t.points:>6}  {t.times:>5}  "
              f"{paid.get(t.id, 0):>7,}  {'yes' if t.active else 'no'}")
    print(f"{len(views)} task(s)")
    return EXIT_OK


def _reviews_list(db: Database, args: argparse.Namespace) -> int:
    from . import reviews

    cases = reviews.list_cases(db, _system(db), status=None if args.status == "all" else args.status,
                               kind=args.kind, limit=1000)
    for c in cases:
        when = c.opened_at.strftime("%Y-%m-%d %H:%M")
        member = c.member_name or "-"
        held = " [blocks redeeming]" if c.block_redeem and c.status == "open" else ""
        print(f"{str(c.id)[:8]}  {when}  {_pad(c.kind, 17)}  {_pad(c.status, 8)}  {_pad(member, 12)}  "
              f"{c.points_flagged:>6}  {c.reason}{held}")
    print(f"{len(cases)} case(s)")
    return EXIT_OK


def _risk_scan(db: Database, args: argparse.Namespace) -> int:
    from . import risk

    report = risk.scan(db, _system(db))
    print(f"checked {report.members:,} member(s) who earned lately; {report.cases:,} case(s) opened or extended")
    return EXIT_OK


_HANDLERS = {
    ("db", "upgrade"): _db_upgrade,
    ("demo", None): _demo,
    ("check", None): _check,
    ("sync", None): _sync,
    ("sync", "prune"): _sync_prune,
    ("expire", None): _expire,
    ("tiers", "evaluate"): _tiers_evaluate,
    ("points", "import"): _points_import,
    ("catalog", "import"): _catalog_import,
    ("catalog", "export"): _catalog_export,
    ("staff", "add"): _staff_add,
    ("tasks", "list"): _tasks_list,
    ("reviews", "list"): _reviews_list,
    ("risk", "scan"): _risk_scan,
}
