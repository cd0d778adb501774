"""The JSON shapes of API.md, built from domain objects."""

from datetime import UTC, date, datetime
from typing import Any

from finder.domain.centers import Center
from finder.domain.claims import ProductClaim
from finder.domain.products import Product
from finder.domain.proximity_rules import ProximityRule
from finder.domain.ranking import RankedCenter
from finder.geocoding import Place


def place_json(place: Place, query: str | None = None) -> dict[str, Any]:
    body = {
        "lat": round(place.lat, 6),
        "lon": round(place.lon, 6),
        "precision": place.precision,
        "label": place.label,
        "state": place.state,
    }
    return {"query": query, **body} if query is not None else body


def center_json(center: Center, today: date | None = None) -> dict[str, Any]:
    address = center.address
    today = today or datetime.now(UTC).date()
    return {
        "id": center.id,
        "name": center.name,
        "address": {
            "street": address.street,
            "city": address.city,
            "state": address.state,
            "zip": address.zip,
        },
        "phone": center.phone,
        "website": center.website,
        "lat": center.lat,
        "lon": center.lon,
        "timezone": center.timezone,
        "products": list(center.products),
        "indications": list(center.indications),
        "populations": list(center.populations),
        "source": center.source,
        "verified_on": center.verified_on.isoformat() if center.verified_on else None,
        "product_claims": [claim_json(claim, today) for claim in center.claims],
        "accepting_referrals": center.accepting_referrals,
        "referral_contact": {
            "phone": center.referral_contact.phone,
            "fax": center.referral_contact.fax,
            "email": center.referral_contact.email,
        },
        "outpatient": center.outpatient,
        "languages": list(center.languages),
    }


def claim_json(claim: ProductClaim, today: date) -> dict[str, Any]:
    """One (center, product) claim; `stale` when checked more than a year ago."""
    return {
        "product": claim.product,
        "status": claim.status,
        "source": claim.source,
        "checked_on": claim.checked_on.isoformat() if claim.checked_on else None,
        "stale": claim.stale(today),
    }


def ranked_json(ranked: RankedCenter) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    return {**center_json(ranked.center, today), **reach_json(ranked, today)}


def reach_json(ranked: RankedCenter, today: date) -> dict[str, Any]:
    """What a search adds to a center: the distance and drive, and the product claim it rests
    on."""
    reach = ranked.reach
    return {
        "distance_km": round(reach.distance_km, 1),
        "distance_mi": round(reach.distance_mi, 1),
        "drive_minutes": round(reach.drive_minutes) if reach.drive_minutes is not None else None,
        "drivable": reach.drivable,
        "within_proximity": reach.within_proximity,
        "borderline": reach.borderline,
        "claim": claim_json(ranked.claim, today) if ranked.claim else None,
        "rests_on_reported": ranked.claim is not None and not ranked.claim.strong,
    }


def rule_json(rule: ProximityRule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "label": rule.label,
        "stay_radius_minutes": rule.stay_radius_minutes,
        "stay_days": rule.stay_days,
        "no_driving_days": rule.no_driving_days,
        "source": rule.source,
        "effective": rule.effective.isoformat() if rule.effective else None,
    }


def product_json(product: Product) -> dict[str, Any]:
    return {
        "id": product.id,
        "name": product.name,
        "generic": product.generic,
        "maker": product.maker,
        "target": product.target,
        "indications": list(product.indications),
        "ages": [
            {
                "indication": age.indication,
                "min_years": age.min_years,
                "max_years": age.max_years,
                "note": age.note,
            }
            for age in product.ages
        ],
        "infusion_days": list(product.infusion_days),
    }
