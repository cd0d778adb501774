"""The JSON shapes of API.md, built from domain objects."""

from typing import Any

from finder.domain.centers import Center
from finder.domain.products import Product
from finder.domain.proximity_rules import ProximityRule
from finder.domain.ranking import RankedCenter, Reach
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


def center_json(center: Center) -> dict[str, Any]:
    address = center.address
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
    }


def ranked_json(ranked: RankedCenter) -> dict[str, Any]:
    return {**center_json(ranked.center), **reach_json(ranked.reach)}


def reach_json(reach: Reach) -> dict[str, Any]:
    return {
        "distance_km": round(reach.distance_km, 1),
        "distance_mi": round(reach.distance_mi, 1),
        "drive_minutes": round(reach.drive_minutes) if reach.drive_minutes is not None else None,
        "drivable": reach.drivable,
        "within_proximity": reach.within_proximity,
        "borderline": reach.borderline,
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
