"""The results map, built with folium as one pure function: no Flask, no request, no I/O.

Centers go on the map as one GeoJSON layer (not one folium object each), coloured by
reachability; the patient's place and the stay zone are drawn on top of an offline basemap
of US state outlines, or of tiles when a tile server is configured.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import folium
from branca.element import MacroElement
from folium.template import Template
from markupsafe import escape
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from finder.domain.ranking import RankedCenter

WITHIN, BEYOND, NO_ROAD = "within", "beyond", "no_road"
# Colours with at least 3:1 contrast against the light basemap, told apart by shape too.
COLOURS = {WITHIN: "#1a7f37", BEYOND: "#9a4a00", NO_ROAD: "#6e40c9"}
PATIENT_COLOUR = "#0b3d91"
ZONE_STYLE = {
    "color": COLOURS[WITHIN],
    "weight": 2,
    "fillColor": COLOURS[WITHIN],
    "fillOpacity": 0.12,
    "className": "stay-zone",
}


@dataclass(frozen=True)
class MapAssets:
    """Where the page serves the vendored files from."""

    leaflet_js: str
    leaflet_css: str
    basemap_geojson: str


@dataclass(frozen=True)
class MapParts:
    """The three pieces a page template places: in <head>, in <body>, and in a <script>."""

    header: str
    html: str
    script: str


@dataclass(frozen=True)
class CenterMarker:
    """What a center's marker and popup show; the words come from the page, already translated."""

    ranked: RankedCenter
    reach: str  # WITHIN | BEYOND | NO_ROAD
    popup_lines: Sequence[str]


class PageMap(folium.Map):
    """A folium map meant to sit inside a page: no full-screen styles, zoom left to the user."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <style>#{{ this.get_name() }} {position: relative; width: 100%; height: 100%;}</style>
        {% endmacro %}
        {% macro html(this, kwargs) %}
            <div class="folium-map" id={{ this.get_name()|tojson }}></div>
        {% endmacro %}
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.map({{ this.get_name()|tojson }}, {
                center: {{ this.location|tojson }}, crs: L.CRS.{{ this.crs }},
                ...{{ this.options|tojavascript }}
            });
        {% endmacro %}
        """
    )


class OfflineBasemap(MacroElement):
    """US state outlines loaded from the app's own static file: a basemap with no network."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            fetch({{ this.url|tojson }}).then(function (r) { return r.json(); })
              .then(function (data) {
                L.geoJSON(data, {interactive: false, style: {color: "#8c8c8c", weight: 1,
                  fillColor: "#f2efe9", fillOpacity: 1}}).addTo({{ this._parent.get_name() }})
                  .bringToBack();
              });
        {% endmacro %}
        """
    )

    def __init__(self, url: str) -> None:
        super().__init__()
        self._name = "OfflineBasemap"
        self.url = url


class CentersLayer(MacroElement):
    """All centers as one GeoJSON layer of circle markers with popups."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.geoJSON({{ this.data }}, {
              pointToLayer: function (feature, latlng) {
                var p = feature.properties;
                return L.circleMarker(latlng, {radius: p.rank <= 3 ? 9 : 7, color: "#ffffff",
                  weight: 2, fillColor: p.colour, fillOpacity: 0.95});
              },
              onEachFeature: function (feature, layer) {
                layer.bindPopup(feature.properties.popup);
                layer.bindTooltip(feature.properties.name);
              }
            }).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, features: list[dict[str, Any]]) -> None:
        super().__init__()
        self._name = "CentersLayer"
        self.data = json.dumps({"type": "FeatureCollection", "features": features}).replace(
            "</", "<\\/"
        )


def results_map(
    origin: tuple[float, float],
    origin_label: str,
    markers: Sequence[CenterMarker],
    zone: BaseGeometry | None,
    *,
    assets: MapAssets,
    tile_url: str | None = None,
    zone_label: str = "",
) -> MapParts:
    """The map of a search: the patient, the stay zone, and every center found."""
    page_map = PageMap(location=list(origin), zoom_start=7, tiles=None, control_scale=True)
    page_map.default_js = [("leaflet", assets.leaflet_js)]
    page_map.default_css = [("leaflet_css", assets.leaflet_css)]
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr="Map tiles").add_to(page_map)
    else:
        page_map.add_child(OfflineBasemap(assets.basemap_geojson))
    if zone is not None and not zone.is_empty:
        folium.GeoJson(
            mapping(zone),
            name="stay-zone",
            style_function=lambda _: ZONE_STYLE,
            tooltip=zone_label or None,
        ).add_to(page_map)
    page_map.add_child(CentersLayer([_feature(i, m) for i, m in enumerate(markers, start=1)]))
    folium.CircleMarker(
        list(origin),
        radius=8,
        color="#ffffff",
        weight=3,
        fill=True,
        fill_color=PATIENT_COLOUR,
        fill_opacity=1.0,
        tooltip=origin_label,
        class_name="patient-location",
    ).add_to(page_map)
    page_map.fit_bounds(_bounds(origin, markers[:5], zone))
    root = page_map.get_root()
    root.render()
    return MapParts(
        header=root.header.render(), html=root.html.render(), script=root.script.render()
    )


def _feature(rank: int, marker: CenterMarker) -> dict[str, Any]:
    center = marker.ranked.center
    popup = "<strong>{}</strong><br>{}".format(
        escape(center.name), "<br>".join(str(escape(line)) for line in marker.popup_lines)
    )
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [center.lon, center.lat]},
        "properties": {
            "id": center.id,
            "name": center.name,
            "rank": rank,
            "reach": marker.reach,
            "colour": COLOURS[marker.reach],
            "popup": popup,
        },
    }


def _bounds(
    origin: tuple[float, float], markers: Sequence[CenterMarker], zone: BaseGeometry | None
) -> list[list[float]]:
    lats = [origin[0]] + [m.ranked.center.lat for m in markers]
    lons = [origin[1]] + [m.ranked.center.lon for m in markers]
    if zone is not None and not zone.is_empty:
        west, south, east, north = zone.bounds
        lats += [south, north]
        lons += [west, east]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]
