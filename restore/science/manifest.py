"""The pipeline manifest (``*.pipeline_manifest.xml``): what restoredata can actually restore.

Layout, as the pipeline's exportdata writes it::

    <piperesults name="uid___A001_X12a3_X80e">
      <ous name="uid___A001_X12a3_X80e">
        <procedure_name name="hifa_calimage"/>
        <session name="session_2">
          <caltables name="member.uid___A001_X12a3_X80e.session_2.caltables.tgz" .../>
          <asdm name="uid___A002_Xcf92df_X3453.ms" ...>
            <finalflags name="uid___A002_Xcf92df_X3453.ms.flagversions.tgz" .../>
            <applycmds name="uid___A002_Xcf92df_X3453.ms.calapply.txt" .../>
          </asdm>
        </session>
        <restorescript name="member.uid___A001_X12a3_X80e.hifa_calimage.casa_piperestorescript.py" .../>
      </ous>
    </piperesults>
"""

from __future__ import annotations

from dataclasses import dataclass, field

from l2portal.xmlsafe import parse_untrusted_xml

MS_SUFFIXES = ("_target.ms", "_cont.ms", ".ms")


def strip_ms_suffix(name: str) -> str:
    """The ASDM disk name behind an MS name, as the pipeline matches sessions (PIPE-579)."""
    for suffix in MS_SUFFIXES:
        if name.endswith(suffix):
            return strip_ms_suffix(name[: -len(suffix)])
    return name


@dataclass(frozen=True)
class ManifestSession:
    name: str
    asdms: tuple[str, ...]  # ASDM disk names (uid___A002_...), .ms suffix removed
    caltables: str | None


@dataclass(frozen=True)
class PipelineManifest:
    ous_name: str
    procedure_name: str | None
    sessions: tuple[ManifestSession, ...]
    restore_script: str | None
    product_files: frozenset[str] = field(default_factory=frozenset)

    def session_of(self, asdm_disk_name: str) -> str | None:
        """The manifest session holding ``asdm_disk_name``, or None if the manifest omits it."""
        for session in self.sessions:
            if asdm_disk_name in session.asdms:
                return session.name
        return None


def parse_manifest(data: bytes | str) -> PipelineManifest:
    root = parse_untrusted_xml(data, "pipeline manifest")
    if root.tag != "piperesults":
        raise ValueError(f"expected a <piperesults> pipeline manifest, found <{root.tag}>")
    # restoredata reads only the first ous: a member OUS manifest has exactly one.
    ous = root.find("ous")
    if ous is None:
        raise ValueError("pipeline manifest has no <ous> element")
    sessions = []
    for session in ous.iterfind("session"):
        caltables = session.find("caltables")
        sessions.append(
            ManifestSession(
                name=session.get("name", ""),
                asdms=tuple(strip_ms_suffix(asdm.get("name", "")) for asdm in session.iterfind("asdm")),
                caltables=None if caltables is None else caltables.get("name"),
            )
        )
    procedure = ous.find("procedure_name")
    restore_script = ous.find("restorescript")
    product_files = {
        element.get("name")
        for element in ous.iter("caltables", "finalflags", "applycmds", "restorescript")
        if element.get("name") not in (None, "", "Undefined")
    }
    return PipelineManifest(
        ous_name=ous.get("name", ""),
        procedure_name=None if procedure is None else procedure.get("name"),
        sessions=tuple(sessions),
        restore_script=None if restore_script is None else restore_script.get("name"),
        product_files=frozenset(product_files),
    )
