"""H3 cells as integers, and the few grid operations the surface needs, vectorised with NumPy.

Cells are H3 indexes as integers (``uint64`` in arrays; the database stores them as signed
``BIGINT``, which is the same bits because bit 63 of an H3 index is always 0). Converting a
point to a cell costs about half a microsecond in h3 4.x, one point per call, so it happens once
when an incident is written; the rebuild only does integer arithmetic on arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
from h3.api import basic_int as _h3i

__all__ = [
    "INDEX_RESOLUTION",
    "REGION_RESOLUTION",
    "are_cell_indexes",
    "as_cells",
    "cell_int",
    "neighbours",
    "parents",
    "resolutions_of",
]

INDEX_RESOLUTION = 7
"""Resolution of the cells incidents are indexed and scored at (~5.2 km2, edge ~1.2 km)."""
REGION_RESOLUTION = 5
"""Resolution of the region cells the surface is aggregated to (~250 km2)."""


def cell_int(cell: int | str | np.integer) -> int:
    """An H3 cell as an integer, from its hex string or any integer type."""
    if isinstance(cell, str):
        return _h3i.str_to_int(cell)
    return int(cell)


_U = np.uint64
_RES_SHIFT = _U(52)
_RES_MASK = _U(0xF << 52)
_MODE_SHIFT = _U(59)
_BASE_SHIFT = _U(45)


def resolutions_of(cells: np.ndarray) -> np.ndarray:
    return ((cells >> _RES_SHIFT) & _U(0xF)).astype(np.int8)


def parents(cells: np.ndarray, res: int) -> np.ndarray:
    """Parents at ``res`` of cells at any finer resolution (digits below ``res`` become 7)."""
    unused = _U((1 << ((15 - res) * 3)) - 1)
    return (cells & ~_RES_MASK) | _U(res << 52) | unused


@cache
def _digit_tables() -> tuple[np.ndarray, np.ndarray, frozenset[int]]:
    """How one step in each direction changes an H3 digit, derived from h3 itself.

    ``new[p, d, k]`` is the digit after moving in direction ``k`` from a cell whose digit is
    ``d`` at a resolution of parity ``p``, and ``carry[p, d, k]`` the direction the parent then
    has to move in (0: none). Directions are the H3 ones (1 K, 2 J, 3 JK, 4 I, 5 IK, 6 IJ); a
    direction is recognised by its step in local IJ coordinates. Probing 84 cells in the middle
    of a hexagonal base cell keeps this free of copied tables and checkable against h3.
    """
    unit_ij = {1: (-1, -1), 2: (0, 1), 3: (-1, 0), 4: (1, 0), 5: (0, -1), 6: (1, 1)}
    direction = {v: k for k, v in unit_ij.items()}
    new = np.zeros((2, 7, 7), dtype=np.uint64)
    carry = np.zeros((2, 7, 7), dtype=np.uint8)
    base = _h3i.cell_to_parent(_h3i.latlng_to_cell(30.0, 70.0, 1), 0)
    for res in (3, 4):
        shift = (15 - res) * 3
        centre = _h3i.cell_to_center_child(base, res)
        for digit in range(7):
            cell = (centre & ~(7 << shift)) | (digit << shift)
            parent = _h3i.cell_to_parent(cell, res - 1)
            ci, cj = _h3i.cell_to_local_ij(cell, cell)
            pi, pj = _h3i.cell_to_local_ij(parent, parent)
            by_step = {}
            for n in _h3i.grid_ring(cell, 1):
                ni, nj = _h3i.cell_to_local_ij(cell, n)
                by_step[direction[(ni - ci, nj - cj)]] = n
            new[res % 2, digit, 0] = digit
            for k in range(1, 7):
                n = by_step[k]
                new[res % 2, digit, k] = (n >> shift) & 7
                n_parent = _h3i.cell_to_parent(n, res - 1)
                if n_parent != parent:
                    qi, qj = _h3i.cell_to_local_ij(parent, n_parent)
                    carry[res % 2, digit, k] = direction[(qi - pi, qj - pj)]
    pentagon_bases = frozenset(int(p >> 45) & 0x7F for p in _h3i.get_pentagons(0))
    return new, carry, pentagon_bases


def neighbours(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The k=1 ring of each cell (all of one resolution): (n, 6) uint64 (0 pads pentagons), counts.

    Digits are stepped with NumPy; the ~1 % of cells whose neighbours lie in another base cell,
    and cells of the 12 pentagon base cells, are handed to h3 one by one.
    """
    new, carry, pentagon_bases = _digit_tables()
    n = cells.size
    out = np.repeat(cells, 6)
    step = np.tile(np.arange(1, 7, dtype=np.uint8), n)
    todo = np.arange(out.size)
    res = int(resolutions_of(cells[:1])[0]) if n else 0
    for r in range(res, 0, -1):
        if todo.size == 0:
            break
        shift = _U((15 - r) * 3)
        cur, k = out[todo], step[todo]
        digit = ((cur >> shift) & _U(7)).astype(np.intp)
        out[todo] = (cur & ~(_U(7) << shift)) | (new[r % 2][digit, k] << shift)
        k = carry[r % 2][digit, k]
        moving = k != 0
        step[todo] = k
        todo = todo[moving]
    table = out.reshape(n, 6)
    counts = np.full(n, 6, dtype=np.int8)
    slow = np.zeros(n, dtype=bool)
    slow[todo // 6] = True
    bases = ((cells >> _BASE_SHIFT) & _U(0x7F)).astype(np.int16)
    slow |= np.isin(bases, np.fromiter(pentagon_bases, dtype=np.int16))
    for i in np.flatnonzero(slow).tolist():
        ring = _h3i.grid_ring(int(cells[i]), 1)
        table[i, :] = 0
        table[i, : len(ring)] = ring
        counts[i] = len(ring)
    return table, counts


def as_cells(cells: np.ndarray | Sequence[int]) -> np.ndarray:
    """uint64 view of H3 cell integers (int64 from the database is the same bits)."""
    arr = np.asarray(cells)
    if arr.dtype == np.uint64:
        return arr
    if arr.dtype == np.int64:
        return arr.view(np.uint64)
    if arr.dtype.kind in "iu" or arr.size == 0:
        return arr.astype(np.uint64)
    if arr.dtype.kind in "OU":
        return np.array([cell_int(c) for c in arr.ravel()], dtype=np.uint64)
    raise TypeError(f"cells must be H3 integers, got dtype {arr.dtype}")


def are_cell_indexes(cells: np.ndarray) -> bool:
    """Whether every uint64 in ``cells`` is an H3 cell index (mode 1), not an edge or vertex."""
    return bool((((cells >> _MODE_SHIFT) & _U(0xF)) == _U(1)).all())
