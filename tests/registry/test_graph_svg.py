"""The provenance drawing: columns by level, every node a link, text escaped."""

from lxml import etree

from l2portal.registry import graph_svg

SVG = "{http://www.w3.org/2000/svg}"


def node(id_, level, label, kind="product", href="/p/1/"):
    return graph_svg.Node(
        id=id_, kind=kind, level=level, label=label, detail="d", href=href, status="present"
    )


def test_columns_follow_levels_and_every_node_is_a_link():
    nodes = [
        node("a", -2, "raw"),
        node("x", -1, "make", kind="execution", href="/e/1/"),
        node("b", 0, "<ft2 & co>"),
        node("c", -2, "other raw"),
    ]
    places = graph_svg.layout(nodes)
    assert places["a"][0] == places["c"][0] < places["x"][0] < places["b"][0]
    svg = etree.fromstring(
        graph_svg.render(nodes, [("a", "x"), ("c", "x"), ("x", "b")], "provenance").encode()
    )
    links = [a.get("href") for a in svg.iter(f"{SVG}a")]
    assert sorted(links) == ["/e/1/", "/p/1/", "/p/1/", "/p/1/"]
    assert len(list(svg.iter(f"{SVG}path"))) == 3 + 1  # three edges and the arrow head
    assert "<ft2 & co>" in [t.text for t in svg.iter(f"{SVG}text")]  # escaped in the file, read back whole


def test_long_labels_keep_their_end():
    assert graph_svg._short("P310/unflagged/gll_pt1s_p310_r0545208791_v001_unflagged.fit").endswith(
        "unflagged.fit"
    )
