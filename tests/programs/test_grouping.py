from datetime import UTC, datetime, timedelta

from l2portal.programs.science.grouping import group_programs, last_changed, split_superseded
from tests.programs import visp_dataset


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2024, 3, day, hour, tzinfo=UTC)


def test_datasets_group_by_observing_program_execution_id():
    datasets = [
        visp_dataset(dataset_id="A", observing_program_execution_id="op2", product_id="pa"),
        visp_dataset(dataset_id="B", observing_program_execution_id="op1", product_id="pb"),
        visp_dataset(dataset_id="C", observing_program_execution_id="op2", product_id="pc"),
    ]
    programs = group_programs(datasets)
    assert list(programs) == ["op1", "op2"]
    assert [d.dataset_id for d in programs["op2"].datasets] == ["A", "C"]
    assert programs["op2"].superseded == ()


def test_newest_reprocessing_of_a_product_counts_and_older_are_superseded():
    old = visp_dataset(dataset_id="OLD", product_id="p", create_date=at(1), update_date=at(2))
    new = visp_dataset(dataset_id="NEW", product_id="p", create_date=at(3), update_date=at(4))
    other = visp_dataset(dataset_id="OTHER", product_id="q", create_date=at(1), update_date=at(1))
    for order in ([old, new, other], [new, other, old]):
        program = group_programs(order)["op1"]
        assert [d.dataset_id for d in program.datasets] == ["NEW", "OTHER"]
        assert [d.dataset_id for d in program.superseded] == ["OLD"]


def test_update_date_decides_even_against_a_later_create_date():
    touched = visp_dataset(dataset_id="A", product_id="p", create_date=at(1), update_date=at(9))
    later = visp_dataset(dataset_id="B", product_id="p", create_date=at(5), update_date=None)
    current, superseded = split_superseded([touched, later])
    assert [d.dataset_id for d in current] == ["A"] and [d.dataset_id for d in superseded] == ["B"]


def test_equal_dates_break_ties_by_dataset_id_and_missing_product_is_its_own():
    first = visp_dataset(dataset_id="A", product_id="p", update_date=at(1))
    second = visp_dataset(dataset_id="B", product_id="p", update_date=at(1))
    alone = visp_dataset(dataset_id="C", product_id=None)
    current, superseded = split_superseded([second, first, alone])
    assert sorted(d.dataset_id for d in current) == ["B", "C"] and [d.dataset_id for d in superseded] == ["A"]


def test_last_changed_is_the_latest_date_of_all_datasets_including_superseded():
    old = visp_dataset(dataset_id="OLD", product_id="p", create_date=at(1), update_date=at(20))
    new = visp_dataset(dataset_id="NEW", product_id="p", create_date=at(25), update_date=None)
    program = group_programs([old, new])["op1"]
    assert program.last_changed == at(25)
    assert last_changed([]) is None


def test_settle_period_ready_at_and_is_ready():
    settle = timedelta(days=7)
    program = group_programs([visp_dataset(create_date=at(1), update_date=at(2, 6))])["op1"]
    assert program.ready_at(settle) == at(9, 6)
    assert not program.is_ready(at(9, 5), settle)
    assert program.is_ready(at(9, 6), settle)


def test_a_dataset_first_seen_late_restarts_the_settle_period():
    dataset = visp_dataset(dataset_id="X", create_date=at(1), update_date=at(2))
    program = group_programs([dataset], first_seen={"X": at(10)})["op1"]
    assert program.ready_at(timedelta(days=3)) == at(13)


def test_program_without_any_dates_is_never_ready():
    program = group_programs([visp_dataset(create_date=None, update_date=None)])["op1"]
    assert program.ready_at(timedelta(days=1)) is None
    assert not program.is_ready(at(30), timedelta(days=1))


def test_program_reports_proposal_and_instruments():
    program = group_programs(
        [
            visp_dataset(dataset_id="A", product_id="a", primary_proposal_id="pid_2"),
            visp_dataset(dataset_id="B", product_id="b", instrument_name="VBI"),
        ]
    )["op1"]
    assert program.proposal_id == "pid_2"
    assert program.instruments == ("VBI", "VISP")
