"""``pointsmall-admin tiers evaluate`` and ``risk scan`` are head office's jobs: refused on a store's replica (issue 6).

The tier a replica's evaluation set would be overwritten by the next pull of each member, and the cases its scan
opened would stay on the store's computer; the command says so and writes nothing (not even the month's claim).
A tier-up from a purchase at the offline till is the store's own award and still happens.
"""
from __future__ import annotations

from sqlalchemy import func, select

from pointsmall.cli import main
from pointsmall.models import Member, Tier, TierChange, TierEvaluation

from .sync_support import chain, login, open_replica  # noqa: F401 - fixture
from .sync_support import add_store, award, chain_member


def _args(chain, path, *command):  # type: ignore[no-untyped-def]
    return [*command, "--chain", chain.db.url, "--store", "S02", "--db", f"sqlite+pysqlite:///{path}"]


def test_the_jobs_are_refused_on_a_replica_and_a_tier_up_at_the_till_still_happens(chain, tmp_path,
                                                                                     capsys):  # noqa: F811
    member_id = chain_member(chain, "升级会员")
    add_store(chain, "S02")
    path = tmp_path / "replica.db"
    assert main(_args(chain, path, "sync")) == 0
    capsys.readouterr()
    assert main(_args(chain, path, "tiers", "evaluate")) == 2
    assert "The monthly tier evaluation needs the connection to head office" in capsys.readouterr().err
    assert main(_args(chain, path, "risk", "scan")) == 2
    assert "The abuse scan needs the connection to head office" in capsys.readouterr().err
    replica = open_replica(path)
    from pointsmall.sync import attach_replica

    attach_replica(replica, "S02")
    with replica.read() as session:
        assert session.scalar(select(func.count()).select_from(TierEvaluation)) == 0
        silver_id, threshold = session.execute(select(Tier.id, Tier.threshold).where(Tier.rank == 1)).one()
        # (the threshold is spend in fen: the default basis)
    store = login(chain, "S02", replica)
    award(store.db, store.cashier, member_id, threshold // 100 + 1)  # a purchase of threshold + ¥1
    with replica.read() as session:
        member = session.get(Member, member_id)
        assert member is not None and member.tier_id == silver_id  # upgraded offline, at the till
        assert session.scalar(select(func.count()).select_from(TierChange)
                              .where(TierChange.member_id == member_id, TierChange.kind == "upgrade")) == 1
    replica.dispose()
    # At head office (online) the same commands run.
    assert main(["tiers", "evaluate", "--mode", "online", "--chain", chain.db.url]) == 0
    assert main(["risk", "scan", "--mode", "online", "--chain", chain.db.url]) == 0
