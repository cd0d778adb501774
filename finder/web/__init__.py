"""The web layer: the JSON API, error answers and the request log."""
