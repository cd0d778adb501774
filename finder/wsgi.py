"""The WSGI entry point for gunicorn: built once in the master (--preload), gazetteer warm."""

from finder.app import create_app
from finder.geocoding import warm_up

app = create_app()
if app.config["GEOCODER"] == "offline":
    warm_up()
