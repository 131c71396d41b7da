"""RUN, TAGGED and CHAINED collections as the Butler has them: chains are search paths (the first
match wins), refuse cycles, and are what the domains look inputs up through."""

import pytest

from l2portal.ledger import services
from l2portal.ledger.models import LedgerEvent
from l2portal.ledger.refusals import NotPermitted
from l2portal.registry import services as registry
from l2portal.registry.models import Collection, Product
from tests.factories import SYSTEM

pytestmark = pytest.mark.django_db


def ft2(run: Collection, run_id: int, text: str = "FITS") -> Product:
    name = f"{run.name}_ft2_r{run_id}.fit"
    return registry.write_product(
        run,
        registry.product_path(run, name),
        "ft2_1s",
        lambda tmp: tmp.write_text(f"{text} {run.name} {run_id}"),
        instrument="LAT",
        data_id={"run": run_id},
    )


def test_a_run_records_its_host_software_and_time_span(data_root):
    run = registry.get_run_collection("P310", "FT2 reprocessing")
    assert run.kind == Collection.Kind.RUN and run.host and run.software["numpy"]
    first = ft2(run, 1)
    second = ft2(run, 2)
    run.refresh_from_db()
    assert run.began_at <= first.created_at and run.ended_at == second.created_at


def test_a_lookup_through_a_chain_returns_the_first_collection_that_holds_it(data_root):
    p202, p310 = registry.get_run_collection("P202"), registry.get_run_collection("P310")
    old_1, old_2 = ft2(p202, 1), ft2(p202, 2)
    new_1 = ft2(p310, 1)
    registry.set_chain("FT2/current", ["P310", "P202"], SYSTEM)
    assert registry.find_product("FT2/current", "ft2_1s", "LAT", {"run": 1}) == new_1
    assert registry.find_product("FT2/current", "ft2_1s", "LAT", {"run": 2}) == old_2
    assert registry.find_product("FT2/current", "ft2_1s", "LAT", {"run": 3}) is None
    assert registry.find_product("FT2/current", "ft2_30s", "LAT", {"run": 1}) is None
    registry.set_chain("FT2/current", ["P202", "P310"], SYSTEM)  # redefined: order decides
    assert registry.find_product("FT2/current", "ft2_1s", "LAT", {"run": 1}) == old_1
    assert registry.find_product(p310, "ft2_1s", "LAT", {"run": "1"}) == new_1  # a RUN alone; "1" is 1


def test_chains_nest_and_search_tags_in_their_place(operator, data_root):
    p202, p310 = registry.get_run_collection("P202"), registry.get_run_collection("P310")
    ft2(p202, 1)
    chosen = ft2(p310, 1)
    registry.tag_products("FT2/validated", [chosen], services.Actor.of_user(operator))
    registry.set_chain("FT2/reviewed", ["FT2/validated"], SYSTEM)
    registry.set_chain("FT2/all", ["FT2/reviewed", "P202", "P310"], SYSTEM)
    chain = Collection.objects.get(name="FT2/all")
    assert [c.name for c in registry.resolve(chain)] == ["FT2/validated", "P202", "P310"]
    assert registry.find_product(chain, "ft2_1s", "LAT", {"run": 1}) == chosen


@pytest.mark.parametrize(
    ("chains", "closing"),
    [
        ([], ("A", ["A"])),  # itself
        ([("A", ["P310"]), ("B", ["A"])], ("A", ["B"])),  # through another chain
        ([("A", ["P310"]), ("B", ["A"]), ("C", ["B"])], ("A", ["P310", "C"])),  # deeper
    ],
)
def test_a_chain_that_would_contain_itself_is_refused_and_left_as_it_was(chains, closing):
    registry.get_run_collection("P310")
    for name, children in chains:
        registry.set_chain(name, children, SYSTEM)
    if not chains:
        registry.set_chain("A", [], SYSTEM)
    before = list(Collection.objects.get(name="A").child_links.values_list("child__name", flat=True))
    with pytest.raises(registry.CollectionCycle, match="would contain itself"):
        registry.set_chain(*closing, SYSTEM)
    assert list(Collection.objects.get(name="A").child_links.values_list("child__name", flat=True)) == before
    assert LedgerEvent.objects.filter(kind="collection_cycle").exists()


def test_a_chain_names_existing_collections_once_and_keeps_its_kind():
    registry.get_run_collection("P310")
    with pytest.raises(registry.CollectionRefused, match="no collection is named P999"):
        registry.set_chain("FT2/current", ["P310", "P999"], SYSTEM)
    with pytest.raises(registry.CollectionRefused, match="appears twice"):
        registry.set_chain("FT2/current", ["P310", "P310"], SYSTEM)
    with pytest.raises(registry.CollectionRefused, match="is Run, not Chained"):
        registry.set_chain("P310", [], SYSTEM)
    assert not Collection.objects.filter(name="FT2/current").exists()


def test_prepend_moves_a_collection_to_the_front_of_the_search_path():
    for name in ("P202", "P305", "P310"):
        registry.get_run_collection(name)
    registry.set_chain("FT2/current", ["P305", "P202"], SYSTEM)
    registry.prepend_to_chain("FT2/current", "P310", SYSTEM)
    registry.prepend_to_chain("FT2/current", "P202", SYSTEM)
    chain = Collection.objects.get(name="FT2/current")
    assert [c.name for c in registry.resolve(chain)] == ["P202", "P310", "P305"]
    event = LedgerEvent.objects.filter(kind="chain_defined").order_by("-id").first()
    assert event.details == {"children": ["P202", "P310", "P305"], "before": ["P310", "P305", "P202"]}


def test_only_operators_and_the_portal_change_chains(scientist):
    registry.get_run_collection("P310")
    with pytest.raises(NotPermitted, match="only operators may define the chain FT2/current"):
        registry.set_chain("FT2/current", ["P310"], services.Actor.of_user(scientist))
    assert not Collection.objects.filter(name="FT2/current").exists()


@pytest.mark.parametrize("name", ["", "P310/sub", "../P310", ".hidden", "a b", "x" * 65])
def test_a_run_name_is_a_folder_name(name):
    with pytest.raises(registry.CollectionRefused, match=r"run collection name .* refused: .* a folder name"):
        registry.get_run_collection(name)


def test_products_go_into_runs_only(data_root):
    tag = registry.get_tagged_collection("fssc")
    with pytest.raises(registry.CollectionRefused, match="written into a RUN collection"):
        registry.write_product(tag, "fssc/fssc_x.txt", "notes", lambda tmp: tmp.write_text("x"))
    assert not Product.objects.exists()
