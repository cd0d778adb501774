"""The results map, built with folium as one pure function: no Flask, no request, no I/O.

Centers go on the map as one GeoJSON layer (not one folium object each) of markers numbered as
the list and coloured by reachability; centers at one point are drawn side by side. The
patient's place sits in a pane under the centers, so it never hides one. The stay zone and the
offline basemap (US state outlines and place names, static files the browser caches) lie under
both, or tiles when a tile server is configured. West of the date line (Guam) longitudes are
shifted by 360 degrees so the map runs east from the patient instead of wrapping backwards.
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
    places_geojson: str = ""


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
    number: int = 0  # 0: numbered by position
    confirmed: bool = True  # False: may give the product, has not said so


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
    """US state outlines and place names loaded from the app's own static files (cached by the
    browser): a basemap with no network. Labels of smaller places appear as the map zooms in."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
          (function (map) {
            var east = {{ this.east|tojson }};
            function toLatLng(c) { return L.latLng(c[1], east && c[0] < 0 ? c[0] + 360 : c[0]); }
            map.createPane("basemap").style.zIndex = 150;
            map.createPane("places").style.zIndex = 450;
            map.getPane("places").style.pointerEvents = "none";
            fetch({{ this.url|tojson }}).then(function (r) { return r.json(); })
              .then(function (data) {
                L.geoJSON(data, {interactive: false, pane: "basemap", coordsToLatLng: toLatLng,
                  style: {color: "#8c8c8c", weight: 1, fillColor: "#f2efe9", fillOpacity: 1}})
                  .addTo(map);
              });
            {% if this.places_url %}
            var places = L.layerGroup().addTo(map);
            var all = [];
            function show() {
              var zoom = map.getZoom(), view = map.getBounds().pad(0.2);
              places.clearLayers();
              all.forEach(function (p) {  // [name, lon, lat, lowest zoom]
                var ll = toLatLng([p[1], p[2]]);
                if (p[3] <= zoom && view.contains(ll)) {
                  places.addLayer(L.marker(ll, {pane: "places", interactive: false,
                    keyboard: false, icon: L.divIcon({className: "place-label",
                      html: p[0].replace(/[&<>]/g, ""), iconSize: null})}));
                }
              });
            }
            fetch({{ this.places_url|tojson }}).then(function (r) { return r.json(); })
              .then(function (data) {
                all = data.places; show(); map.on("zoomend moveend", show);
              });
            {% endif %}
          })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, url: str, places_url: str = "", east: bool = False) -> None:
        super().__init__()
        self._name = "OfflineBasemap"
        self.url = url
        self.places_url = places_url
        self.east = east


class CentersLayer(MacroElement):
    """All centers as one GeoJSON layer of numbered markers with popups; markers at one point
    are drawn side by side (each one's anchor shifted), so none hides another."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.geoJSON({{ this.data }}, {
              pointToLayer: function (feature, latlng) {
                var p = feature.properties, size = 26;
                return L.marker(latlng, {title: p.rank + ". " + p.name, alt: p.name,
                  riseOnHover: true, zIndexOffset: 1000 - p.rank,
                  icon: L.divIcon({className: "center-marker reach-" + p.reach
                      + (p.confirmed ? "" : " unconfirmed"),
                    html: String(p.rank), iconSize: [size, size],
                    iconAnchor: [size / 2 - p.shift * (size + 2), size / 2]})});
              },
              onEachFeature: function (feature, layer) {
                layer.bindPopup(feature.properties.popup);
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
    east = origin[1] > 0  # west of the date line: the map runs on eastwards past 180
    page_map = PageMap(location=list(origin), zoom_start=7, tiles=None, control_scale=True)
    page_map.default_js = [("leaflet", assets.leaflet_js)]
    page_map.default_css = [("leaflet_css", assets.leaflet_css)]
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr="Map tiles").add_to(page_map)
    else:
        page_map.add_child(OfflineBasemap(assets.basemap_geojson, assets.places_geojson, east))
    if zone is not None and not zone.is_empty:
        folium.GeoJson(
            _shifted(mapping(zone), east),
            name="stay-zone",
            style_function=lambda _: ZONE_STYLE,
            tooltip=zone_label or None,
        ).add_to(page_map)
    shifts = _spread(markers)
    page_map.add_child(
        CentersLayer(
            [
                _feature(m.number or i, m, shifts[i - 1], east)
                for i, m in enumerate(markers, start=1)
            ]
        )
    )
    # In the overlay pane, under the markers' pane: the patient's dot never hides a center.
    folium.CircleMarker(
        list(origin),
        radius=7,
        color="#ffffff",
        weight=3,
        fill=True,
        fill_color=PATIENT_COLOUR,
        fill_opacity=1.0,
        tooltip=origin_label,
        class_name="patient-location",
    ).add_to(page_map)
    page_map.fit_bounds(_bounds(origin, _nearest(markers), zone, east))
    root = page_map.get_root()
    root.render()
    return MapParts(
        header=root.header.render(), html=root.html.render(), script=root.script.render()
    )


def _lon(lon: float, east: bool) -> float:
    return lon + 360.0 if east and lon < 0 else lon


def _shifted(geometry: dict[str, Any], east: bool) -> dict[str, Any]:
    """A GeoJSON geometry with its longitudes moved east of 180 when the map runs that way."""
    if not east:
        return geometry

    def move(coords: Any) -> Any:
        if coords and isinstance(coords[0], (int, float)):
            return [_lon(coords[0], east), *coords[1:]]
        return [move(c) for c in coords]

    if geometry.get("type") == "GeometryCollection":
        return {**geometry, "geometries": [_shifted(g, east) for g in geometry["geometries"]]}
    return {**geometry, "coordinates": move(geometry["coordinates"])}


def _spread(markers: Sequence[CenterMarker]) -> list[float]:
    """Each marker's sideways place among those at the same point: 0 alone; -0.5, 0.5 for two."""
    at: dict[tuple[float, float], list[int]] = {}
    for i, m in enumerate(markers):
        at.setdefault((round(m.ranked.center.lat, 3), round(m.ranked.center.lon, 3)), []).append(i)
    shifts = [0.0] * len(markers)
    for same in at.values():
        for k, i in enumerate(same):
            shifts[i] = k - (len(same) - 1) / 2
    return shifts


def _nearest(markers: Sequence[CenterMarker]) -> Sequence[CenterMarker]:
    """The centers the first view shows: every one within the radius, else the nearest three."""
    within = [m for m in markers if m.reach == WITHIN and m.confirmed]
    return within[:8] if within else [m for m in markers if m.confirmed][:3] or markers[:3]


def _feature(rank: int, marker: CenterMarker, shift: float, east: bool) -> dict[str, Any]:
    center = marker.ranked.center
    popup = "<strong>{}</strong><br>{}".format(
        escape(center.name), "<br>".join(str(escape(line)) for line in marker.popup_lines)
    )
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [_lon(center.lon, east), center.lat]},
        "properties": {
            "id": center.id,
            "name": center.name,
            "rank": rank,
            "reach": marker.reach,
            "colour": COLOURS[marker.reach],
            "confirmed": marker.confirmed,
            "shift": shift,
            "popup": popup,
        },
    }


def _bounds(
    origin: tuple[float, float],
    markers: Sequence[CenterMarker],
    zone: BaseGeometry | None,
    east: bool = False,
) -> list[list[float]]:
    lats = [origin[0]] + [m.ranked.center.lat for m in markers]
    lons = [origin[1]] + [_lon(m.ranked.center.lon, east) for m in markers]
    if zone is not None and not zone.is_empty:
        west, south, east_edge, north = zone.bounds
        lats += [south, north]
        lons += [_lon(west, east), _lon(east_edge, east)]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]
