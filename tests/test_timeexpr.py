"""Time expressions in claims, resolved to windows of dates around the message's date."""

from __future__ import annotations

from datetime import date

import pytest

from honestreach.timeexpr import find_time

# Wednesday 18 March 2026.
TODAY = date(2026, 3, 18)


def window(text: str, today: date = TODAY) -> tuple[date, date] | None:
    found = find_time(text, today)
    return (found.start, found.end) if found else None


@pytest.mark.parametrize(("text", "start", "end"), [
    # today, this morning, tonight: the day itself, one day each side (never after tomorrow)
    ("We spoke this morning.", date(2026, 3, 17), date(2026, 3, 19)),
    ("Thanks for the call earlier today.", date(2026, 3, 17), date(2026, 3, 19)),
    # yesterday, last night
    ("Thanks for joining yesterday.", date(2026, 3, 16), date(2026, 3, 18)),
    ("Great chatting last night.", date(2026, 3, 16), date(2026, 3, 18)),
    # N units ago / back: centred on N units back, half a unit each side
    ("We met three weeks ago.", date(2026, 2, 15), date(2026, 3, 7)),
    ("We spoke a couple of weeks back.", date(2026, 2, 25), date(2026, 3, 11)),
    ("You downloaded it 10 days ago.", date(2026, 3, 3), date(2026, 3, 13)),
    ("We met a week ago.", date(2026, 3, 8), date(2026, 3, 14)),
    # this week: Monday to today, three days each side
    ("Thanks for downloading the report earlier this week.", date(2026, 3, 13), date(2026, 3, 19)),
    # this past week: the last seven days
    ("We talked this past week.", date(2026, 3, 10), date(2026, 3, 19)),
    # last week: the previous Monday to Sunday, three days each side
    ("Great meeting you last week.", date(2026, 3, 6), date(2026, 3, 18)),
    ("Since we spoke the week before last.", date(2026, 2, 27), date(2026, 3, 11)),
    # last weekend: the most recent Saturday and Sunday
    ("We bumped into each other last weekend.", date(2026, 3, 13), date(2026, 3, 16)),
    ("Good seeing you over the weekend.", date(2026, 3, 13), date(2026, 3, 16)),
    # this month / last month
    ("It was good to meet you earlier this month.", date(2026, 2, 26), date(2026, 3, 19)),
    ("Following up on our call last month.", date(2026, 1, 25), date(2026, 3, 7)),
    # this quarter / last quarter (calendar quarters)
    ("We met this quarter.", date(2025, 12, 29), date(2026, 3, 19)),
    ("We spoke last quarter.", date(2025, 9, 24), date(2026, 1, 7)),
    # this year / last year
    ("You attended earlier this year.", date(2025, 12, 25), date(2026, 3, 19)),
    ("You were a customer last year.", date(2024, 12, 25), date(2026, 1, 7)),
    # seasons (northern meteorological), a week each side
    ("We met at the summit last summer.", date(2025, 5, 25), date(2025, 9, 7)),
    ("Since the launch this winter.", date(2025, 11, 24), date(2026, 3, 7)),
    # a weekday: the most recent one (a week back when it is today's weekday)
    ("Thanks for making time for the call on Monday.", date(2026, 3, 15), date(2026, 3, 17)),
    ("The numbers from Wednesday's call.", date(2026, 3, 10), date(2026, 3, 12)),
    # "last Tuesday": the most recent Tuesday or the one before
    ("Following up on our call last Tuesday.", date(2026, 3, 9), date(2026, 3, 18)),
    # exact dates, one day each side
    ("We met on 4 March.", date(2026, 3, 3), date(2026, 3, 5)),
    ("Thanks for the demo on March 4th, 2026.", date(2026, 3, 3), date(2026, 3, 5)),
    ("Your download on 2026-02-11.", date(2026, 2, 10), date(2026, 2, 12)),
    # an exact day long after today, without a year, is last year's
    ("We met on 2 December.", date(2025, 12, 1), date(2025, 12, 3)),
    # "on the 12th": the most recent 12th
    ("Thanks for the call on the 12th.", date(2026, 3, 11), date(2026, 3, 13)),
    ("Thanks for the call on the 25th.", date(2026, 2, 24), date(2026, 2, 26)),
    # a month: the latest one not in the future, a week each side
    ("You downloaded it in February.", date(2026, 1, 25), date(2026, 3, 7)),
    ("Following up on our call back in November.", date(2025, 10, 25), date(2025, 12, 7)),
    ("Since the start of January.", date(2025, 12, 25), date(2026, 2, 7)),
    ("The setup you saw in the January demo.", date(2025, 12, 25), date(2026, 2, 7)),
    ("February's workshop ran long.", date(2026, 1, 25), date(2026, 3, 7)),
    ("We met in May 2025.", date(2025, 4, 24), date(2025, 6, 7)),
    # vague pasts: the last 120 days
    ("We spoke recently.", date(2025, 11, 18), date(2026, 3, 18)),
    ("Great chatting the other day.", date(2025, 11, 18), date(2026, 3, 18)),
    # a bare year (an event's edition): that year, clamped to tomorrow
    ("Great meeting you at Web Summit 2025.", date(2024, 12, 25), date(2026, 1, 7)),
    ("Thanks for registering for the Ops Forum 2026.", date(2025, 12, 25), date(2026, 3, 19)),
])
def test_each_kind_resolves_to_its_window(text: str, start: date, end: date) -> None:
    assert window(text) == (start, end)


def test_the_phrase_that_was_read_is_kept() -> None:
    found = find_time("Loved chatting at your booth on Monday.", TODAY)
    assert found is not None and found.phrase == "on Monday"


def test_more_specific_kinds_win_over_a_year_in_an_event_name() -> None:
    assert window("Great meeting you at SaaStr 2025 last week.") == \
        (date(2026, 3, 6), date(2026, 3, 18))


@pytest.mark.parametrize("text", [
    "See you next Tuesday.",
    "Our call this coming Friday is confirmed.",
    "Ahead of Thursday's call, here is the agenda.",
    "The early-bird rate runs until 30 March.",
    "Let's meet this weekend.",
    "Nothing was said about when.",
    "The company was founded in 1998.",
])
def test_future_or_missing_times_give_no_window(text: str) -> None:
    assert find_time(text, TODAY) is None


def test_a_coming_date_is_passed_over_for_the_next_expression() -> None:
    # "on 9 April" is the event's date, still to come; the registration is dated by the year.
    found = find_time("Thanks for registering for Ops Forum Toronto 2026 on 9 April.", TODAY)
    assert found is not None and found.phrase == "2026"
    assert found.contains(date(2026, 2, 20))


def test_windows_never_reach_past_tomorrow() -> None:
    found = find_time("Thanks for joining this quarter's webinar.", TODAY)
    assert found is not None and found.end == date(2026, 3, 19)


def test_weekend_said_at_the_weekend() -> None:
    sunday = date(2026, 3, 22)
    assert window("Great seeing you this weekend.", sunday) == (date(2026, 3, 20),
                                                               date(2026, 3, 23))
    assert window("Great seeing you last weekend.", sunday) == (date(2026, 3, 13),
                                                               date(2026, 3, 16))


def test_last_season_said_during_that_season_is_the_year_before() -> None:
    assert window("We met last summer.", date(2026, 7, 10)) == (date(2025, 5, 25),
                                                               date(2025, 9, 7))
    assert window("We met this summer.", date(2026, 7, 10)) == (date(2026, 5, 25),
                                                               date(2026, 7, 11))


def test_contains_and_distance() -> None:
    found = find_time("We met last week.", TODAY)
    assert found is not None
    assert found.contains(date(2026, 3, 10))
    assert not found.contains(date(2026, 1, 10))
    assert found.distance(date(2026, 3, 1)) == 5
