"""Cadence windows of a reporting period, and the rules' configuration."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from backend.cadence import CadenceError, Period, missed_windows, parse_rules
from backend.exports.csv_stream import cell

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_week_is_monday_to_sunday_in_the_streets_time_zone() -> None:
    week = Period.iso_week(2026, 47, SHANGHAI)
    assert (week.first, week.last, week.days) == (date(2026, 11, 16), date(2026, 11, 22), 7)
    assert week.start.isoformat() == "2026-11-16T00:00:00+08:00"
    assert week.end.isoformat() == "2026-11-23T00:00:00+08:00"


def test_windows_count_back_from_the_end_and_slow_rules_look_back_one_window() -> None:
    four_weeks = Period(date(2026, 11, 2), date(2026, 11, 29), SHANGHAI)
    weekly = four_weeks.windows(7)
    assert len(weekly) == 4
    assert weekly[0][0] == four_weeks.start
    assert weekly[-1][1] == four_weeks.end
    week = Period.iso_week(2026, 47, SHANGHAI)
    [fortnight] = week.windows(14)
    assert fortnight[0].isoformat() == "2026-11-09T00:00:00+08:00"
    assert week.lookback_start(parse_rules('[{"kind":"patrol","level":"grid","every_days":14}]'))\
        == fortnight[0]  # fmt: skip


def test_a_visit_counts_in_the_window_it_started_in() -> None:
    weeks = Period(date(2026, 11, 9), date(2026, 11, 22), SHANGHAI).windows(7)
    sunday_night = datetime(2026, 11, 15, 23, 59, tzinfo=SHANGHAI)
    assert missed_windows(weeks, [sunday_night]) == [weeks[1]]
    assert missed_windows(weeks, []) == weeks


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("not json", "not JSON"),
        ("[]", "non-empty list"),
        ('[{"kind": "patrol", "level": "grid"}]', "rule 0: needs exactly"),
        ('[{"kind": "nap", "level": "grid", "every_days": 7}]', "rule 0: kind"),
        ('[{"kind": "patrol", "level": "city", "every_days": 7}]', "rule 0: level"),
        ('[{"kind": "patrol", "level": "grid", "every_days": 0}]', "every_days"),
        ('[{"kind": "patrol", "level": "grid", "every_days": true}]', "every_days"),
    ],
)
def test_malformed_rules_are_refused_with_where(raw: str, message: str) -> None:
    with pytest.raises(CadenceError, match=message):
        parse_rules(raw)


def test_csv_cells_that_excel_would_run_are_defused() -> None:
    assert cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert cell("-1+1") == "'-1+1"
    assert cell(-1.5) == "-1.5"
    assert cell(30.271200) == "30.2712"
    assert cell(None) == ""
    assert cell(True) == "true"
    assert cell("东湖综合市场") == "东湖综合市场"
