"""Read models of the registry: provenance graphs, collection figures, tags, and the rows of its
lists. Queries are per page or per level of a graph, never per row."""

from .lists import collection_rows, execution_rows, product_rows
from .registry import (
    MAX_DEPTH,
    ProvenanceGraph,
    collection_figures,
    graph_nodes,
    parents_of,
    provenance_graph,
    tags_of,
)

__all__ = [
    "MAX_DEPTH",
    "ProvenanceGraph",
    "collection_figures",
    "collection_rows",
    "execution_rows",
    "graph_nodes",
    "parents_of",
    "product_rows",
    "provenance_graph",
    "tags_of",
]
