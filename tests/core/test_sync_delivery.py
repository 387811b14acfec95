"""Exactly once: batches delivered once, twice, three times, reordered, with lost acknowledgements.

Peers' offline loyalty doubled points when an upload was retried; here the
chain's inbox recognises every event by the id the store gave it.
"""
from __future__ import annotations

import json
import random
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from pointsmall.models import PointEntry, SyncInbox
from pointsmall.sync import EventContentMismatch, OutboxOutOfStep, Sender, receive, replica_sender
from pointsmall.sync import outbox
from pointsmall.sync.codec import canonical, digest
from pointsmall.sync.errors import EventDamaged, ReplicaOfAnotherStore

from .sync_support import (
    add_store,
    assert_agree,
    assert_chain_clean,
    award,
    balance,
    chain,  # noqa: F401 - fixture
    chain_member,
    new_store,
    sync,
)


def _offline_work(store, member_ids, n):  # type: ignore[no-untyped-def]
    for i in range(n):
        award(store.db, store.cashier, member_ids[i % len(member_ids)], 10 + i)


def _entries(db) -> int:  # type: ignore[no-untyped-def]
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(PointEntry)) or 0


@pytest.mark.parametrize("times", [1, 2, 3])
def test_each_batch_delivered_n_times_is_applied_once(chain, tmp_path, times):  # noqa: F811
    member_ids = [chain_member(chain) for _ in range(3)]
    store = new_store(chain, "S02", tmp_path)
    _offline_work(store, member_ids, 12)
    outbox.seal(store.db)
    events = outbox.unacked(store.db, 100)
    assert [e.seq for e in events] == list(range(1, 13))
    before = _entries(chain.db)
    for start in range(0, 12, 4):
        for _ in range(times):
            got = receive(chain.db, replica_sender(store.db), events[start:start + 4])
            assert got.applied_through == start + 4
    assert _entries(chain.db) == before + 12
    expected = {m: sum(10 + i for i in range(12) if i % 3 == k) for k, m in enumerate(member_ids)}
    assert {m: balance(chain.db, m) for m in member_ids} == expected
    sync(store, chain)  # the store never heard the acknowledgements: it sends again and is told "already had"
    assert _entries(chain.db) == before + 12
    assert_agree(store, chain)
    assert_chain_clean(chain)


def test_reordered_batches_wait_for_their_predecessors(chain, tmp_path):  # noqa: F811
    member_ids = [chain_member(chain) for _ in range(2)]
    store = new_store(chain, "S02", tmp_path)
    _offline_work(store, member_ids, 9)
    outbox.seal(store.db)
    events = outbox.unacked(store.db, 100)
    batches = [events[0:3], events[3:6], events[6:9]]
    got = receive(chain.db, replica_sender(store.db), batches[2])
    assert (got.applied, got.held_back, got.applied_through) == (0, 3, 0)
    got = receive(chain.db, replica_sender(store.db), batches[1] + batches[0])  # one batch, out of order inside
    assert (got.applied, got.applied_through) == (6, 6)
    got = receive(chain.db, replica_sender(store.db), batches[2] + batches[0])
    assert (got.applied, got.repeated, got.applied_through) == (3, 3, 9)
    shuffled = events[:]
    random.Random(7).shuffle(shuffled)
    got = receive(chain.db, replica_sender(store.db), shuffled)
    assert (got.applied, got.repeated) == (0, 9)
    with chain.db.read() as session:
        assert session.scalar(select(func.count()).select_from(SyncInbox)) == 9
    sync(store, chain)
    assert_agree(store, chain)
    assert_chain_clean(chain)


def test_lost_acknowledgements_then_the_pull_alone_does_not_count_points_twice(chain, tmp_path):  # noqa: F811
    member_id = chain_member(chain, points=100)
    store = new_store(chain, "S02", tmp_path)
    award(store.db, store.cashier, member_id, 40)
    outbox.seal(store.db)
    receive(chain.db, replica_sender(store.db), outbox.unacked(store.db, 10))  # applied; the answer never arrives
    from pointsmall.sync.pull import pull
    pull(store.db, chain.db)  # the snapshot says event 1 is applied: it is no longer pending
    assert balance(store.db, member_id) == 140 == balance(chain.db, member_id)
    assert_agree(store, chain)


def test_a_repeat_with_other_content_stops_the_sync(chain, tmp_path):  # noqa: F811
    member_id = chain_member(chain)
    store = new_store(chain, "S02", tmp_path)
    award(store.db, store.cashier, member_id, 40)
    outbox.seal(store.db)
    [event] = outbox.unacked(store.db, 10)
    receive(chain.db, replica_sender(store.db), [event])
    payload = json.loads(event.payload)
    for name, row in payload["rows"]:
        if name == "point_entries":
            row["points"] = 4000
    forged = canonical(payload)
    with pytest.raises(EventContentMismatch) as refused:
        receive(chain.db, replica_sender(store.db), [replace(event, payload=forged, digest=digest(forged))])
    assert "different content" in refused.value.message
    other_id = replace(event, event_id=outbox.new_id())
    with pytest.raises(OutboxOutOfStep):
        receive(chain.db, replica_sender(store.db), [other_id])
    assert balance(chain.db, member_id) == 40


def test_an_event_sent_again_under_a_new_number_stops_the_sync_and_applies_nothing(chain, tmp_path):  # noqa: F811
    """The inbox does not probe new numbers for known ids: its primary key stops the whole batch instead."""
    member_id = chain_member(chain)
    store = new_store(chain, "S02", tmp_path)
    award(store.db, store.cashier, member_id, 40)
    award(store.db, store.cashier, member_id, 5)
    outbox.seal(store.db)
    first, second = outbox.unacked(store.db, 10)
    receive(chain.db, replica_sender(store.db), [first])
    entries = _entries(chain.db)
    renumbered = replace(first, seq=second.seq)  # event 1's id and bytes, now as number 2
    with pytest.raises(EventContentMismatch) as refused:
        receive(chain.db, replica_sender(store.db), [renumbered])
    assert str(first.event_id) in refused.value.message
    assert balance(chain.db, member_id) == 40 and _entries(chain.db) == entries
    got = receive(chain.db, replica_sender(store.db), [second])  # the real number 2 still goes in
    assert got.applied == 1 and balance(chain.db, member_id) == 45



def test_a_computer_that_changes_its_store_code_is_stopped_with_words_to_act_on(chain, tmp_path):  # noqa: F811
    member_id = chain_member(chain)
    store = new_store(chain, "S02", tmp_path)
    add_store(chain, "S03")
    award(store.db, store.cashier, member_id, 40)
    outbox.seal(store.db)
    events = outbox.unacked(store.db, 10)
    as_other = Sender(replica_sender(store.db).replica_id, "S03")  # the store code changed in the settings
    with pytest.raises(ReplicaOfAnotherStore) as refused:
        receive(chain.db, as_other, events)
    assert "store S02 before" in refused.value.message and "Database and sync" in refused.value.message
    assert balance(chain.db, member_id) == 0
    damaged = replace(events[0], digest="0" * 64)
    with pytest.raises(EventDamaged):
        receive(chain.db, replica_sender(store.db), [damaged])
    assert balance(chain.db, member_id) == 0
