"""``pointsmall sync``, ``pointsmall sync prune`` and ``pointsmall check --chain``: what the command line prints."""
from __future__ import annotations

import sys
from typing import TextIO

from .. import check
from ..db import Database
from ..errors import DomainError
from .engine import first_pull, sync_once, sync_status
from .errors import SyncStopped
from .pull import prune
from .verify import verify_replica


class PruneNeedsHeadOffice(DomainError):
    template = ("Pruning the change log is head office's job: run it on the chain's PostgreSQL "
                "(pointsmall-admin sync prune --chain URL), not on {database}.")


class ChainSchemaMismatch(DomainError):
    template = ("Head office's database is at schema {theirs}, this program at {ours}: "
                "update the program or head office's database first.")


def open_chain(url: str) -> Database:
    chain = Database.open(url)
    theirs, ours = chain.current_revision(), chain.head_revision()
    if theirs != ours:
        chain.dispose()
        raise ChainSchemaMismatch(theirs=theirs or "empty", ours=ours)
    return chain


def run_sync(replica: Database, chain_url: str, out: TextIO | None = None) -> bool:
    """Push and pull once (a first pull for a new store); True when it all went through."""
    out = out or sys.stdout  # looked up per call: a default bound at import outlives a replaced stdout
    chain = open_chain(chain_url)
    try:
        def progress(phase: str, done: int, total: int) -> None:
            if total and (done == total or done % 100_000 < 20_000):
                print(f"  {phase}: {done:,} of {total:,}", file=out)

        if not sync_status(replica).first_pull_done:
            print("first pull from head office:", file=out)
            pulled = first_pull(replica, chain, progress)
            print(f"  {pulled.rows:,} rows", file=out)
        report = sync_once(replica, chain, progress=progress)
        status = sync_status(replica)
        print(f"store {status.store_id}: pushed {report.pushed:,} event(s) ({report.repeated:,} already there), "
              f"pulled {report.pulled:,} row(s) in {report.seconds:.2f} s", file=out)
        print(f"confirmed through event {status.confirmed_through:,}; {status.pending_events:,} waiting", file=out)
        for line in report.conflicts:
            print(f"  review case {line}", file=out)
        for line in report.skipped:
            print(f"  held back: {line}", file=out)
        for line in report.errors:
            print(f"  error: {line}", file=out)
        return report.ok
    finally:
        chain.dispose()


def run_check(replica: Database, chain_url: str, out: TextIO | None = None) -> bool:
    """The replica against the chain, then the chain's own reconciliation."""
    out = out or sys.stdout  # looked up per call: a default bound at import outlives a replaced stdout
    chain = open_chain(chain_url)
    try:
        mirrored = verify_replica(replica, chain)
        print(f"replica of store {mirrored.store_id}: {mirrored.members:,} members, {mirrored.lots:,} lots, "
              f"{mirrored.items:,} items compared; waiting for head office: {mirrored.pending_events:,} event(s), "
              f"{mirrored.unsealed:,} new transaction(s)", file=out)
        own = check.run_check(chain)
        print(f"head office {chain.describe()}: {own.members:,} members, {own.entries:,} ledger entries", file=out)
        problems = mirrored.problems + [f"head office: {p}" for p in own.problems]
        if not problems:
            print("OK: the replica agrees with head office, whose balances, lots and audit chain agree with "
                  "its ledger", file=out)
            return True
        print(f"{len(problems)} problem(s):", file=out)
        for line in problems:
            print(f"  {line}", file=out)
        return False
    finally:
        chain.dispose()


def run_prune(chain: Database, out: TextIO | None = None) -> bool:
    """Delete the change log rows every known store's replica has pulled, and say what went and what holds the rest."""
    out = out or sys.stdout  # looked up per call: a default bound at import outlives a replaced stdout
    if chain.dialect != "postgresql":
        raise PruneNeedsHeadOffice(database=chain.describe())
    report = prune(chain)
    if report.below is None:
        if report.held_by is None:
            print("no store has pulled yet: nothing to prune (a new store copies everything at its first pull)",
                  file=out)
        else:
            print(f"nothing pruned: a replica of store {report.held_by} has pushed but head office has no record "
                  f"of its pull; pruning waits until it pulls again", file=out)
        print(f"{report.kept:,} change log row(s) kept", file=out)
        return True
    parts = ", ".join(f"{table} {n:,}" for table, n in report.removed.items())
    print(f"removed {report.total:,} change log row(s) every store has pulled"
          + (f" ({parts})" if parts else ""), file=out)
    since = report.held_since.strftime("%Y-%m-%d %H:%M") if report.held_since else "never"
    print(f"{report.kept:,} row(s) kept: store {report.held_by} has read up to transaction {report.below:,} "
          f"(last pull: {since})", file=out)
    return True


__all__ = ["ChainSchemaMismatch", "PruneNeedsHeadOffice", "SyncStopped", "open_chain", "run_check", "run_prune",
           "run_sync"]
