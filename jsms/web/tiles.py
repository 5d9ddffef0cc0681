"""Map tiles from a local MBTiles or PMTiles file, for sites that keep their own tiles.

The control room works without tiles (the packaged outlines are the base layer); an operator
who has an offline tile set points `JSMS_TILES_FILE` at it and the map draws it underneath.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from pmtiles.reader import MmapSource, Reader
from pmtiles.tile import Compression, TileType

__all__ = ["Tile", "TileSet", "open_tiles"]

MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}
PMTILES_TYPES = {
    TileType.PNG: "image/png",
    TileType.JPEG: "image/jpeg",
    TileType.WEBP: "image/webp",
    TileType.AVIF: "image/avif",
    TileType.MVT: "application/vnd.mapbox-vector-tile",
}


@dataclass(frozen=True)
class Tile:
    body: bytes
    media_type: str
    gzipped: bool = False


class TileSet:
    """One tile file; `tile(z, x, y)` is None where the file has no tile."""

    media_type = "image/png"

    def tile(self, z: int, x: int, y: int) -> Tile | None:
        raise NotImplementedError


class MBTiles(TileSet):
    """MBTiles 1.3: an SQLite file whose rows are numbered in TMS order (y from the south)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        with self._connect() as db:
            row = db.execute("SELECT value FROM metadata WHERE name = 'format'").fetchone()
        self.media_type = MEDIA_TYPES.get((row[0] if row else "png").lower(), "image/png")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)

    def tile(self, z: int, x: int, y: int) -> Tile | None:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self._connect()
        tms_y = (1 << z) - 1 - y
        row = db.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
            (z, x, tms_y),
        ).fetchone()
        return Tile(bytes(row[0]), self.media_type) if row else None


class PMTiles(TileSet):
    """PMTiles v3: one file read through memory mapping, tiles addressed directly in XYZ."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("rb")
        self._reader = Reader(MmapSource(self._file))
        header = self._reader.header()
        self.media_type = PMTILES_TYPES.get(header["tile_type"], "application/octet-stream")
        self._gzipped = header["tile_compression"] == Compression.GZIP
        self._lock = threading.Lock()

    def tile(self, z: int, x: int, y: int) -> Tile | None:
        with self._lock:
            body = self._reader.get(z, x, y)
        return Tile(body, self.media_type, self._gzipped) if body else None


def open_tiles(path: Path) -> TileSet:
    """Open an .mbtiles or .pmtiles file; a clear error for anything else."""
    if not path.is_file():
        raise FileNotFoundError(f"tile file {path} does not exist")
    if path.suffix == ".mbtiles":
        return MBTiles(path)
    if path.suffix == ".pmtiles":
        return PMTiles(path)
    raise ValueError(f"tile file {path} must end in .mbtiles or .pmtiles")
