"""RUN, TAGGED and CHAINED collections as the Butler has them: chains are search paths (the first
match wins), refuse cycles, and are what the domains look inputs up through."""

import pytest

from l2portal.ledger import services
from l2portal.ledger.models import Collection, LedgerEvent, Product
from l2portal.ledger.refusals import NotPermitted
from tests.factories import SYSTEM

pytestmark = pytest.mark.django_db


def ft2(run: Collection, run_id: int, text: str = "FITS") -> Product:
    name = f"{run.name}_ft2_r{run_id}.fit"
    return services.write_product(
        run,
        services.product_path(run, name),
        "ft2_1s",
        lambda tmp: tmp.write_text(f"{text} {run.name} {run_id}"),
        instrument="LAT",
        data_id={"run": run_id},
    )


def test_a_run_records_its_host_software_and_time_span(data_root):
    run = services.get_run_collection("P310", "FT2 reprocessing")
    assert run.kind == Collection.Kind.RUN and run.host and run.software["numpy"]
    first = ft2(run, 1)
    second = ft2(run, 2)
    run.refresh_from_db()
    assert run.began_at <= first.created_at and run.ended_at == second.created_at


def test_a_lookup_through_a_chain_returns_the_first_collection_that_holds_it(data_root):
    p202, p310 = services.get_run_collection("P202"), services.get_run_collection("P310")
    old_1, old_2 = ft2(p202, 1), ft2(p202, 2)
    new_1 = ft2(p310, 1)
    services.set_chain("FT2/current", ["P310", "P202"], SYSTEM)
    assert services.find_product("FT2/current", "ft2_1s", "LAT", {"run": 1}) == new_1
    assert services.find_product("FT2/current", "ft2_1s", "LAT", {"run": 2}) == old_2
    assert services.find_product("FT2/current", "ft2_1s", "LAT", {"run": 3}) is None
    assert services.find_product("FT2/current", "ft2_30s", "LAT", {"run": 1}) is None
    services.set_chain("FT2/current", ["P202", "P310"], SYSTEM)  # redefined: order decides
    assert services.find_product("FT2/current", "ft2_1s", "LAT", {"run": 1}) == old_1
    assert services.find_product(p310, "ft2_1s", "LAT", {"run": "1"}) == new_1  # a RUN alone; "1" is 1


def test_chains_nest_and_search_tags_in_their_place(operator, data_root):
    p202, p310 = services.get_run_collection("P202"), services.get_run_collection("P310")
    ft2(p202, 1)
    chosen = ft2(p310, 1)
    services.tag_products("FT2/validated", [chosen], services.Actor.of_user(operator))
    services.set_chain("FT2/reviewed", ["FT2/validated"], SYSTEM)
    services.set_chain("FT2/all", ["FT2/reviewed", "P202", "P310"], SYSTEM)
    chain = Collection.objects.get(name="FT2/all")
    assert [c.name for c in services.resolve(chain)] == ["FT2/validated", "P202", "P310"]
    assert services.find_product(chain, "ft2_1s", "LAT", {"run": 1}) == chosen


@pytest.mark.parametrize(
    ("chains", "closing"),
    [
        ([], ("A", ["A"])),  # itself
        ([("A", ["P310"]), ("B", ["A"])], ("A", ["B"])),  # through another chain
        ([("A", ["P310"]), ("B", ["A"]), ("C", ["B"])], ("A", ["P310", "C"])),  # deeper
    ],
)
def test_a_chain_that_would_contain_itself_is_refused_and_left_as_it_was(chains, closing):
    services.get_run_collection("P310")
    for name, children in chains:
        services.set_chain(name, children, SYSTEM)
    if not chains:
        services.set_chain("A", [], SYSTEM)
    before = list(Collection.objects.get(name="A").child_links.values_list("child__name", flat=True))
    with pytest.raises(services.CollectionCycle, match="would contain itself"):
        services.set_chain(*closing, SYSTEM)
    assert list(Collection.objects.get(name="A").child_links.values_list("child__name", flat=True)) == before
    assert LedgerEvent.objects.filter(kind="collection_cycle").exists()


def test_a_chain_names_existing_collections_once_and_keeps_its_kind():
    services.get_run_collection("P310")
    with pytest.raises(services.CollectionRefused, match="no collection is named P999"):
        services.set_chain("FT2/current", ["P310", "P999"], SYSTEM)
    with pytest.raises(services.CollectionRefused, match="appears twice"):
        services.set_chain("FT2/current", ["P310", "P310"], SYSTEM)
    with pytest.raises(services.CollectionRefused, match="is Run, not Chained"):
        services.set_chain("P310", [], SYSTEM)
    assert not Collection.objects.filter(name="FT2/current").exists()


def test_prepend_moves_a_collection_to_the_front_of_the_search_path():
    for name in ("P202", "P305", "P310"):
        services.get_run_collection(name)
    services.set_chain("FT2/current", ["P305", "P202"], SYSTEM)
    services.prepend_to_chain("FT2/current", "P310", SYSTEM)
    services.prepend_to_chain("FT2/current", "P202", SYSTEM)
    chain = Collection.objects.get(name="FT2/current")
    assert [c.name for c in services.resolve(chain)] == ["P202", "P310", "P305"]
    event = LedgerEvent.objects.filter(kind="chain_defined").order_by("-id").first()
    assert event.details == {"children": ["P202", "P310", "P305"], "before": ["P310", "P305", "P202"]}


def test_only_operators_and_the_portal_change_chains(scientist):
    services.get_run_collection("P310")
    with pytest.raises(NotPermitted, match="only operators may define the chain FT2/current"):
        services.set_chain("FT2/current", ["P310"], services.Actor.of_user(scientist))
    assert not Collection.objects.filter(name="FT2/current").exists()


@pytest.mark.parametrize("name", ["", "P310/sub", "../P310", ".hidden", "a b", "x" * 65])
def test_a_run_name_is_a_folder_name(name):
    with pytest.raises(services.CollectionRefused, match=r"run collection name .* refused: .* a folder name"):
        services.get_run_collection(name)


def test_products_go_into_runs_only(data_root):
    tag = services.get_tagged_collection("fssc")
    with pytest.raises(services.CollectionRefused, match="written into a RUN collection"):
        services.write_product(tag, "fssc/fssc_x.txt", "notes", lambda tmp: tmp.write_text("x"))
    assert not Product.objects.exists()
