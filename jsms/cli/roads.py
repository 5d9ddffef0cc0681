"""`jsms geo import-osm FILE`: import OpenStreetMap roads into the routing graph.

Registered on the `jsms geo` group when this module is imported (``jsms.cli.main`` imports it
at the bottom, like the other command modules). Bad input ends with one line on stderr and
exit code 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from jsms.cli.main import console, err, geo_app

__all__ = ["geo_import_osm"]


@geo_app.command("import-osm")
def geo_import_osm(
    file: Annotated[
        Path, typer.Argument(help="OSM XML (.osm), PBF (.pbf) or Overpass JSON (.json) file")
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="where to write the graph (default $JSMS_ROAD_GRAPH or var/roads.npz)"
        ),
    ] = None,
) -> None:
    """Build the road graph for routing from an OpenStreetMap extract (drivable roads only)."""
    from jsms.geo.roads import RoadDataError, default_graph_path
    from jsms.geo.roads_osm import read_osm

    target = out if out is not None else default_graph_path()
    try:
        graph = read_osm(file)
        graph.save(target)
    except RoadDataError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    except OSError as exc:
        err.print(f"[bold red]error:[/] cannot write {escape(str(target))}: {escape(str(exc))}")
        raise typer.Exit(2) from None
    console.print(
        f"{graph.n_nodes:,} nodes, {graph.n_edges:,} edges from {escape(file.name)} "
        f"written to {escape(str(target))}"
    )
