"""The one rule that decides what a viewer sees of every count of a report, and how its counts
add up (which is what a reader could use to work a hidden count out).

A report's counts about people are *cells*, named `(group, measure)`: the group is the whole
scope, a site or a month (`SCOPE`, `("site", id)`, `("month", year, month)`), the measure a
count of that group (`"visits"`, `("b", "gender", "female")`, `("t", topic_id)`...). The
*relations* are the sums a reader can check: a group's visits are the sum of its answers to each
question, of its evening and daytime visits; a scope's count is the sum of its sites' and of its
months'; a partner's referrals add up to the referrals; the rights the screening found (referred,
opened...) of every kind add up to their total; the appointments of every partner add up to their
total, and each partner's booked ones to its honoured, excused, no-show and pending...

For a viewer:
- *primary* suppression: every count below `SMALL` is hidden (« < 5 »);
- *secondary* suppression: as long as a hidden count below `SMALL` can be worked out exactly from
  the shown counts and the relations (interval propagation over every relation until nothing
  changes), one more count of a relation that holds it is hidden (« n.c. »): the smallest shown
  part, else the total.

A share, a ratio, a mean or a median is hidden when a count it is made of is hidden (`Counts`).
Counts of the service's own activity (stops, sites, presences, seats offered) are not cells: they
say nothing of anyone and are always shown.
"""

from allervers.reception.enums import ReferralStatus
from allervers.reception.questions import QUESTIONS, UNKNOWN

SMALL = 5  # a count about people below this is never shown to a viewer
PRIMARY, SECONDARY = "primary", "secondary"
SCOPE = ("scope",)
INFINITY = float("inf")
PASSES = 6

# The counts of a group that add up across sites and months (distinct people do not).
_GROUP_COUNTS = ("visits", "with_duration", "cyber_used", "evening", "without_topic")
_PARTNER_COUNTS = ("visits_seen", "referrals", "taken_up")
# The screening's counts by kind of right (a total row sums them); the whole structure's only.
SCREENING_COUNTS = ("found", "referred", "opened", "refused", "dropped")
SCREENING_TOTAL = "total"


def screening_cell(name: str, kind: str | None = None) -> tuple:
    """The measure of a screening count: the screenings made (`name` "screenings"), or a count
    of rights of one kind (`kind`, or `SCREENING_TOTAL` for every kind)."""
    return ("s", name) if kind is None else ("s", name, kind)


# The bookings' counts about people (`bookings.figures`): appointments by partner, workshop
# registrations by title; a row `BOOKINGS_TOTAL` sums each (None: no title nor partner is).
APPOINTMENT_CELLS = ("booked", "honoured", "excused", "no_show", "pending", "cancelled")
# The no-show rate's base: the appointments whose attendance says whether the person came.
NO_SHOW_BASE = "attended_or_not"
WORKSHOP_CELLS = ("registered", "present", "absent", "unrecorded", "waiting")
BOOKINGS_TOTAL = None


def appointment_cell(name: str, key: str | None) -> tuple:
    """The measure of an appointments' count of one partner (`key`) or of all (`BOOKINGS_TOTAL`)."""
    return ("ap", name, key)


def workshop_cell(name: str, title: str | None) -> tuple:
    """The measure of a registrations' count of workshops of one title, or of all."""
    return ("ws", name, title)


def _booking_counts(bookings: dict | None) -> dict:
    counts: dict = {}
    if not bookings:
        return counts
    appointments = bookings["appointments"]
    for key, row in [(row["key"], row) for row in appointments["rows"]] + [
        (BOOKINGS_TOTAL, appointments["total"])
    ]:
        for name in APPOINTMENT_CELLS:
            counts[appointment_cell(name, key)] = row[name]
        counts[appointment_cell(NO_SHOW_BASE, key)] = row["honoured"] + row["no_show"]
    workshops = bookings.get("workshops")
    if workshops:
        for title, row in [(row["title"], row) for row in workshops["rows"]] + [
            (BOOKINGS_TOTAL, workshops["total"])
        ]:
            for name in WORKSHOP_CELLS:
                counts[workshop_cell(name, title)] = (
                    row["registered"] - row["present"] - row["absent"]
                    if name == "unrecorded"
                    else row[name]
                )
    return counts


def _booking_sums(counts: dict) -> list[tuple]:
    """The bookings' sums: within a partner or a title, and across them."""
    sums = []
    keys = {key[2] for key in counts if isinstance(key, tuple) and key[0] == "ap"}
    for key in keys:
        booked = [appointment_cell(name, key) for name in ("honoured", "excused", "no_show")]
        sums.append((appointment_cell("booked", key), [*booked, appointment_cell("pending", key)]))
        sums.append((appointment_cell(NO_SHOW_BASE, key), [booked[0], booked[2]]))
    titles = {key[2] for key in counts if isinstance(key, tuple) and key[0] == "ws"}
    for title in titles:
        parts = [workshop_cell(name, title) for name in ("present", "absent", "unrecorded")]
        sums.append((workshop_cell("registered", title), parts))
    for names, cell, members in (
        ((*APPOINTMENT_CELLS, NO_SHOW_BASE), appointment_cell, keys),
        (WORKSHOP_CELLS, workshop_cell, titles),
    ):
        for name in names:
            parts = [cell(name, member) for member in members if member != BOOKINGS_TOTAL]
            if parts:
                sums.append((cell(name, BOOKINGS_TOTAL), parts))
    return sums


def group_key(row: dict | None) -> tuple:
    """The group of a site's or a month's row of a report, or the scope (`None`)."""
    if row is None:
        return SCOPE
    if "site_id" in row:
        return ("site", row["site_id"])
    if "month" in row:
        return ("month", row["year"], row["month"])
    return ("row", row.get("name", ""))  # a closed year's older row: its own group


SHARED = [question for question in QUESTIONS if question.share is not None]


def share_cells(question) -> tuple[tuple, tuple]:
    """The measures of a question's key share: the answer counted and the known answers."""
    return ("b", question.report_key, question.share.value), ("known", question.report_key)


def _group_counts(figures: dict) -> dict:
    """The cells of one group, from a report's group row (a site, a month) or its scope."""
    visits = figures["visits"]
    counts: dict = {name: visits.get(name, 0) for name in _GROUP_COUNTS if name in visits}
    counts["people"] = visits.get("people", 0)
    if "at_presence" in visits:
        counts["at_presence"] = visits["at_presence"]
        counts["evening_at_presence"] = visits.get("evening_at_presence", 0)
        counts["day_at_presence"] = counts["at_presence"] - counts["evening_at_presence"]
    counts["day"] = counts["visits"] - counts.get("evening", 0)
    for question, answers in (figures.get("breakdowns") or {}).items():
        for value, _label, n in answers:
            counts[("b", question, value)] = n
        counts[("known", question)] = sum(n for value, _l, n in answers if value != UNKNOWN)
    for question in QUESTIONS:
        share = question.share
        if share is not None and share.part in visits:
            part, known = share_cells(question)
            counts.setdefault(part, visits[share.part])
            counts.setdefault(known, visits[share.known])
            counts.setdefault(("b", question.report_key, UNKNOWN), counts["visits"] - counts[known])
    referrals = figures["referrals"]
    counts["referrals"] = referrals.get("total", referrals.get("referrals", 0))
    for status in ReferralStatus.values:
        counts[status] = referrals.get(status, 0)
    for topic_id, n in (figures.get("topics") or {}).items():
        counts[("t", str(topic_id))] = n
    for partner_id, row in (figures.get("partners") or {}).items():
        for name in _PARTNER_COUNTS:
            counts[("p", name, str(partner_id))] = row.get(name, 0)
    cyber = figures.get("cyber")
    if cyber:
        counts[("c", "seats_used")] = cyber.get("seats_used") or 0
        counts[("c", "people")] = cyber.get("people") or 0
    screening = figures.get("screening")
    if screening:
        counts[screening_cell("screenings")] = screening["screenings"]
        rows = [(row["kind"], row) for row in screening["kinds"]]
        for kind, row in [*rows, (SCREENING_TOTAL, screening["total"])]:
            for name in SCREENING_COUNTS:
                counts[screening_cell(name, kind)] = row[name] or 0
    counts.update(_booking_counts(figures.get("bookings")))
    return counts


def _zero_when_absent(measure) -> bool:
    """A topic or a partner missing from a group's figures: none there."""
    return isinstance(measure, tuple) and measure[0] in ("t", "p")


def _month_count(measure) -> bool:
    """A count of a month that a viewer reads: those of the table « Par mois »."""
    if isinstance(measure, tuple):
        return measure[0] == "known" or (
            measure[0] == "b" and any(share_cells(q)[0] == measure for q in SHARED)
        )
    return measure in ("visits", "with_duration", "referrals", "taken_up", "at_presence")


def _scope_figures(report: dict) -> dict:
    """The scope's figures in the shape of a group row."""
    return {
        "visits": report["visits"],
        "breakdowns": report.get("breakdowns"),
        "referrals": report["referrals"],
        "topics": {
            str(row.get("topic_id", row["name"])): row["count"] for row in report.get("topics", [])
        },
        "partners": {
            str(row.get("partner_id", row["name"])): row for row in report.get("partners", [])
        },
        "cyber": report.get("cyber"),
        "screening": report.get("screening"),
        "bookings": report.get("bookings"),
    }


def _row_figures(row: dict) -> dict:
    return {
        "visits": row,
        "breakdowns": row.get("breakdowns"),
        "referrals": row,
        "topics": row.get("topics"),
        "partners": row.get("partners"),
        "cyber": row.get("cyber"),
    }


def _within(counts: dict) -> list[tuple]:
    """The sums inside one group: (total, parts) by measure."""
    sums = [("visits", ["evening", "day"])]
    if "at_presence" in counts:
        sums.append(("at_presence", ["evening_at_presence", "day_at_presence"]))
    questions = {key[1] for key in counts if isinstance(key, tuple) and key[0] == "b"}
    for question in questions:
        answers = [key for key in counts if isinstance(key, tuple) and key[:2] == ("b", question)]
        sums.append(("visits", answers))
        known = ("known", question)
        if known in counts:
            sums.append((known, [key for key in answers if key[2] != UNKNOWN]))
            sums.append(("visits", [known, ("b", question, UNKNOWN)]))
    sums.append(("referrals", list(ReferralStatus.values)))
    for name in ("referrals", "taken_up"):
        parts = [key for key in counts if isinstance(key, tuple) and key[:2] == ("p", name)]
        if parts:
            sums.append((name, parts))
    for name in SCREENING_COUNTS:
        kinds = [
            key
            for key in counts
            if isinstance(key, tuple) and key[:2] == ("s", name) and key[2] != SCREENING_TOTAL
        ]
        sums.append((screening_cell(name, SCREENING_TOTAL), kinds))
    sums.extend(_booking_sums(counts))
    return sums


class Cells:
    """The counts of one report and, for a viewer, which of them are hidden and why."""

    def __init__(self, report: dict, *, masking: bool):
        self.values: dict[tuple, int] = {}
        self.relations: list[tuple[tuple, list[tuple]]] = []
        self.state: dict[tuple, str] = {}
        self.absent: set[tuple] = set()  # a partner not in a group's rows: 0, known as such
        groups = {SCOPE: _group_counts(_scope_figures(report))}
        for key in ("by_site", "by_month"):
            for row in report.get(key) or []:
                if "visits" in row:
                    counts = _group_counts(_row_figures(row))
                    if masking and key == "by_month":
                        # A viewer reads the months' main figures only (`MONTH_COUNTS`).
                        counts = {m: n for m, n in counts.items() if _month_count(m)}
                    groups[group_key(row)] = counts
        for group, counts in groups.items():
            for measure, n in counts.items():
                self.values[(group, measure)] = n or 0
            for total, parts in _within(counts):
                self._relate((group, total), [(group, part) for part in parts if part in counts])
        for kind in ("site", "month"):
            members = [group for group in groups if group[0] == kind]
            if not members:
                continue
            for measure in groups[SCOPE]:
                if measure == "people":
                    continue  # a person may come to several sites or months
                if masking and kind == "month" and not _month_count(measure):
                    continue  # not shown by month to a viewer
                if not _zero_when_absent(measure) and any(
                    measure not in groups[group] for group in members
                ):
                    continue
                parts = [(group, measure) for group in members]
                self._relate((SCOPE, measure), parts, complete=False)
        if masking:
            self._suppress()

    def _relate(self, total: tuple, parts: list[tuple], *, complete: bool = True) -> None:
        """Record `total = sum(parts)` when it holds: a group's missing cell counts 0."""
        if total not in self.values or not parts:
            return
        for part in parts:
            if part not in self.values:
                if complete:
                    return
                self.values[part] = 0
                if isinstance(part[1], tuple) and part[1][0] == "p":
                    self.absent.add(part)  # the partner's row is not shown: known to be 0
        if sum(self.values[part] for part in parts) == self.values[total]:
            self.relations.append((total, parts))

    # --- the rule -----------------------------------------------------------------------------

    def _start_bounds(self) -> tuple[dict, dict]:
        """What a reader knows of every cell before adding anything up: its value when shown,
        0–4 when shown « < 5 », at least 5 when hidden « n.c. »."""
        low, high = {}, {}
        for key, n in self.values.items():
            state = self.state.get(key)
            if state is None:
                low[key] = high[key] = n
            elif state == PRIMARY:
                low[key], high[key] = 0, SMALL - 1
            else:
                low[key], high[key] = SMALL, INFINITY
        return low, high

    @staticmethod
    def _narrow(relation, low: dict, high: dict) -> list[tuple]:
        """Narrow the bounds of the members of one relation `total = sum(parts)`; return the
        members whose bounds changed."""
        total, parts = relation
        changed = []
        parts_low = sum(low[part] for part in parts)
        unbounded = sum(1 for part in parts if high[part] == INFINITY)
        parts_high = sum(high[part] for part in parts if high[part] != INFINITY)
        if parts_low > low[total]:
            low[total] = parts_low
            changed.append(total)
        if not unbounded and parts_high < high[total]:
            high[total] = parts_high
            changed.append(total)
        for part in parts:
            others_low = parts_low - low[part]
            own_unbounded = high[part] == INFINITY
            if unbounded - own_unbounded:
                others_high = INFINITY
            else:
                others_high = parts_high - (0 if own_unbounded else high[part])
            if high[total] != INFINITY and high[total] - others_low < high[part]:
                high[part] = high[total] - others_low
                changed.append(part)
            if others_high != INFINITY and low[total] - others_high > low[part]:
                low[part] = low[total] - others_high
                changed.append(part)
        return changed

    def _bounds(self) -> tuple[dict, dict]:
        """The start bounds narrowed by every relation, pass after pass: `PASSES` passes reach
        what a reader gets by combining a table's rows with its columns (and those with the
        scope's totals); bounds narrow by whole numbers, so that going on until nothing
        changes can take as many passes as the largest count."""
        low, high = self._start_bounds()
        relevant = [relation for relation in self.relations if self._may_expose(relation)]
        for _pass in range(PASSES):
            changed = False
            for relation in relevant:
                changed |= bool(self._narrow(relation, low, high))
            if not changed:
                break
        return low, high

    def _may_expose(self, relation) -> bool:
        """Only relations with a hidden cell narrow anything."""
        total, parts = relation
        return any(key in self.state for key in (total, *parts))

    def exposed(self) -> list[tuple]:
        """The hidden small counts (1 to 4) a reader could work out exactly from what is shown.
        A zero may be: none is no one (no visit in the evening where the bus never parks in
        the evening, which the stops already say)."""
        low, high = self._bounds()
        return [
            key
            for key, state in self.state.items()
            if state == PRIMARY and self.values[key] and low[key] >= high[key]
        ]

    def _suppress(self) -> None:
        for key, n in self.values.items():
            if n < SMALL and key not in self.absent:
                self.state[key] = PRIMARY
        self._holding: dict[tuple, list[int]] = {}
        for index, (total, parts) in enumerate(self.relations):
            for key in (total, *parts):
                self._holding.setdefault(key, []).append(index)
        self._local_pass()
        for _round in range(len(self.values)):
            exposed = self.exposed()
            if not exposed:
                return
            hidden_more = False
            for key in exposed:
                hidden_more |= self._hide_one_more(key)
            if not hidden_more:
                return  # nothing left to hide (every cell of its relations is hidden)

    def _local_pass(self) -> None:
        """Relation by relation (cheap, before the whole propagation): hide one more count of a
        relation as long as it alone gives a hidden small count away."""
        pending = list(range(len(self.relations)))
        queued = set(pending)
        while pending:
            index = pending.pop()
            queued.discard(index)
            total, parts = self.relations[index]
            members = (total, *parts)
            if not any(self.state.get(key) == PRIMARY for key in members):
                continue
            low, high = {}, {}
            for key in members:
                state = self.state.get(key)
                if state is None:
                    low[key] = high[key] = self.values[key]
                elif state == PRIMARY:
                    low[key], high[key] = 0, SMALL - 1
                else:
                    low[key], high[key] = SMALL, INFINITY
            self._narrow(self.relations[index], low, high)
            if any(self.state.get(key) == PRIMARY and low[key] >= high[key] for key in members):
                hidden = self._hide_in(index)
                if hidden is None:
                    continue
                for other in (index, *self._holding.get(hidden, ())):
                    if other not in queued:
                        queued.add(other)
                        pending.append(other)

    def _hide_in(self, index: int) -> tuple | None:
        """Hide the smallest shown part of a relation, else its total; the cell hidden."""
        total, parts = self.relations[index]
        # A partner absent from a group is known to be none there: it cannot be hidden.
        shown = [part for part in parts if part not in self.state and part not in self.absent]
        if shown:
            chosen = min(shown, key=lambda part: (self.values[part], str(part)))
        elif total not in self.state:
            chosen = total
        else:
            return None
        self.state[chosen] = SECONDARY
        return chosen

    def _hide_one_more(self, key: tuple) -> bool:
        """Hide one more count near `key`: in a relation that holds it, else (every count
        there being hidden already) in a relation that holds one of those, and so on."""
        seen_cells, seen_relations = {key}, set()
        frontier = [key]
        for _depth in range(4):
            relations = [
                index
                for cell in frontier
                for index in self._holding.get(cell, ())
                if index not in seen_relations
            ]
            for index in relations:
                _total, parts = self.relations[index]
                if any(part not in self.state and part not in self.absent for part in parts):
                    return self._hide_in(index) is not None
            for index in relations:
                if self._hide_in(index) is not None:
                    return True
            seen_relations.update(relations)
            frontier = [
                cell
                for index in relations
                for cell in (self.relations[index][0], *self.relations[index][1])
                if cell not in seen_cells
            ]
            seen_cells.update(frontier)
        return False

    def hidden(self, group: tuple, measure) -> str | None:
        """PRIMARY, SECONDARY or None (shown) for a cell; a count that is no cell (not known to
        the report, e.g. of an older closed year) is hidden when small."""
        key = (group, measure)
        if key in self.values:
            return self.state.get(key)
        return None

    def value(self, group: tuple, measure) -> int:
        return self.values.get((group, measure), 0)

    def __contains__(self, key) -> bool:
        return key in self.values
