"""Reporting periods: a year, a quarter, a month or chosen dates, and the one before each."""

import datetime
from dataclasses import dataclass

from allervers.planning.calendars import MONTH_NAMES

YEAR, QUARTER, MONTH, CUSTOM = "annee", "trimestre", "mois", "dates"
# The years a report may cover (and a year be closed): dates far outside cannot be computed.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _month_end(year: int, month: int) -> datetime.date:
    if month == 12:
        return datetime.date(year, 12, 31)
    return datetime.date(year, month + 1, 1) - datetime.timedelta(days=1)


@dataclass(frozen=True)
class Period:
    kind: str
    start: datetime.date
    end: datetime.date

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls(YEAR, datetime.date(year, 1, 1), datetime.date(year, 12, 31))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> "Period":
        first = 3 * (quarter - 1) + 1
        return cls(QUARTER, datetime.date(year, first, 1), _month_end(year, first + 2))

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        return cls(MONTH, datetime.date(year, month, 1), _month_end(year, month))

    @classmethod
    def custom(cls, start: datetime.date, end: datetime.date) -> "Period":
        return cls(CUSTOM, start, end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        if self.kind == YEAR:
            return f"année {self.start.year}"
        if self.kind == QUARTER:
            quarter = (self.start.month - 1) // 3 + 1
            rank = "1er" if quarter == 1 else f"{quarter}e"
            return f"{rank} trimestre {self.start.year}"
        if self.kind == MONTH:
            return f"{MONTH_NAMES[self.start.month - 1]} {self.start.year}"
        return f"du {self.start:%d/%m/%Y} au {self.end:%d/%m/%Y}"

    def previous(self) -> "Period":
        """The period of the same kind just before: same length for chosen dates."""
        if self.kind == YEAR:
            return Period.year(self.start.year - 1)
        if self.kind == QUARTER:
            before = self.start - datetime.timedelta(days=1)
            return Period.quarter(before.year, (before.month - 1) // 3 + 1)
        if self.kind == MONTH:
            before = self.start - datetime.timedelta(days=1)
            return Period.month(before.year, before.month)
        end = self.start - datetime.timedelta(days=1)
        return Period.custom(end - datetime.timedelta(days=self.days - 1), end)

    def months(self) -> list[tuple[int, int]]:
        """(year, month) of every month the period touches, in order."""
        result = []
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            result.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return result

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "label": self.label,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Period":
        return cls(
            data["kind"],
            datetime.date.fromisoformat(data["start"]),
            datetime.date.fromisoformat(data["end"]),
        )
