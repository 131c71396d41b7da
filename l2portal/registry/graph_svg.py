"""A provenance graph drawn as SVG on the server (no script, no CDN): one column per level, data
flowing left to right, every node a link. Pure Python, no Django."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

COLUMN = 250
ROW = 62
NODE_WIDTH = 210
NODE_HEIGHT = 44
MARGIN = 12
LABEL_CHARS = 28


@dataclass(frozen=True)
class Node:
    id: str
    kind: str  # "product" or "execution"
    level: int
    label: str
    detail: str
    href: str
    status: str
    root: bool = False


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else "…" + text[-(limit - 1) :]


def layout(nodes: Iterable[Node]) -> dict[str, tuple[float, float]]:
    """Top-left corner of every node: column by level, rows in the order given."""
    columns: dict[int, list[Node]] = defaultdict(list)
    for node in nodes:
        columns[node.level].append(node)
    first = min(columns, default=0)
    tallest = max((len(column) for column in columns.values()), default=1)
    places = {}
    for level, column in columns.items():
        offset = (tallest - len(column)) * ROW / 2  # each column centred on the tallest
        for row, node in enumerate(column):
            places[node.id] = (MARGIN + (level - first) * COLUMN, MARGIN + offset + row * ROW)
    return places


def render(nodes: list[Node], edges: Iterable[tuple[str, str]], title: str) -> str:
    places = layout(nodes)
    width = max((x for x, _ in places.values()), default=0) + NODE_WIDTH + 2 * MARGIN
    height = max((y for _, y in places.values()), default=0) + NODE_HEIGHT + 2 * MARGIN
    size = f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}"'
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="provenance" {size} role="group" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z"/></marker></defs>',
    ]
    for source, target in sorted(edges):
        if source in places and target in places:
            (x1, y1), (x2, y2) = places[source], places[target]
            x1, y1, y2 = x1 + NODE_WIDTH, y1 + NODE_HEIGHT / 2, y2 + NODE_HEIGHT / 2
            bend = (x2 - x1) / 2
            curve = (
                f"M {x1:.0f} {y1:.0f} C {x1 + bend:.0f} {y1:.0f}, {x2 - bend:.0f} {y2:.0f}, {x2:.0f} {y2:.0f}"
            )
            parts.append(f'<path class="edge" marker-end="url(#arrow)" d="{curve}"/>')
    for node in nodes:
        x, y = places[node.id]
        classes = f"node {node.kind} status-{escape(node.status)}" + (" root" if node.root else "")
        radius = 4 if node.kind == "product" else 18
        tip = f"{escape(node.label)}\n{escape(node.detail)}"
        parts.append(
            f'<a href="{escape(node.href)}" class="{classes}"><title>{tip}</title>'
            f'<rect x="{x:.0f}" y="{y:.0f}" width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="{radius}"/>'
            f'<text x="{x + 10:.0f}" y="{y + 18:.0f}">{escape(_short(node.label))}</text>'
            f'<text class="detail" x="{x + 10:.0f}" y="{y + 35:.0f}">{escape(_short(node.detail, 34))}</text>'
            "</a>"
        )
    parts.append("</svg>")
    return "\n".join(parts)
