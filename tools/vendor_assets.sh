#!/usr/bin/env bash
# Re-create the offline front-end assets under static/vendor/ and static/basemap/ from the npm
# registry, and rewrite static/vendor/VENDOR.md (versions, tarball URLs, licences, sha256).
#
# Nothing is fetched at run time by the app: these files are committed. Run this only to update
# them (edit the versions below), then review the diff.
#
#   tools/vendor_assets.sh            # write into this checkout
#   tools/vendor_assets.sh OUT_DIR    # write into OUT_DIR/static/... instead (to compare)
#
# Needs: bash, node (>= 18), npm, tar, sha256sum. All npm work happens in a temporary folder;
# no package.json or node_modules is created in the project.
set -euo pipefail

LEAFLET_VERSION=1.9.4
MARKERCLUSTER_VERSION=1.5.3
AXE_VERSION=4.14.1          # newest 4.x when vendored; see: npm view 'axe-core@4' version
US_ATLAS_VERSION=3.0.1
TOPOJSON_CLIENT_VERSION=3.1.0   # build-time only (GeoJSON conversion), not shipped
ROUND_DECIMALS=3                # basemap coordinate precision (3 decimals ~ 100 m)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
VENDOR="$OUT/static/vendor"
BASEMAP="$OUT/static/basemap"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/vendor_assets.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# npm pack SPEC -> unpacks into $WORK/x/NAME/package; records tarball URL and integrity
declare -A TARBALL INTEGRITY
fetch() {
  local name="$1" version="$2"
  local spec="$name@$version"
  TARBALL[$name]="$(cd "$WORK" && npm view "$spec" dist.tarball 2>/dev/null)"
  INTEGRITY[$name]="$(cd "$WORK" && npm view "$spec" dist.integrity 2>/dev/null)"
  local tgz
  tgz="$(cd "$WORK" && npm pack --silent "$spec" 2>/dev/null | tail -n 1)"
  [ -s "$WORK/$tgz" ] || { echo "npm pack $spec failed" >&2; exit 1; }
  mkdir -p "$WORK/x/$name"
  tar -xzf "$WORK/$tgz" -C "$WORK/x/$name"
  echo "fetched $spec (${TARBALL[$name]})"
}

fetch leaflet "$LEAFLET_VERSION"
fetch leaflet.markercluster "$MARKERCLUSTER_VERSION"
fetch axe-core "$AXE_VERSION"
fetch us-atlas "$US_ATLAS_VERSION"
fetch topojson-client "$TOPOJSON_CLIENT_VERSION"

P="$WORK/x"

# --- Leaflet -------------------------------------------------------------------------------
rm -rf "$VENDOR/leaflet"
mkdir -p "$VENDOR/leaflet/images"
cp "$P/leaflet/package/dist/leaflet.js" "$P/leaflet/package/dist/leaflet.css" "$VENDOR/leaflet/"
cp "$P/leaflet/package/dist/images/"*.png "$VENDOR/leaflet/images/"
cp "$P/leaflet/package/LICENSE" "$VENDOR/leaflet/LICENSE"

# --- Leaflet.markercluster -----------------------------------------------------------------
rm -rf "$VENDOR/leaflet.markercluster"
mkdir -p "$VENDOR/leaflet.markercluster"
for f in leaflet.markercluster.js MarkerCluster.css MarkerCluster.Default.css; do
  cp "$P/leaflet.markercluster/package/dist/$f" "$VENDOR/leaflet.markercluster/"
done
cp "$P/leaflet.markercluster/package/MIT-LICENCE.txt" "$VENDOR/leaflet.markercluster/LICENSE"

# --- axe-core (browser tests only) ---------------------------------------------------------
rm -rf "$VENDOR/axe-core"
mkdir -p "$VENDOR/axe-core"
cp "$P/axe-core/package/axe.min.js" "$P/axe-core/package/LICENSE" \
   "$P/axe-core/package/LICENSE-3RD-PARTY.txt" "$VENDOR/axe-core/"

# --- Basemap: us-atlas states-10m (TopoJSON) -> GeoJSON ------------------------------------
mkdir -p "$BASEMAP"   # other files the app may keep here are left alone
rm -f "$BASEMAP/us-states.geojson" "$BASEMAP/us-land.geojson" "$BASEMAP/LICENSE"
cp "$P/us-atlas/package/LICENSE" "$BASEMAP/LICENSE"
cat > "$WORK/convert.js" <<'EOF'
// node convert.js TOPOJSON_CLIENT_JS STATES_10M_JSON OUT_DIR DECIMALS
"use strict";
const fs = require("fs");
const path = require("path");
const [tcPath, topoPath, outDir, decimalsArg] = process.argv.slice(2);
const topojson = require(tcPath);
const topo = JSON.parse(fs.readFileSync(topoPath, "utf8"));
const factor = 10 ** Number(decimalsArg);

// Alaska's western Aleutians (Near Islands, Buldir, Rat Islands) lie west of the
// antimeridian, so us-atlas gives them longitudes of +172..+180. In Leaflet that makes the
// Alaska feature span the whole world. Drop the Alaska polygons with positive longitudes.
// (Guam and the Northern Mariana Islands really are at +144..+146 and are kept.)
const dropped = [];
const geometries = topo.objects.states.geometries.map((g) => {
  if (g.id !== "02") return g;
  const coords = topojson.feature(topo, g).geometry.coordinates;
  const keep = [];
  g.arcs.forEach((polygonArcs, i) => {
    if (coords[i][0].every(([x]) => x > 0)) dropped.push(coords[i]);
    else keep.push(polygonArcs);
  });
  return { ...g, arcs: keep };
});

const round = (v) => Math.round(v * factor) / factor || 0; // "|| 0" turns -0 into 0
const signedArea = (ring) => {
  let s = 0;
  for (let i = 0; i < ring.length - 1; i++) s += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return s / 2;
};
const same = (p, q) => p[0] === q[0] && p[1] === q[1];
// Round a ring, drop repeated points and zero-width spikes (A,B,A -> A; the source itself has
// one at the Oregon/California/Nevada corner, which makes Oregon an invalid polygon), and wind
// it (RFC 7946: exterior counter-clockwise, holes clockwise). Returns null for a ring that
// collapses.
function cleanRing(ring, exterior) {
  const out = [];
  for (const [x, y] of ring.slice(0, -1)) {
    const p = [round(x), round(y)];
    if (out.length >= 1 && same(out[out.length - 1], p)) continue;
    if (out.length >= 2 && same(out[out.length - 2], p)) { out.pop(); continue; }
    out.push(p);
  }
  for (let changed = true; changed; ) { // the same across the ring's start/end
    changed = true;
    const n = out.length;
    if (n >= 2 && same(out[0], out[n - 1])) out.pop();
    else if (n >= 3 && same(out[n - 2], out[0])) out.pop();
    else if (n >= 3 && same(out[1], out[n - 1])) out.shift();
    else changed = false;
  }
  if (out.length < 3) return null;
  out.push([out[0][0], out[0][1]]);
  const a = signedArea(out);
  if (a === 0) return null;
  if ((a > 0) !== exterior) out.reverse();
  return out;
}
function cleanGeometry(geom) {
  const polygons = geom.type === "Polygon" ? [geom.coordinates] : geom.coordinates;
  const out = [];
  for (const polygon of polygons) {
    const shell = cleanRing(polygon[0], true);
    if (!shell) continue;
    const holes = polygon.slice(1).map((r) => cleanRing(r, false)).filter(Boolean);
    out.push([shell, ...holes]);
  }
  return out.length === 1
    ? { type: "Polygon", coordinates: out[0] }
    : { type: "MultiPolygon", coordinates: out };
}
const writeCollection = (file, features) => {
  const body = features.map((f) => JSON.stringify(f)).join(",\n");
  fs.writeFileSync(path.join(outDir, file), `{"type":"FeatureCollection","features":[\n${body}\n]}\n`);
};

const states = topojson
  .feature(topo, { type: "GeometryCollection", geometries })
  .features.map((f) => ({
    type: "Feature",
    id: f.id,
    properties: { name: f.properties.name },
    geometry: cleanGeometry(f.geometry),
  }))
  .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
writeCollection("us-states.geojson", states);

const land = topojson.merge(topo, geometries);
writeCollection("us-land.geojson", [
  { type: "Feature", id: "US", properties: { name: "United States" }, geometry: cleanGeometry(land) },
]);

console.log(`us-states.geojson: ${states.length} features; us-land.geojson: 1 feature ` +
  `(${land.coordinates.length} polygons before rounding)`);
console.log(`dropped ${dropped.length} Alaska polygons east of 180° (positive longitudes): ` +
  dropped.map((p) => `[${Math.min(...p[0].map((c) => c[0])).toFixed(2)}..` +
    `${Math.max(...p[0].map((c) => c[0])).toFixed(2)}]`).join(" "));
EOF
node "$WORK/convert.js" "$P/topojson-client/package/dist/topojson-client.js" \
  "$P/us-atlas/package/states-10m.json" "$BASEMAP" "$ROUND_DECIMALS"

# Some tarballs mark plain files executable (leaflet.markercluster): normalise.
find "$VENDOR" "$BASEMAP" -type f -exec chmod 644 {} +

# --- VENDOR.md -----------------------------------------------------------------------------
pkg_row() { # NAME VERSION LICENCE FILES
  printf '| %s | %s | %s | `%s` | %s | %s |\n' \
    "$1" "$2" "${TARBALL[$1]}" "${INTEGRITY[$1]}" "$3" "$4"
}
file_rows() { # PACKAGE@VERSION DIR FILE... -> one row per file, path relative to static/
  local pkg="$1" dir="$2"; shift 2
  local f
  for f in "$@"; do
    printf '| `%s` | %s | %s | `%s` |\n' "${dir#"$OUT/static/"}/$f" "$pkg" \
      "$(stat -c %s "$dir/$f")" "$(sha256sum "$dir/$f" | cut -d' ' -f1)"
  done
}
LEAFLET_FILES=(leaflet.js leaflet.css LICENSE images/layers.png images/layers-2x.png
  images/marker-icon.png images/marker-icon-2x.png images/marker-shadow.png)
MARKERCLUSTER_FILES=(leaflet.markercluster.js MarkerCluster.css MarkerCluster.Default.css LICENSE)
AXE_FILES=(axe.min.js LICENSE LICENSE-3RD-PARTY.txt)
BASEMAP_FILES=(us-states.geojson us-land.geojson LICENSE)
{
  cat <<'EOF'
# Vendored front-end assets

Served from `static/` so that no page loads anything from a CDN. Do not edit these files by
hand: change the versions in `tools/vendor_assets.sh` and run it (it fetches the packages with
`npm pack` into a temporary folder, copies the files and rewrites this file). The files are
byte-for-byte those of the npm tarballs (a licence file may be renamed `LICENSE`), except the
basemap GeoJSON, which is generated from `us-atlas`.

## Packages

| package | version | registry tarball | npm integrity | licence | files copied (under `static/`) |
| --- | --- | --- | --- | --- | --- |
EOF
  pkg_row leaflet "$LEAFLET_VERSION" "BSD-2-Clause" \
    "\`vendor/leaflet/\`: \`dist/leaflet.js\`, \`dist/leaflet.css\`, \`dist/images/*.png\` → \`images/\`, \`LICENSE\`"
  pkg_row leaflet.markercluster "$MARKERCLUSTER_VERSION" "MIT" \
    "\`vendor/leaflet.markercluster/\`: \`dist/leaflet.markercluster.js\`, \`dist/MarkerCluster.css\`, \`dist/MarkerCluster.Default.css\`, \`MIT-LICENCE.txt\` → \`LICENSE\`"
  pkg_row axe-core "$AXE_VERSION" "MPL-2.0 (bundled third-party code: see \`LICENSE-3RD-PARTY.txt\`)" \
    "\`vendor/axe-core/\`: \`axe.min.js\`, \`LICENSE\`, \`LICENSE-3RD-PARTY.txt\`"
  pkg_row us-atlas "$US_ATLAS_VERSION" "ISC; the data: US Census Bureau, public domain" \
    "\`basemap/\`: \`LICENSE\`; \`states-10m.json\` converted → \`us-states.geojson\`, \`us-land.geojson\`"
  pkg_row topojson-client "$TOPOJSON_CLIENT_VERSION" "ISC" \
    "none: build-time only, converts \`states-10m.json\` to GeoJSON"
  cat <<'EOF'

## Files

| file (under `static/`) | from | bytes | sha256 |
| --- | --- | --- | --- |
EOF
  file_rows "leaflet@$LEAFLET_VERSION" "$VENDOR/leaflet" "${LEAFLET_FILES[@]}"
  file_rows "leaflet.markercluster@$MARKERCLUSTER_VERSION" "$VENDOR/leaflet.markercluster" \
    "${MARKERCLUSTER_FILES[@]}"
  file_rows "axe-core@$AXE_VERSION" "$VENDOR/axe-core" "${AXE_FILES[@]}"
  file_rows "us-atlas@$US_ATLAS_VERSION" "$BASEMAP" "${BASEMAP_FILES[@]}"
  cat <<EOF

## Notes

- **axe-core** is loaded only by browser tests, never by the app's pages.
- \`leaflet.js\` and \`leaflet.markercluster.js\` end with a \`//# sourceMappingURL=\` comment; the
  \`.map\` files are not vendored, so a browser's developer tools may log a 404 for them. Harmless.
- \`leaflet.css\` loads \`images/*.png\` by relative URL: keep \`images/\` next to it.
- **Basemap** (\`static/basemap/\`): from \`us-atlas@$US_ATLAS_VERSION\` \`states-10m.json\`
  (TopoJSON, longitude/latitude WGS84, derived from the US Census Bureau's 2017 cartographic
  boundary files, 1:10,000,000; public domain), converted with \`topojson-client@$TOPOJSON_CLIENT_VERSION\`
  (\`topojson.feature\` and \`topojson.merge\`).
  - \`us-states.geojson\`: FeatureCollection, one Feature per state, DC and territory (50 states,
    DC, PR, VI, GU, MP, AS), sorted by FIPS code; \`id\` = two-digit state FIPS code,
    \`properties\` = \`{"name": ...}\` only.
  - \`us-land.geojson\`: FeatureCollection holding one Feature (\`id\` "US"), the MultiPolygon union
    of all the states' geometries (\`topojson.merge\`, so it shares the states' exact borders).
  - Coordinates rounded to $ROUND_DECIMALS decimals, repeated points and zero-width spikes removed
    (the source has one, A-B-A, at the Oregon/California/Nevada corner, which made Oregon an
    invalid polygon), rings wound as RFC 7946 asks (exterior counter-clockwise, holes clockwise).
  - Antimeridian: the western Aleutians (Near Islands, Buldir, Rat Islands: Kiska, Amchitka,
    Semisopochnoi..., 172.5°E to 179.8°E) have positive longitudes in the source, which makes
    Alaska span the whole map in Leaflet; the 12 Alaska polygons lying wholly east of 180° are
    dropped (none straddles it), so Alaska ends at -179.14°. Guam and the Northern Mariana
    Islands really lie at 144–146°E and are kept, so a bounds fit on the whole layer covers most
    of the world: fit to the states you need.
EOF
} > "$VENDOR/VENDOR.md"

echo "wrote $VENDOR and $BASEMAP"
