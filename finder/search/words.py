"""The words of the results: distances, drive times, and the answer above the list."""

from functools import lru_cache
from typing import Any

from flask_babel import format_date, format_decimal, get_locale, gettext, ngettext

from finder.domain.ranking import RankedCenter
from finder.domain.stay_plan import StayPlan
from finder.search.results_page import Answer, ResultsPage


def drive_text(ranked: RankedCenter) -> str:
    minutes = ranked.reach.drive_minutes
    return _drive_words(str(get_locale()), None if minutes is None else round(minutes))


def distance_text(ranked: RankedCenter) -> str:
    """Distance in words in the locale: "2,393 miles (3,851 km)", "less than 1 mile (1 km)"."""
    reach = ranked.reach
    return _distance_words(str(get_locale()), round(reach.distance_mi), round(reach.distance_km))


@lru_cache(maxsize=8192)
def _distance_words(_locale: str, miles: int, km: int) -> str:
    if miles < 1:
        mile_words = gettext("less than 1 mile")
    else:
        mile_words = ngettext(
            "%(miles)s mile", "%(miles)s miles", miles, miles=format_decimal(miles)
        )
    km_words = gettext("less than 1 km") if km < 1 else gettext("%(km)s km", km=format_decimal(km))
    return gettext("%(miles)s (%(km)s)", miles=mile_words, km=km_words)


def miles_text(ranked: RankedCenter) -> str:
    miles = round(ranked.reach.distance_mi)
    return _distance_words(str(get_locale()), miles, 0).split(" (")[0]


@lru_cache(maxsize=4096)
def _drive_words(_locale: str, minutes: int | None) -> str:
    """Drive time in words, per locale (the cache key) and whole minute."""
    if minutes is None:
        return gettext("no road connects")
    hours, rest = divmod(minutes, 60)
    if not hours:
        return ngettext("about %(num)d minute", "about %(num)d minutes", minutes)
    return gettext("about %(hours)d h %(minutes)02d min", hours=hours, minutes=rest)


def answer_lines(
    page: ResultsPage, product_names: dict[str, str], values: dict[str, Any]
) -> list[str]:
    """The page's first sentences: the answer to "which center, and can I stay home?"."""
    answer: Answer = page.answer
    rule = page.search.rule
    hours = rule.stay_radius_minutes // 60
    wanted = product_names.get(values.get("product") or "", "")
    lines: list[str] = []
    if answer.product_unlisted:
        lines.append(
            gettext(
                "No center in this list says yet that it gives %(product)s. "
                "Ask your doctor or the maker which centers give it.",
                product=wanted,
            )
        )
    nearest = answer.nearest
    if nearest is not None and answer.within:
        lines.append(
            ngettext(
                "%(num)d center is within %(hours)d hours of you by road: you could stay at "
                "home after the infusion. The nearest is %(name)s, %(drive)s away.",
                "%(num)d centers are within %(hours)d hours of you by road: you could stay at "
                "home after the infusion. The nearest is %(name)s, %(drive)s away.",
                answer.within,
                hours=hours,
                name=nearest.ranked.center.name,
                drive=drive_text(nearest.ranked),
            )
        )
    elif nearest is not None:
        plan = nearest.plan
        reach = (
            gettext("%(drive)s by road", drive=drive_text(nearest.ranked))
            if nearest.ranked.reach.drivable
            else gettext("across the water, %(miles)s away", miles=miles_text(nearest.ranked))
        )
        lines.append(
            gettext(
                "No center is within %(hours)d hours of you by road. The nearest is %(name)s, "
                "%(reach)s. You would stay within %(hours)d hours of the center, with a "
                "caregiver, for %(days)d days after the infusion, and not drive for "
                "%(nodrive)d days.",
                hours=hours,
                name=nearest.ranked.center.name,
                reach=reach,
                days=rule.stay_days,
                nodrive=rule.no_driving_days,
            )
        )
        lines.append(
            gettext(
                "Example only, not an appointment: if the infusion were on %(day)s, you would "
                "stay near the center until %(stay_until)s and not drive until "
                "%(no_driving_until)s.",
                day=format_date(plan.first_infusion, "long"),
                stay_until=format_date(plan.stay_until, "long"),
                no_driving_until=format_date(plan.no_driving_until, "long"),
            )
        )
    elif not answer.product_unlisted:
        lines.append(gettext("No center in this list says it gives what you chose."))
    maybe = answer.nearest_maybe
    if maybe is None:
        return lines
    away = drive_text(maybe.ranked) if maybe.ranked.reach.drivable else miles_text(maybe.ranked)
    if nearest is None:
        lines.append(
            ngettext(
                "%(num)d center near you has not said which products it gives and may offer "
                "it: call to ask. The nearest is %(name)s, %(away)s away.",
                "%(num)d centers near you have not said which products they give and may offer "
                "it: call to ask. The nearest is %(name)s, %(away)s away.",
                len(page.maybe_rows),
                name=maybe.ranked.center.name,
                away=away,
            )
        )
    elif maybe.ranked.reach.distance_km < nearest.ranked.reach.distance_km:
        nearer = [
            r
            for r in page.maybe_rows
            if r.ranked.reach.distance_km < nearest.ranked.reach.distance_km
        ]
        lines.append(
            ngettext(
                "%(num)d center nearer to you may offer it but has not said so: call to ask. "
                "The nearest is %(name)s, %(away)s away.",
                "%(num)d centers nearer to you may offer it but have not said so: call to ask. "
                "The nearest is %(name)s, %(away)s away.",
                len(nearer),
                name=maybe.ranked.center.name,
                away=away,
            )
        )
    return lines


class PlainLanguage:
    """Sentences for the page's centers; they share the example dates, so each kind is
    written once per page."""

    def __init__(self) -> None:
        self._written: dict[tuple[bool, bool, bool], list[str]] = {}

    def __call__(self, ranked: RankedCenter, plan: StayPlan) -> list[str]:
        key = (plan.within_proximity, ranked.reach.drivable, ranked.reach.borderline)
        if key not in self._written:
            self._written[key] = plain_language(ranked, plan)
        return self._written[key]


def plain_language(ranked: RankedCenter, plan: StayPlan) -> list[str]:
    """What the rule means for this patient and center, with dates for the example infusion."""
    hours = plan.rule.stay_radius_minutes // 60
    dates = {
        "hours": hours,
        "day": format_date(plan.first_infusion, "long"),
        "stay_until": format_date(plan.stay_until, "long"),
        "no_driving_until": format_date(plan.no_driving_until, "long"),
        "stay_day": (plan.stay_until - plan.first_infusion).days,
        "drive_day": (plan.no_driving_until - plan.first_infusion).days,
    }
    if plan.within_proximity:
        lines = [
            gettext(
                "You could stay at home: it is within %(hours)d hours of the center by road. "
                "After an infusion on %(day)s you would stay within %(hours)d hours of the "
                "center until %(stay_until)s (day %(stay_day)d) and not drive until "
                "%(no_driving_until)s (day %(drive_day)d).",
                **dates,
            )
        ]
    elif ranked.reach.drivable:
        lines = [
            gettext(
                "Your home is more than %(hours)d hours away by road: you would need lodging "
                "within %(hours)d hours of the center, and a caregiver, from an infusion on "
                "%(day)s until %(stay_until)s (day %(stay_day)d), and not drive until "
                "%(no_driving_until)s (day %(drive_day)d).",
                **dates,
            )
        ]
    else:
        lines = [
            gettext(
                "No road connects your home to this center: you would travel there and stay "
                "within %(hours)d hours of it, with a caregiver, from an infusion on %(day)s "
                "until %(stay_until)s (day %(stay_day)d), and not drive until "
                "%(no_driving_until)s (day %(drive_day)d).",
                **dates,
            )
        ]
    if ranked.reach.borderline:
        lines.append(
            gettext(
                "The drive time is an estimate close to the %(hours)d-hour limit: "
                "confirm with the center.",
                hours=hours,
            )
        )
    return lines
