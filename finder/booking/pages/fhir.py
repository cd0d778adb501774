"""The SMART Scheduling Links publication: the `$bulk-publish` manifest and the NDJSON files it
names, open to anyone. Aggregators poll it: each answer carries `Cache-Control: max-age` and an
ETag (a 304 when nothing changed), and a publication is built
once per database state and kept until time alone could change a slot's status (the notice
window reaching a slot, a hold running out, a new day at a center), so a poll costs one query
over small tables and indexes."""

import json
import threading
from datetime import UTC

from flask import Blueprint, Response, abort, current_app, request

from finder.booking.publication import Publication, fingerprint, publish
from finder.extensions import current_catalog
from finder.public_url import public_link
from finder.storage import db
from finder.web.access import PUBLIC, allow
from finder.web.auth import now

fhir = Blueprint("fhir", __name__, url_prefix="/fhir")
NDJSON = "application/fhir+ndjson"
_CACHE = "finder.booking.publication"
_LOCK = threading.Lock()


def current_publication() -> Publication:
    """The publication for this minute and this state of the database, built once."""
    session = db.session()
    moment = now()
    catalog = current_catalog()
    minute = moment.replace(second=0, microsecond=0)
    key = (id(catalog.centers), fingerprint(session))
    with _LOCK:  # one build at a time; the others then find it built
        cached = current_app.extensions.get(_CACHE)
        if cached is not None and cached[0] == key and minute < cached[1].stale_at:
            return cached[1]  # type: ignore[no-any-return]
        made = publish(session, catalog.centers.centers, now=moment, deep_link=deep_link)
        current_app.extensions[_CACHE] = (key, made)
        return made


def deep_link(center_id: str) -> str:
    return public_link("pages.booking.book_form", center_id=center_id)


def _answer(body: str, mimetype: str, publication: Publication) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = (
        f"public, max-age={current_app.config['PUBLISH_MAX_AGE_SECONDS']}"
    )
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.set_etag(publication.etag)
    return response.make_conditional(request)


@fhir.get("/$bulk-publish")
@allow(PUBLIC)
def manifest() -> Response:
    """The manifest: when, and where the Location, Schedule and Slot files are."""
    publication = current_publication()
    made = publication.made_at.astimezone(UTC).isoformat(timespec="milliseconds")
    output = [
        {"type": "Location", "url": public_link("fhir.locations")},
        {"type": "Schedule", "url": public_link("fhir.schedules")},
        *(
            {
                "type": "Slot",
                "url": public_link("fhir.slots", state=state),
                "extension": {"state": [state]},
            }
            for state in publication.slots_by_state
        ),
    ]
    body = {
        "transactionTime": made.replace("+00:00", "Z"),
        "request": public_link("fhir.manifest"),
        "output": output,
        "error": [],
    }
    return _answer(json.dumps(body, separators=(",", ":")), "application/json", publication)


@fhir.get("/locations.ndjson")
@allow(PUBLIC)
def locations() -> Response:
    publication = current_publication()
    return _answer(publication.locations, NDJSON, publication)


@fhir.get("/schedules.ndjson")
@allow(PUBLIC)
def schedules() -> Response:
    publication = current_publication()
    return _answer(publication.schedules, NDJSON, publication)


@fhir.get("/slots-<state>.ndjson")
@allow(PUBLIC)
def slots(state: str) -> Response:
    publication = current_publication()
    if state not in publication.slots_by_state:
        abort(404, description="No slots are published for this state.")
    return _answer(publication.slots_by_state[state], NDJSON, publication)
