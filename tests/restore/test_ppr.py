"""Restore plan and PPR, read back by the pipeline's rules (executeppr)."""

import dataclasses
import re
from datetime import UTC, datetime

import pytest
from lxml import etree

from restore.science import archive
from restore.science.manifest import parse_manifest
from restore.science.plan import (
    PPR_ROUTE,
    SCRIPT_ROUTE,
    PlanError,
    build_plan,
    format_plan,
    load_plan,
    read_folder,
)
from restore.science.ppr import PPR_NSMAP, PprError, build_ppr, check_ppr, ppr_problems, read_ppr
from restore.science.restorescript import TaskCall
from restore.science.sessions import AquaExecBlock, OusStatus

X80E = "uid://A001/X12a3/X80e"
SEMIPASS_EB = "uid://A002/Xce574d/Xa33e"
PASS_EB = "uid://A002/Xcf92df/X3453"
CREATED = datetime(2018, 8, 7, 13, 18, tzinfo=UTC)

# A PPR written by hand for this MOUS (trailing blanks removed): both EBs in the DataSet.
SEED_PPR = """<?xml version="1.0" encoding="UTF-8"?>
<SciPipeRequest xmlns:ent="Alma/CommonEntity"
    xmlns:val="Alma/ValueTypes" xmlns:prp="Alma/ObsPrep/ObsProposal"
    xmlns:orv="Alma/ObsPrep/ObsReview"
    xmlns:ps="Alma/ObsPrep/ProjectStatus"
    xmlns:oat="Alma/ObsPrep/ObsAttachment"
    xmlns:prj="Alma/ObsPrep/ObsProject"
    xmlns:sbl="Alma/ObsPrep/SchedBlock"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="SciPipeRequest">
    <SciPipeRequestEntity entityId="UID_UNASSIGNED"
        entityTypeName="SciPipeRequest" datamodelVersion="0.1"/>
    <ProjectSummary>
        <ProposalCode>2017.1.01347.S</ProposalCode>
        <ProposalTitle>This is our test data set</ProposalTitle>
        <Observatory>ALMA Joint Observatory</Observatory>
        <Telescope>ALMA</Telescope>
        <ProcessingSite>NAASC</ProcessingSite>
        <Operator>Jim Sheckard</Operator>
        <Mode>CSV</Mode>
        <Version>Undefined</Version>
        <CreationTime>2018-08-07T13:18:00.000</CreationTime>
    </ProjectSummary>
    <ProjectStructure>
       <ObsUnitSetRef entityId="uid://A001/X1221/Xdf8"
            partId="X659301709" entityTypeName="ObsProject"/>
        <ObsUnitSetTitle>Undefined</ObsUnitSetTitle>
        <ObsUnitSetType>Member</ObsUnitSetType>
        <ProjectStatusRef entityId="uid://A001/X1221/Xdfc"
            entityTypeName="ProjectStatus" documentVersion="1"/>
        <OUSStatusRef entityId="uid://A001/X12a3/X80e" entityTypeName="OUSStatus"/>
    </ProjectStructure>
    <ProcessingRequests>
      <ProcessingRequest>
        <RootDirectory>/lustre/naasc/web/almapipe/pipeline/vatest/testing</RootDirectory>
        <ProcessingIntents>
          <Intents>
            <Keyword>PROCESS</Keyword>
            <Value>true</Value>
          </Intents>
          <Intents>
            <Keyword>SESSION_1</Keyword>
            <Value>uid://A002/Xce574d/Xa33e</Value>
          </Intents>
          <Intents>
            <Keyword>SESSION_2</Keyword>
            <Value>uid://A002/Xcf92df/X3453</Value>
          </Intents>
          <Intents>
            <Keyword>INTERFEROMETRY_STANDARD_OBSERVING_MODE</Keyword>
            <Value>Undefined</Value>
          </Intents>
        </ProcessingIntents>
        <ProcessingProcedure>
          <ProcedureTitle>hifa_restore_jls</ProcedureTitle>
          <ProcessingCommand>
            <Command>hifa_restoredata</Command>
            <ParameterSet/>
          </ProcessingCommand>
        </ProcessingProcedure>
        <DataSet>
          <SchedBlockSet>
            <SchedBlockIdentifier>
              <RelativePath>jls_ous_restore_v1_myppr</RelativePath>
              <SchedBlockRef entityId="uid://A001/X12a3/X804"
                             entityTypeName="SchedBlock" documentVersion="1"/>
              <SBStatusRef entityId="uid://A001/X12a3/X80f" entityTypeName="SBStatus"/>
              <SBTitle>Undefined</SBTitle>
              <AsdmIdentifier>
                <AsdmRef>
                  <ExecBlockId>uid://A002/Xce574d/Xa33e</ExecBlockId>
                </AsdmRef>
                <AsdmDiskName>uid___A002_Xce574d_Xa33e</AsdmDiskName>
              </AsdmIdentifier>
              <AsdmIdentifier>
                <AsdmRef>
                  <ExecBlockId>uid://A002/Xcf92df/X3453</ExecBlockId>
                </AsdmRef>
                <AsdmDiskName>uid___A002_Xcf92df_X3453</AsdmDiskName>
              </AsdmIdentifier>
            </SchedBlockIdentifier>
          </SchedBlockSet>
        </DataSet>
      </ProcessingRequest>
    </ProcessingRequests>
    <ResultsProcessing>
        <ArchiveResults>false</ArchiveResults>
        <CleanUpDisk>false</CleanUpDisk>
        <UpdateProjectLifeCycle>false</UpdateProjectLifeCycle>
        <NotifyOperatorWhenDone>false</NotifyOperatorWhenDone>
        <PipelineOperatorAdress>Unknown</PipelineOperatorAdress>
    </ResultsProcessing>
</SciPipeRequest>
"""


@pytest.fixture(scope="module")
def connection():
    connection = archive.connect(None)
    yield connection
    connection.close()


def demo_plan(connection, mous=X80E, **options):
    return load_plan(connection, mous, read_folder(archive.DEMO_PRODUCTS_DIR), **options)


def render(plan):
    return build_ppr(plan, root_directory="/restores", creation_time=CREATED)


def test_seed_ppr_keeps_session_numbers_and_restores_only_the_manifest_eb(connection):
    plan = demo_plan(connection)
    request = check_ppr(render(plan), plan.manifest)
    assert request.intents["SESSION_1"] == SEMIPASS_EB
    assert request.intents["SESSION_2"] == PASS_EB
    assert [(asdm.eb_uid, asdm.disk_name, asdm.session) for asdm in request.asdms] == [
        (PASS_EB, "uid___A002_Xcf92df_X3453", "session_2")
    ]
    assert request.relative_path == (
        "2017.1.01347.S/SOUS_uid___A001_X12a3_X80c/GOUS_uid___A001_X12a3_X80d/MOUS_uid___A001_X12a3_X80e"
    )
    assert request.structure == {
        "ous_entity_id": "uid://A001/X1221/Xdf8",
        "ous_part_id": "X659301709",
        "ous_title": "Undefined",
        "ous_type": "Member",
        "ps_entity_id": "uid://A001/X1221/Xdfc",
        "ousstatus_entity_id": X80E,
    }
    assert (request.proposal_code, request.observatory, request.telescope) == (
        "2017.1.01347.S",
        "ALMA Joint Observatory",
        "ALMA",
    )


def test_seed_plan_warns_about_the_semipass_eb(connection):
    plan = demo_plan(connection)
    assert plan.dataset == (PASS_EB,)
    assert any(SEMIPASS_EB in warning and "SemiPass" in warning for warning in plan.warnings)
    table = format_plan(plan)
    assert "uid://A002/Xce574d/Xa33e  SemiPass  session_1  -          session_1    no" in table
    assert "route: script (the delivered restore script calls fixsyscaltimes (line 6)" in table
    assert "  fixsyscaltimes(vis='uid___A002_Xcf92df_X3453.ms')" in table


def test_the_ppr_procedure_holds_the_script_pipeline_tasks_only(connection):
    """executeppr opens and saves the context itself (h_init, h_save); fixsyscaltimes is no task."""
    request = read_ppr(render(demo_plan(connection, force_ppr=True)))
    assert request.commands == [
        ("hifa_importdata", {"dbservice": "False", "bdfflags": "False", "ocorr_mode": "ca"}),
        ("hifa_restoredata", {"ocorr_mode": "ca"}),
    ]


def test_routes_of_the_seed_and_a_pipeline_only_script(connection):
    plan = demo_plan(connection)
    assert (plan.route, plan.forced_ppr, plan.left_out) == (SCRIPT_ROUTE, False, ())
    assert [call.name for call in plan.script_calls][2] == "fixsyscaltimes"
    forced = demo_plan(connection, force_ppr=True)
    assert (forced.route, forced.forced_ppr) == (PPR_ROUTE, True)
    assert any(
        "PPR route forced by an operator: it leaves out fixsyscaltimes (line 6)" in w for w in forced.warnings
    )
    plain = demo_plan(connection, "uid://A001/X1465/X1a2c", force_ppr=True)
    assert (plain.route, plain.forced_ppr) == (PPR_ROUTE, False)  # nothing to leave out
    assert plain.route_reason == "the restore script calls pipeline tasks only"


def test_a_ppr_is_never_built_with_anything_but_pipeline_tasks(connection):
    plan = dataclasses.replace(
        demo_plan(connection),
        procedure=(TaskCall("hifa_importdata", {}, 1), TaskCall("fixsyscaltimes", {}, 2)),
    )
    with pytest.raises(
        PprError, match="a PPR can name pipeline tasks only: fixsyscaltimes is not a pipeline task"
    ):
        render(plan)


def test_ppr_has_the_seed_element_order_and_namespaces(connection):
    ours = etree.fromstring(render(demo_plan(connection)))
    seed = etree.fromstring(SEED_PPR.encode())
    assert ours.nsmap == seed.nsmap == PPR_NSMAP

    def structure(root):
        # Tag paths, first occurrence order, ignoring repeats (commands, intents, ASDMs).
        paths = (re.sub(r"\[\d+\]", "", root.getroottree().getpath(element)) for element in root.iter())
        return list(dict.fromkeys(paths))

    assert [path for path in structure(ours) if "ParameterSet/" not in path] == structure(seed)


def test_the_hand_written_seed_ppr_is_caught_by_validation(connection):
    request = read_ppr(SEED_PPR)
    assert [(asdm.disk_name, asdm.session) for asdm in request.asdms] == [
        ("uid___A002_Xce574d_Xa33e", "session_1"),
        ("uid___A002_Xcf92df_X3453", "session_2"),
    ]
    manifest = demo_plan(connection).manifest
    problems = ppr_problems(request, manifest)
    assert problems == [
        "uid___A002_Xce574d_Xa33e is not in the pipeline manifest: restoredata cannot restore it"
    ]
    with pytest.raises(PprError, match="would not restore as planned"):
        check_ppr(SEED_PPR, manifest)


def test_reader_stops_at_the_first_missing_session_number(connection):
    gapped = SEED_PPR.replace("<Keyword>SESSION_2</Keyword>", "<Keyword>SESSION_3</Keyword>")
    request = read_ppr(gapped)
    assert list(request.sessions) == ["SESSION_1"]
    x3453 = request.asdms[1]
    assert (x3453.session, x3453.named_by_intent) == ("session_1", False)
    problems = ppr_problems(request, demo_plan(connection).manifest)
    assert "SESSION_3 never read: SESSION_2 is missing" in problems
    assert (
        "uid___A002_Xcf92df_X3453 is named by no SESSION_n: the pipeline would put it in session_1"
        in problems
    )
    assert "uid___A002_Xcf92df_X3453 is session_1 for the pipeline but session_2 in the manifest" in problems


def test_only_the_first_request_counts():
    doubled = SEED_PPR.replace(
        "</ProcessingRequests>",
        "<ProcessingRequest><DataSet><SchedBlockSet><SchedBlockIdentifier><RelativePath>other</RelativePath>"
        "</SchedBlockIdentifier></SchedBlockSet></DataSet></ProcessingRequest></ProcessingRequests>",
    )
    assert read_ppr(doubled).relative_path == "jls_ous_restore_v1_myppr"


def test_reader_reports_what_the_pipeline_cannot_read():
    with pytest.raises(PprError, match="no valid ProcessingRequest"):
        read_ppr(SEED_PPR.replace("<RelativePath>jls_ous_restore_v1_myppr</RelativePath>", ""))
    with pytest.raises(PprError, match="OUSStatusRef"):
        read_ppr(
            SEED_PPR.replace(
                '<OUSStatusRef entityId="uid://A001/X12a3/X80e" entityTypeName="OUSStatus"/>', ""
            )
        )


def test_unknown_commands_and_empty_path_are_problems(connection):
    broken = SEED_PPR.replace("<Command>hifa_restoredata</Command>", "<Command>rm_rf</Command>").replace(
        "jls_ous_restore_v1_myppr", ""
    )
    problems = ppr_problems(read_ppr(broken), demo_plan(connection).manifest)
    assert any(problem.startswith("rm_rf is not a pipeline task") for problem in problems)
    assert "RelativePath is empty: the pipeline has no working or rawdata directory" in problems


def test_several_sessions(connection):
    plan = demo_plan(connection, "uid://A001/X1465/X1a2c")
    request = check_ppr(render(plan), plan.manifest)
    assert list(request.sessions) == ["SESSION_1", "SESSION_2", "SESSION_3"]
    assert request.intents["SESSION_1"] == "uid://A002/Xe0cd4d/X1e27 | uid://A002/Xe0cd4d/X2a1f"
    assert [asdm.session for asdm in request.asdms] == ["session_1"] * 2 + ["session_2"] + ["session_3"] * 2
    assert plan.warnings == ()
    assert [name for name, _ in request.commands] == ["hifa_restoredata"]


def test_seed_x265f_restores_all_four_ebs(connection):
    plan = demo_plan(connection, "uid://A001/X1284/X265f")
    request = check_ppr(render(plan), plan.manifest)
    assert len(request.asdms) == 4
    assert plan.script_differences == () and plan.route == PPR_ROUTE


def test_manifest_session_wins_and_numbering_stays_gap_free(connection):
    metadata = archive.fetch_mous_metadata(connection, X80E)
    manifest_bytes = archive.read_product(
        archive.DEMO_PRODUCTS_DIR, "member.uid___A001_X12a3_X80e.calimage.pipeline_manifest.xml"
    )
    manifest = parse_manifest(manifest_bytes.replace(b"session_2", b"session_3"))
    plan = build_plan(metadata, manifest, None)
    assert plan.sessions == ((SEMIPASS_EB,), (), (PASS_EB,))
    assert any("the manifest in session_3; following the manifest" in warning for warning in plan.warnings)
    request = check_ppr(render(plan), manifest)
    assert list(request.sessions) == ["SESSION_1", "SESSION_2", "SESSION_3"]
    assert request.asdms[0].session == "session_3"


def test_without_a_restore_script_the_default_procedure_is_used(connection):
    metadata = archive.fetch_mous_metadata(connection, X80E)
    plan = build_plan(metadata, demo_plan(connection).manifest, None)
    assert [call.name for call in plan.procedure] == ["hifa_restoredata"]
    assert any("no restore script" in warning for warning in plan.warnings)


def test_archive_disagreements_are_warnings(connection):
    metadata = archive.fetch_mous_metadata(connection, X80E)
    status = dataclasses.replace(
        metadata.ous_status,
        sessions=((SEMIPASS_EB, PASS_EB),),
        session_times=metadata.ous_status.session_times[:1],
    )
    aqua = (*metadata.aqua, AquaExecBlock("uid://A002/X1/X2", metadata.sched_block_uid, "Pass", None, None))
    changed = dataclasses.replace(metadata, ous_status=status, aqua=aqua, sb_status_uid="uid://A001/X1/X9")
    plan = build_plan(changed, demo_plan(connection).manifest, None)
    assert any(
        warning.startswith(f"{PASS_EB} ran 2018-07-10") and "outside OUSStatus session_1" in warning
        for warning in plan.warnings
    )
    assert "uid://A002/X1/X2 has an AQUA_EXECBLOCK row but is in no OUSStatus session" in plan.warnings
    assert any(warning.startswith("SBStatus uid://A001/X1/X9 is not among") for warning in plan.warnings)
    assert any("the manifest in session_2; following the manifest" in warning for warning in plan.warnings)


def test_plan_refuses_what_cannot_be_restored(connection):
    metadata = archive.fetch_mous_metadata(connection, X80E)
    manifest = demo_plan(connection).manifest
    with pytest.raises(PlanError, match="not named session_<n>"):
        build_plan(
            metadata,
            dataclasses.replace(manifest, sessions=(dataclasses.replace(manifest.sessions[0], name="s2"),)),
            None,
        )
    with pytest.raises(PlanError, match="manifest is for"):
        build_plan(metadata, dataclasses.replace(manifest, ous_name="uid___A001_X1_X2"), None)
    with pytest.raises(PlanError, match="cannot be carried over: line 2: import_everything is neither"):
        build_plan(metadata, manifest, "h_init()\nimport_everything(x=1)\nhifa_restoredata(vis=['a'])\n")
    with pytest.raises(PlanError, match="no import or restore task"):
        build_plan(metadata, manifest, "fixsyscaltimes(vis='a.ms')\n")
    with pytest.raises(PlanError, match="never calibrated"):
        demo_plan(connection, "uid://A001/X1465/X1b10")


def test_empty_ous_status_means_nothing_to_restore(connection):
    metadata = archive.fetch_mous_metadata(connection, X80E)
    manifest = dataclasses.replace(demo_plan(connection).manifest, sessions=())
    with pytest.raises(PlanError, match="nothing to restore"):
        build_plan(metadata, manifest, None)
    assert isinstance(metadata.ous_status, OusStatus)
