"""Read models of the ledger: the registry's (provenance graphs, collection figures, tags) and every
tracked object's (why it failed, its timeline, what runs for it now). Queries are per page, per
level of a graph or per object, never per row."""

from .dashboard import Board, StateCount, boards
from .lists import collection_rows, execution_rows, product_rows
from .objects import Failure, TimelineEntry, failure_of, running_execution, timeline, with_failure_reasons
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
    "Board",
    "Failure",
    "ProvenanceGraph",
    "StateCount",
    "TimelineEntry",
    "boards",
    "collection_figures",
    "collection_rows",
    "execution_rows",
    "failure_of",
    "graph_nodes",
    "parents_of",
    "product_rows",
    "provenance_graph",
    "running_execution",
    "tags_of",
    "timeline",
    "with_failure_reasons",
]
