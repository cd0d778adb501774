"""What the app holds for every request: the catalog and the geocoder."""

from flask import current_app

from finder.centers.catalog import Catalog, CatalogCache
from finder.geocoding import Geocoder
from finder.storage import db


def catalog_cache() -> CatalogCache:
    cache: CatalogCache = current_app.extensions["finder.centers.catalog"]
    return cache


def current_catalog() -> Catalog:
    """The catalog as of the latest centers load."""
    return catalog_cache().current(db.session)


def current_geocoder() -> Geocoder:
    geocoder: Geocoder = current_app.extensions["finder.geocoder"]
    return geocoder
