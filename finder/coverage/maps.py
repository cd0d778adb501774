"""The coverage map, built with folium as one pure function: the country in cells shaded by the
drive time to the nearest center, the centers, and the planned sites."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import folium
import numpy as np
from branca.element import MacroElement
from folium.template import Template

from finder.coverage.service import Coverage
from finder.search.maps import MapAssets, MapParts, OfflineBasemap, PageMap

CELL_DEGREES = 0.5
BANDS = ("hour", "radius", "four_hours", "beyond", "no_road")
COLOURS = {
    "hour": "#1b7837",
    "radius": "#7fbf7b",
    "four_hours": "#fdb863",
    "beyond": "#b35806",
    "no_road": "#6e40c9",
}
CENTER_COLOUR = "#0b3d91"
SITE_COLOUR = "#c51b7d"


@dataclass(frozen=True)
class MapPoint:
    lat: float
    lon: float
    label: str


class ShadedLayer(MacroElement):
    """Points drawn from GeoJSON, styled by each feature's own colour."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            L.geoJSON({{ this.data }}, {
              interactive: {{ this.interactive|tojson }},
              pointToLayer: function (f, latlng) {
                return L.circleMarker(latlng, {radius: f.properties.radius, color: "#ffffff",
                  weight: 2, fillColor: f.properties.colour, fillOpacity: 1,
                  className: f.properties.kind, interactive: {{ this.interactive|tojson }}});
              },
              onEachFeature: function (f, layer) {
                if (f.properties.label) { layer.bindTooltip(f.properties.label); }
              }
            }).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, features: list[dict[str, Any]], *, interactive: bool = False) -> None:
        super().__init__()
        self._name = "ShadedLayer"
        self.interactive = interactive
        self.data = json.dumps({"type": "FeatureCollection", "features": features}).replace(
            "</", "<\\/"
        )


def band_of(minutes: np.ndarray, radius: int) -> np.ndarray:
    """Each ZIP's band index in BANDS."""
    band = np.full(len(minutes), 3)
    band[minutes <= 240] = 2
    band[minutes <= radius] = 1
    band[minutes <= 60] = 0
    band[~np.isfinite(minutes)] = 4
    return band


def cells(result: Coverage) -> list[list[int]]:
    """Half-degree cells [row, column, band], each in the band where most of its people live."""
    people = result.people
    band = band_of(result.minutes, result.rule.stay_radius_minutes)
    row = np.floor(people.lat / CELL_DEGREES).astype(np.int64)
    col = np.floor(people.lon / CELL_DEGREES).astype(np.int64)
    keys, cell = np.unique(np.stack([row, col], axis=1), axis=0, return_inverse=True)
    cell = cell.ravel()
    weights = np.zeros((len(keys), len(BANDS)))
    np.add.at(weights, (cell, band), people.people + 1)  # an empty ZIP still marks its cell
    chosen = weights.argmax(axis=1)
    return [[r, c, b] for (r, c), b in zip(keys.tolist(), chosen.tolist(), strict=True)]


class CellLayer(MacroElement):
    """The cells, sent as [row, column, band] and drawn as rectangles in the browser."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function () {
              var size = {{ this.size }}, colours = {{ this.colours }}, names = {{ this.names }};
              var features = {{ this.data }}.map(function (c) {
                var s = c[0] * size, w = c[1] * size, n = s + size, e = w + size;
                return {type: "Feature", properties: {band: c[2]}, geometry: {type: "Polygon",
                  coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}};
              });
              L.geoJSON({type: "FeatureCollection", features: features}, {
                interactive: false,
                style: function (f) { return {weight: 0, fillColor: colours[f.properties.band],
                  fillOpacity: 0.65, className: "cell cell-" + names[f.properties.band]}; }
              }).addTo({{ this._parent.get_name() }});
            })();
        {% endmacro %}
        """
    )

    def __init__(self, data: list[list[int]]) -> None:
        super().__init__()
        self._name = "CellLayer"
        self.size = CELL_DEGREES
        self.data = json.dumps(data, separators=(",", ":"))
        self.colours = json.dumps([COLOURS[b] for b in BANDS])
        self.names = json.dumps(list(BANDS))


def _points(points: Sequence[MapPoint], colour: str, kind: str, radius: int) -> list[Any]:
    return [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
            "properties": {"colour": colour, "kind": kind, "radius": radius, "label": p.label},
        }
        for p in points
    ]


def coverage_map(
    result: Coverage,
    centers: Sequence[MapPoint],
    planned: Sequence[MapPoint],
    *,
    assets: MapAssets,
    tile_url: str | None = None,
) -> MapParts:
    """The map of coverage: cells by drive time, the centers, the planned sites."""
    page_map = PageMap(location=[39.5, -98.35], zoom_start=4, tiles=None, control_scale=True)
    page_map.default_js = [("leaflet", assets.leaflet_js)]
    page_map.default_css = [("leaflet_css", assets.leaflet_css)]
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr="Map tiles").add_to(page_map)
    else:
        page_map.add_child(OfflineBasemap(assets.basemap_geojson))
    page_map.add_child(CellLayer(cells(result)))
    # The centers carry no tooltip: Leaflet makes every path with one a tab stop, and a hundred
    # stops would stand between the keyboard and the planner. The search page names them.
    unnamed = [MapPoint(c.lat, c.lon, "") for c in centers]
    page_map.add_child(ShadedLayer(_points(unnamed, CENTER_COLOUR, "center-point", 4)))
    if planned:
        page_map.add_child(
            ShadedLayer(_points(planned, SITE_COLOUR, "planned-site", 8), interactive=True)
        )
    lats, lons = result.people.lat, result.people.lon
    if result.state:
        page_map.fit_bounds([[lats.min(), lons.min()], [lats.max(), lons.max()]])
    else:
        page_map.fit_bounds([[24.5, -125.0], [49.5, -66.9]])
    root = page_map.get_root()
    root.render()
    return MapParts(
        header=root.header.render(), html=root.html.render(), script=root.script.render()
    )
