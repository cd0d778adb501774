"""The proximity-stay plan in plain language: until when to stay near the center, whether the
home will do, and by which rule."""

from flask_babel import format_date, gettext, ngettext

from finder.referrals.views import ReferralPlan


def precision_words() -> dict[str, str]:
    return {
        "address": gettext("street address"),
        "zip": gettext("ZIP code"),
        "city": gettext("city"),
        "state": gettext("state"),
    }


def drive_words(minutes: float) -> str:
    whole = round(minutes)
    hours, rest = divmod(whole, 60)
    if not hours:
        return ngettext("about %(num)d minute", "about %(num)d minutes", whole)
    return gettext("about %(hours)d h %(minutes)02d min", hours=hours, minutes=rest)


def plan_sentences(
    plan: ReferralPlan, center_name: str, home_label: str, precision: str
) -> list[str]:
    """What the stay means for this patient: until when, and whether home will do."""
    stay = plan.plan
    first, last = format_date(stay.first_infusion, "long"), format_date(stay.last_infusion, "long")
    if plan.planned:
        dose = (
            gettext("Infusion planned for %(day)s.", day=first)
            if first == last
            else gettext("Infusions planned from %(first)s to %(last)s.", first=first, last=last)
        )
    else:
        dose = (
            gettext("Infusion on %(day)s.", day=first)
            if first == last
            else gettext("Infusions from %(first)s to %(last)s.", first=first, last=last)
        )
    lines = [
        dose,
        gettext(
            "Stay within %(hours)d hours of %(center)s until %(stay_until)s and do not drive "
            "until %(no_driving_until)s.",
            hours=stay.rule.stay_radius_minutes // 60,
            center=center_name,
            stay_until=format_date(stay.stay_until, "long"),
            no_driving_until=format_date(stay.no_driving_until, "long"),
        ),
    ]
    located = {"home": home_label, "precision": precision_words().get(precision, precision)}
    if not plan.home_known:
        lines.append(gettext("Home not given: add it to know whether lodging is needed."))
    elif plan.drive_minutes is None:
        lines.append(
            gettext(
                "No road connects home (%(home)s, located by %(precision)s) to the center: "
                "plan lodging near the center.",
                **located,
            )
        )
    elif stay.within_proximity:
        lines.append(
            gettext(
                "Home (%(home)s, located by %(precision)s) is %(drive)s away: inside the "
                "radius, no lodging needed.",
                drive=drive_words(plan.drive_minutes),
                **located,
            )
        )
    else:
        lines.append(
            gettext(
                "Home (%(home)s, located by %(precision)s) is %(drive)s away: beyond the "
                "radius: plan lodging near the center, and a caregiver.",
                drive=drive_words(plan.drive_minutes),
                **located,
            )
        )
    lines.append(gettext("Rule used: %(rule)s.", rule=gettext(stay.rule.label)))
    return lines
