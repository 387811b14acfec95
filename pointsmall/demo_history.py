"""Demo purchase histories, simulated member by member as the services record them.

For each member this replays about 26 months in time order, with the rules
of ``purchases``, ``ledger`` and ``tiers`` (earning with tier and campaign
multipliers, one lot per award, refunds drawn from the purchase's own lot
first, the monthly expiry job, immediate upgrades and the monthly
evaluation's one-step downgrades) and emits the final rows: nothing is ever
updated afterwards, which the append-only tables require anyway.

Rows are tuples in the column order of ``COLUMNS``; instants are naive UTC
text as SQLAlchemy stores them in SQLite, ids are 32-digit hex. Ids other
than members' are UUIDv7s made in load order (the chunk number in the
millisecond field, a counter after it), so every primary-key index is
appended to rather than sprayed; members' ids carry their join time.
"""
from __future__ import annotations

import bisect
import math
import random
from datetime import date

from . import demo_people as people
from .clock import add_months
from .demo_plan import COLUMNS, Calendar, Checkpoint, Chunk, ChunkRows, Plan, checkpoints, history_start, \
    join_instant
from .ledger import lot_expiry
from .purchases import earn_points
from .tiers import TierView, qualifying

# (share, purchases a year, median ticket in yuan, spread): most members are
# occasional shoppers; a few big spenders make the gold and diamond tiers.
_V7, _VARIANT = 0x7 << 76, 0x2 << 62  # the version and variant bits of a UUIDv7
SEGMENTS = ((0.47, 1.35, 55, 0.55), (0.32, 3.35, 110, 0.55), (0.14, 7.4, 240, 0.5), (0.055, 13.6, 480, 0.45),
            (0.015, 25.0, 1000, 0.4))
_ADJUSTMENTS = (("goodwill", "顾客投诉补偿"), ("goodwill", "商品缺货补偿"), ("promotion", "会员日活动赠送"),
                ("promotion", "生日月双倍积分补发"), ("migration", "旧会员系统积分迁移"), ("other", "门店周年庆赠送"))
_CORRECTIONS = ("收银员重复积分更正", "退货未扣积分更正")


def member_id_hex(rnd: random.Random, join_us: int) -> str:
    return "%032x" % ((join_us // 1000) << 80 | _V7 | rnd.getrandbits(12) << 64 | _VARIANT | rnd.getrandbits(62))


def _poisson(rnd: random.Random, lam: float) -> int:
    if lam > 40:
        return max(0, round(rnd.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rnd.random()
    while p > limit:
        k += 1
        p *= rnd.random()
    return k


class _Book:
    """One member's ledger while it is replayed: balance, lots, tier, growth window."""

    __slots__ = ("mid", "balance", "seq", "lots", "tier", "review", "updated", "growth", "start", "window")

    def __init__(self, mid: str, tier: TierView, created_us: int) -> None:
        self.mid, self.tier, self.updated = mid, tier, created_us
        self.balance = self.seq = self.start = self.window = 0
        self.lots: list[list] = []  # [lot id, points, remaining, expiry ordinal, expiry text], soonest first
        self.review: str | None = None
        self.growth: list[list[int]] = []  # [instant, value] in time order: what counts towards the tier


class _Sale:
    """A purchase while it is replayed, with what its refunds have taken back so far."""

    __slots__ = ("us", "day", "fen", "receipt", "id", "points", "refunded", "reversed", "entry")

    def __init__(self, us: int, day: int, fen: int) -> None:
        self.us, self.day, self.fen = us, day, fen
        self.receipt = self.id = ""
        self.points = self.refunded = self.reversed = 0
        self.entry: str | None = None


class ChunkHistory:
    """Members ``chunk.first ...`` with their histories, as rows."""

    def __init__(self, plan: Plan, chunk: Chunk) -> None:
        self.plan, self.chunk, self.cal = plan, chunk, Calendar(plan.tz)
        self.rnd = random.Random()
        self._bits = random.Random()  # the random part of ids may differ between runs
        # 12 bits of the counter in rand_a, 16 after the variant, 44 random bits: unique in the chunk, and
        # the chunk number in the millisecond field keeps chunks apart and in load order.
        self._id_prefix = "%012x7" % (plan.id_ms + chunk.index)
        self._id_suffix = "%011x" % self._bits.getrandbits(44)
        self._counter = 0
        self.out = ChunkRows(chunk.index, {table: [] for table in COLUMNS})
        self._entries = self.out.rows["point_entries"]
        self._draws = self.out.rows["lot_draws"]
        self._since: dict[int, int] = {}
        self._expiry: dict[int, int] = {}
        self._checkpoints = checkpoints(plan, self.cal)
        self._checkpoint_times = [cp.expire_us for cp in self._checkpoints]
        self._campaigns = [(c.starts_on.toordinal(), c.ends_on.toordinal(), c.multiplier_permille, c.tier_codes,
                            c.name) for c in plan.campaigns if c.active]
        self._lower = {t.rank: max((x for x in plan.tiers if x.rank < t.rank), key=lambda x: x.rank, default=t)
                       for t in plan.tiers}
        self._spend = plan.rules.tier_basis == "spend"
        self._ladder = list(plan.tiers)
        self._next_threshold = {t.rank: min((x.threshold for x in plan.tiers if x.rank > t.rank), default=2**62)
                                for t in plan.tiers}
        self._base_rate = plan.rules.base_rate_permille
        self._cashier = plan.staff["cashier"]
        self._purchases = self.out.rows["purchases"]
        self.today = plan.today.toordinal()
        self.first_day = history_start(plan.today).toordinal()
        self._soon = self.today + 31

    def new_id(self) -> str:
        """UUIDv7: the load's millisecond plus the chunk number, then a counter, then random bits."""
        self._counter += 1
        c = self._counter
        return "%s%03x8%04x%s" % (self._id_prefix, c >> 16, c & 0xFFFF, self._id_suffix)

    def run(self) -> ChunkRows:
        plan, chunk, rnd = self.plan, self.chunk, self.rnd
        keys = people.phone_keys(plan.seed)
        for number in range(chunk.first, chunk.first + chunk.count):
            rnd.seed(plan.seed << 40 | number)  # each member's own stream: the same whatever the chunking
            join = join_instant(plan, self.cal, number, rnd.random())
            card = people.card_code(people.card_serial(number, plan.members, rnd.random()))
            self._member(number, join, people.phone_for(number, keys), card)
        return self.out

    # -- the ledger, as ledger.post does it -----------------------------------

    def _post(self, book: _Book, kind: str, points: int, us: int, day: int, staff: str, *, reason: str | None = None,
              note: str = "", reference: str = "", purchase: str | None = None, approved: str | None = None,
              prefer: str | None = None, review_reason: str = "", ts: str | None = None) -> str:
        eid = self.new_id()
        book.seq += 1
        after = book.balance + points
        self._entries.append((eid, book.mid, book.seq, kind, points, after, reason, note, reference, purchase, staff,
                              approved, self.plan.store_id, ts or self.cal.text(us), self.cal.date_text(day), None))
        if points > 0:
            expires = self._expiry.get(day)
            if expires is None:
                months = self.plan.rules.expiry_months
                expires = self._expiry[day] = lot_expiry(date.fromordinal(day), months).toordinal()
            repay = min(points, max(0, -book.balance))  # points arriving while in debt repay it first
            book.lots.append([eid, points, points - repay, expires, self.cal.date_text(expires)])
            if repay:
                self._draws.append((eid, eid, repay))
        elif self._draw(book, eid, -points, prefer) < -points:
            book.review = review_reason  # only reversals may take the balance below zero
        book.balance, book.updated = after, us
        return eid

    def _draw(self, book: _Book, eid: str, needed: int, prefer: str | None) -> int:
        open_lots = [lot for lot in book.lots if lot[2] > 0]
        if prefer is not None:
            open_lots.sort(key=lambda lot: lot[0] != prefer)
        taken = 0
        for lot in open_lots:
            if taken == needed:
                break
            take = min(lot[2], needed - taken)
            lot[2] -= take
            taken += take
            self._draws.append((eid, lot[0], take))
        return taken

    def _growth(self, book: _Book, day: int) -> int:
        since = self._since.get(day)
        if since is None:
            start = add_months(date.fromordinal(day), -self.plan.rules.tier_window_months).toordinal()
            since = self._since[day] = self.cal.instant(start, 0)
        g, i, total = book.growth, book.start, book.window
        while i < len(g) and g[i][0] < since:
            total -= g[i][1]
            i += 1
        book.start, book.window = i, total
        return total

    def _tier_change(self, book: _Book, kind: str, new: TierView, reason: str, staff: str, us: int) -> None:
        self.out.rows["tier_changes"].append((self.new_id(), book.mid, kind, book.tier.id, new.id, reason, staff,
                                              self.plan.store_id, self.cal.text(us)))
        book.tier, book.updated = new, us

    # -- the events -------------------------------------------------------------

    def _purchase(self, book: _Book, sale: _Sale) -> None:
        us, day, amount, tier = sale.us, sale.day, sale.fen, book.tier
        active = [(m, name) for start, end, m, codes, name in self._campaigns
                  if start <= day <= end and (not codes or tier.code in codes)]
        if active:
            points = earn_points(amount, self.plan.rules, tier, [m for m, _ in active])
        else:  # earn_points without campaigns, inlined: the same integer arithmetic
            points = amount * self._base_rate * tier.multiplier_permille // 100_000_000
        sale.points = points
        sale.id = pid = self.new_id()
        staff, ts, day_text, store = self._cashier, self.cal.text(us), self.cal.date_text(day), self.plan.store_id
        self._purchases.append((pid, store, sale.receipt, book.mid, amount, points, staff, ts, day_text))
        if points > 0:  # ledger.post for an award, inlined: the hot path of a large load
            sale.entry = eid = self.new_id()
            book.seq += 1
            balance = book.balance
            self._entries.append((eid, book.mid, book.seq, "earn", points, balance + points, None,
                                  " × ".join(n for _, n in active) if active else "", sale.receipt, pid, staff, None,
                                  store, ts, day_text, None))
            expires = self._expiry.get(day)
            if expires is None:
                months = self.plan.rules.expiry_months
                expires = self._expiry[day] = lot_expiry(date.fromordinal(day), months).toordinal()
            repay = min(points, -balance) if balance < 0 else 0  # points arriving in debt repay it first
            book.lots.append([eid, points, points - repay, expires, self.cal.date_text(expires)])
            if repay:
                self._draws.append((eid, eid, repay))
            book.balance, book.updated = balance + points, us
        if self._spend:
            book.growth.append([us, amount])
            book.window += amount
        elif points > 0:
            book.growth.append([us, points])
            book.window += points
        # The window's total only shrinks as it slides: no upgrade unless it could reach the next tier.
        if book.window >= self._next_threshold[tier.rank]:
            value = self._growth(book, day)
            target = qualifying(self._ladder, value)
            if target.rank > tier.rank:
                self._tier_change(book, "upgrade", target, f"growth {value}", staff, us)

    def _refund(self, book: _Book, sale: _Sale, index: int, us: int, amount: int, number: str) -> None:
        """As purchases.refund_purchase: cumulative, so partial refunds never take back too much."""
        points = sale.points * (sale.refunded + amount) // sale.fen - sale.reversed
        sale.refunded += amount
        sale.reversed += points
        staff = self.plan.staff["manager"]
        self.out.rows["refunds"].append((self.new_id(), sale.id, book.mid, self.plan.store_id, number, amount,
                                         points, staff, self.cal.text(us)))
        if points > 0:
            self._post(book, "refund_reversal", -points, us, self.cal.local_day(us), staff, reference=number,
                       note=f"receipt {sale.receipt}", purchase=sale.id, prefer=sale.entry,
                       review_reason=f"refund {number} of receipt {sale.receipt} took the balance below zero")
        if self._spend:
            book.growth[index][1] -= amount
            if index >= book.start:
                book.window -= amount
        elif points > 0:
            book.growth.append([us, -points])
            book.window -= points

    def _adjust(self, book: _Book, us: int, points: int) -> None:
        rnd, day = self.rnd, self.cal.local_day(us)
        if points < 0:
            points = -min(-points, book.balance)
            if points == 0:
                return
            reason, note = "correction", rnd.choice(_CORRECTIONS)
        else:
            reason, note = rnd.choice(_ADJUSTMENTS)
        approved = self.plan.staff["admin"] if abs(points) > self.plan.rules.adjust_limit else None
        self._post(book, "adjust", points, us, day, self.plan.staff["manager"], reason=reason, note=note,
                   approved=approved)

    def _checkpoint(self, book: _Book, cp: Checkpoint) -> None:
        lots = book.lots
        if lots and lots[0][3] < cp.ordinal:
            due = [lot for lot in lots if lot[3] < cp.ordinal and lot[2] > 0]
            total = sum(lot[2] for lot in due)
            if total:
                eid = self.new_id()
                book.seq += 1
                book.balance -= total
                self._entries.append((eid, book.mid, book.seq, "expire", -total, book.balance, None, cp.note, "",
                                      None, self.plan.staff["system"], None, self.plan.store_id,
                                      self.cal.text(cp.expire_us), self.cal.date_text(cp.ordinal), None))
                for lot in due:
                    self._draws.append((eid, lot[0], lot[2]))
                    lot[2] = 0
                book.updated = cp.expire_us
        if cp.evaluate_us is not None and book.tier.rank > 0:
            value = self._growth(book, cp.ordinal)
            current = book.tier
            if value < current.retention:
                self._tier_change(book, "downgrade", self._lower[current.rank],
                                  f"evaluation {cp.period}: growth {value} < {current.retention}",
                                  self.plan.staff["system"], cp.evaluate_us)
                self.out.downgrades[cp.period] = self.out.downgrades.get(cp.period, 0) + 1

    # -- one member ---------------------------------------------------------------

    def _member(self, number: int, join_us: int, phone: str, card: str) -> None:
        rnd, cal, plan = self.rnd, self.cal, self.plan
        join_day = cal.local_day(join_us)
        name = people.random_name(rnd)
        birthday = people.random_birthday(rnd, plan.today)
        consent = rnd.random() < 0.7
        mid = member_id_hex(self._bits, join_us)
        book = _Book(mid, plan.tiers[0], join_us)
        sales, events = self._events(join_us, join_day)
        for n, sale in enumerate(sales, start=1):
            sale.receipt = f"DEMO-{number + 1:07d}-{n:03d}"
        cps, next_cp, cp_times = self._checkpoints, 0, self._checkpoint_times
        for us, kind, what in events:
            if next_cp < len(cps) and cp_times[next_cp] <= us:
                due = bisect.bisect_right(cp_times, us, next_cp)
                # Most members have nothing to expire yet and no tier to lose: skip their month-ends.
                if book.tier.rank or (book.lots and book.lots[0][3] < cps[due - 1].ordinal):
                    for cp in cps[next_cp:due]:
                        self._checkpoint(book, cp)
                next_cp = due
            if kind == 0:
                self._purchase(book, what)
            elif kind == 1:
                index, amount, counter = what
                self._refund(book, sales[index], index, us, amount, f"DEMO-R{number + 1:07d}-{counter:03d}")
            else:
                self._adjust(book, us, what)
        if book.lots or book.tier.rank:
            for cp in cps[next_cp:]:
                self._checkpoint(book, cp)
        rows = self.out.rows
        rows["members"].append((
            mid, card, phone, phone[-4:], name,
            birthday.isoformat() if birthday else None, cal.date_text(join_day), plan.store_id, "active", consent,
            book.tier.id, None, None, None, book.balance, book.seq, book.review is not None, book.review,
            cal.text(join_us), cal.text(book.updated),
        ))
        rows["member_search_terms"].extend((term, mid) for term in people.name_terms(name))
        rows["point_lots"].extend((lot[0], lot[0], mid, lot[1], lot[2], lot[4]) for lot in book.lots)
        self.out.tiers[book.tier.id] = self.out.tiers.get(book.tier.id, 0) + 1
        if any(lot[2] and lot[3] <= self._soon for lot in book.lots):
            self.out.expiring += 1

    def _events(self, join_us: int, join_day: int) -> tuple[list[_Sale], list[tuple]]:
        """The member's purchases, and ``(instant, kind, what)`` for purchases, refunds, adjustments by time."""
        rnd, cal = self.rnd, self.cal
        start, end = max(join_day, self.first_day), self.today - 1
        if start > end:
            return [], []
        x, share = rnd.random(), 0.0
        for share_, per_year, median, spread in SEGMENTS:
            share += share_
            if x < share:
                break
        if rnd.random() < 0.25:
            end = rnd.randint(start, end)  # stopped coming
        count = _poisson(rnd, per_year * (end - start + 1) / 365.25)
        span = end - start + 1
        days = sorted(start + int(rnd.random() * span) for _ in range(count))
        joined_here = join_day >= self.first_day
        if joined_here and not days and rnd.random() < 0.7:
            days = [join_day]
        sales = []
        mu = math.log(median * 100)
        cap = self.plan.rules.max_purchase_fen
        for n, day in enumerate(days):
            if joined_here and n == 0:
                day, us = join_day, join_us + rnd.randint(60, 900) * 1_000_000  # signed up at the till
            else:
                us = cal.instant(day, int(rnd.random() * 46_800_000_000) + 32_400_000_000)  # open 09:00-22:00
            fen = min(cap, max(500, int(rnd.lognormvariate(mu, spread)) // 10 * 10))
            sales.append(_Sale(us, day, fen))
        sales.sort(key=lambda sale: sale.us)
        events: list[tuple] = [(sale.us, 0, sale) for sale in sales]
        refunds = 0
        for index, sale in enumerate(sales):
            if rnd.random() < 0.025:
                us = sale.us + rnd.randint(2 * 3600, 10 * 86_400) * 1_000_000
                if us < self.plan.now_us - 60_000_000:
                    refunds += 1
                    fen = sale.fen if rnd.random() < 0.6 else max(100, sale.fen * rnd.randint(20, 80) // 100)
                    events.append((us, 1, (index, fen, refunds)))
        if sales and rnd.random() < 0.03:
            day = rnd.randint(sales[0].day, self.today - 1)
            points = -rnd.choice((20, 50, 100)) if rnd.random() < 0.3 else rnd.choice((20, 50, 100, 200, 500, 800))
            events.append((cal.instant(day, rnd.randrange(10 * 3600, 20 * 3600) * 1_000_000), 2, points))
        events.sort(key=lambda e: e[0])
        return sales, events


def generate_chunk(plan: Plan, chunk: Chunk) -> ChunkRows:
    return ChunkHistory(plan, chunk).run()
