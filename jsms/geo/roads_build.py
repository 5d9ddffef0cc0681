"""Building a :class:`~jsms.geo.roads.RoadGraph` from nodes and directed edges.

One path for every source (OSM importers, national corridors, benchmark grids): lengths are
great-circle, parallel edges keep the fastest, CSR order is made with one ``lexsort``, and
each edge's H3 risk samples are computed here, once, so that re-weighting later never touches
geometry again.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from h3.api import basic_int as _h3i

from jsms.geo.roads import (
    DEFAULT_REACH_M,
    H3_RESOLUTION,
    SAMPLE_STEP_M,
    RoadDataError,
    RoadGraph,
    _check,
    haversine_m,
)

__all__ = ["build_graph"]


def _cells(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Resolution-7 cells of points: h3 converts one point per call (~1 us), so build-time only."""
    to_cell = _h3i.latlng_to_cell
    return np.fromiter(
        (to_cell(a, b, H3_RESOLUTION) for a, b in zip(lat.tolist(), lon.tolist(), strict=True)),
        dtype=np.uint64,
        count=lat.size,
    )


def _samples(
    lat: np.ndarray,
    lon: np.ndarray,
    tail: np.ndarray,
    head: np.ndarray,
    length: np.ndarray,
    step_m: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Risk samples of every edge: (sample_indptr, sample_cell, sample_len_m, cell_table, mid).

    An edge and its reverse share their geometry, so cells are computed once per undirected
    segment and copied; consecutive pieces of a segment in the same cell are merged.
    """
    m = tail.size
    lo, hi = np.minimum(tail, head).astype(np.int64), np.maximum(tail, head).astype(np.int64)
    seg_key, seg_of_edge = np.unique(lo * (lat.size + 1) + hi, return_inverse=True)
    seg_lo, seg_hi = seg_key // (lat.size + 1), seg_key % (lat.size + 1)
    seg_len = np.zeros(seg_key.size)
    seg_len[seg_of_edge] = length
    pieces = np.maximum(1, np.ceil(seg_len / step_m - 1e-9)).astype(np.int64)
    seg_start = np.concatenate(([0], np.cumsum(pieces)))
    owner = np.repeat(np.arange(seg_key.size), pieces)
    frac = (np.arange(owner.size) - seg_start[owner] + 0.5) / pieces[owner]
    a, b = seg_lo[owner], seg_hi[owner]
    s_lat = lat[a] + frac * (lat[b] - lat[a])
    s_lon = lon[a] + frac * (lon[b] - lon[a])
    cells = _cells(s_lat, s_lon)
    piece_len = (seg_len / pieces)[owner]
    # merge runs of the same cell within a segment
    new_run = np.ones(owner.size, dtype=bool)
    new_run[1:] = (owner[1:] != owner[:-1]) | (cells[1:] != cells[:-1])
    run_start = np.flatnonzero(new_run)
    run_cell = cells[run_start]
    run_len = np.add.reduceat(piece_len, run_start) if run_start.size else piece_len[:0]
    run_owner = owner[run_start]
    runs_per_seg = np.bincount(run_owner, minlength=seg_key.size)
    seg_run_start = np.concatenate(([0], np.cumsum(runs_per_seg)))
    # expand segments to directed edges
    count = runs_per_seg[seg_of_edge]
    sample_indptr = np.concatenate(([0], np.cumsum(count))).astype(np.int64)
    idx = np.repeat(seg_run_start[seg_of_edge] - sample_indptr[:-1], count) + np.arange(
        int(sample_indptr[-1])
    )
    cell_table, run_cell_idx = np.unique(run_cell, return_inverse=True)
    # midpoint cell per segment: the middle piece when odd, else computed
    mid_lat = (lat[seg_lo] + lat[seg_hi]) / 2
    mid_lon = (lon[seg_lo] + lon[seg_hi]) / 2
    mid = _cells(mid_lat, mid_lon)[seg_of_edge] if m else np.zeros(0, dtype=np.uint64)
    return (
        sample_indptr,
        run_cell_idx[idx].astype(np.int32),
        run_len[idx].astype(np.float32),
        cell_table.astype(np.uint64),
        mid,
    )


def build_graph(
    lat: np.ndarray | Sequence[float],
    lon: np.ndarray | Sequence[float],
    tail: np.ndarray | Sequence[int],
    head: np.ndarray | Sequence[int],
    *,
    speed_kmh: np.ndarray | Sequence[float] | float,
    edge_name: np.ndarray | Sequence[int] | None = None,
    names: Sequence[str] = (),
    node_osm_id: np.ndarray | Sequence[int] | None = None,
    node_name: np.ndarray | Sequence[int] | None = None,
    source: str = "",
    sample_step_m: float = SAMPLE_STEP_M,
    reach_m: float = DEFAULT_REACH_M,
) -> RoadGraph:
    """Build a :class:`RoadGraph` from node coordinates and directed edges (tail -> head).

    Edges are straight between their nodes; lengths are great-circle. Self-loops are dropped,
    parallel edges keep the fastest one, and nodes left without any edge are removed.
    """
    lat = np.asarray(lat, dtype=np.float64).ravel()
    lon = np.asarray(lon, dtype=np.float64).ravel()
    n = lat.size
    tail = np.asarray(tail, dtype=np.int64).ravel()
    head = np.asarray(head, dtype=np.int64).ravel()
    if lon.size != n or head.size != tail.size:
        raise RoadDataError(f"{source or 'graph'}: arrays of different lengths")
    if not (np.isfinite(lat).all() and np.isfinite(lon).all()):
        raise RoadDataError(f"{source or 'graph'}: node coordinates must be finite")
    if n and (np.abs(lat).max() > 90 or np.abs(lon).max() > 180):
        raise RoadDataError(f"{source or 'graph'}: node coordinates out of range")
    if tail.size and (min(tail.min(), head.min()) < 0 or max(tail.max(), head.max()) >= n):
        raise RoadDataError(f"{source or 'graph'}: edge endpoints out of range")
    speed = np.broadcast_to(np.asarray(speed_kmh, dtype=np.float64), tail.shape).copy()
    if speed.size and not (speed > 0).all():
        raise RoadDataError(f"{source or 'graph'}: speeds must be > 0")
    e_name = (
        np.full(tail.size, -1, dtype=np.int32)
        if edge_name is None
        else np.asarray(edge_name, dtype=np.int32).ravel()
    )
    osm_id = (
        np.full(n, -1, dtype=np.int64)
        if node_osm_id is None
        else np.asarray(node_osm_id, dtype=np.int64).ravel()
    )
    n_name = (
        np.full(n, -1, dtype=np.int32)
        if node_name is None
        else np.asarray(node_name, dtype=np.int32).ravel()
    )

    keep = tail != head
    tail, head, speed, e_name = tail[keep], head[keep], speed[keep], e_name[keep]
    length = haversine_m(lat[tail], lon[tail], lat[head], lon[head])
    time = length / (speed / 3.6)

    # drop unused nodes, renumber
    used = np.zeros(n, dtype=bool)
    used[tail] = True
    used[head] = True
    new_id = np.cumsum(used) - 1
    lat, lon, osm_id, n_name = lat[used], lon[used], osm_id[used], n_name[used]
    tail, head = new_id[tail], new_id[head]
    n = lat.size

    # CSR order; parallel edges keep the fastest
    order = np.lexsort((time, head, tail))
    tail, head, length, time, e_name = (
        tail[order],
        head[order],
        length[order],
        time[order],
        e_name[order],
    )
    if tail.size:
        first = np.ones(tail.size, dtype=bool)
        first[1:] = (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])
        tail, head, length, time, e_name = (
            tail[first],
            head[first],
            length[first],
            time[first],
            e_name[first],
        )
    indptr = np.concatenate(([0], np.cumsum(np.bincount(tail, minlength=n)))).astype(np.int64)
    s_indptr, s_cell, s_len, cell_table, edge_cell = _samples(
        lat, lon, tail, head, length, sample_step_m
    )
    graph = RoadGraph(
        lat=lat,
        lon=lon,
        node_osm_id=osm_id,
        node_name=n_name,
        indptr=indptr,
        head=head.astype(np.int32),
        length_m=length.astype(np.float32),
        time_s=time.astype(np.float32),
        edge_name=e_name,
        edge_cell=edge_cell,
        cell_table=cell_table,
        sample_indptr=s_indptr,
        sample_cell=s_cell,
        sample_len_m=s_len,
        names=tuple(names),
        source=source,
        reach_m=reach_m,
    )
    _check(graph, source or "graph")
    return graph
