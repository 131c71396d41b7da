"""Instruments registered once (as the LSST Butler registers them): an ingest names its instrument
by short name only, and the instrument's dimensions say what a data id of it holds (LAT: run; VISP:
proposal, dataset; ALMA: mous, eb). The apps declare theirs (PortalApp.instruments)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from l2portal.registry.models import Instrument

from ...ledger.refusals import InvalidRequest
from ...ledger.roles import OPERATOR
from ...ledger.services.actors import Actor
from ...ledger.services.events import record_event
from ...ledger.services.refusing import atomic_refusing, refuse, require_role
from ...portal.site import instruments as declared_instruments
from ..events import INSTRUMENT_REGISTERED

SEED_SITE = "l2portal"  # declared by the portal's apps: the same record at every site
INSTRUMENT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,31}")
DIMENSION = re.compile(r"[a-z][a-z0-9_]{0,31}")
FORBIDDEN_IN_VALUES = re.compile(r"[|=\x00-\x1f]")

# Dimensions never change once registered, so every process may keep them.
_dimensions: dict[str, tuple[str, ...]] = {}


class InstrumentRefused(InvalidRequest):
    code = "instrument_refused"


class DataIdRefused(InvalidRequest):
    code = "data_id_refused"


def seed_instruments(using: str = "default") -> None:
    """Register the instruments the apps declare (PortalApp.instruments) where they are missing
    (post_migrate, also after a flush)."""
    for spec in declared_instruments():
        if not Instrument.objects.using(using).filter(name=spec.name).exists():
            Instrument(
                name=spec.name,
                full_name=spec.full_name,
                observatory=spec.observatory,
                dimensions=list(spec.dimensions),
                description=spec.description,
                site=SEED_SITE,
            ).save(using=using)


def register_instrument(
    name: str,
    full_name: str,
    observatory: str,
    dimensions: Sequence[str],
    actor: Actor,
    description: str = "",
) -> Instrument:
    """Register an instrument once; registering it again with the same definition returns it, a
    different definition is refused (its data ids would change meaning)."""
    require_role(actor, OPERATOR, to=f"register instrument {name}")
    problems = _definition_problems(name, dimensions)
    if problems:
        refuse(InstrumentRefused(f"instrument {name!r} refused: {'; '.join(problems)}"), actor)
    with atomic_refusing(actor):
        existing = Instrument.objects.select_for_update().filter(name=name).first()
        if existing is not None:
            if existing.dimensions != list(dimensions):
                refuse(
                    InstrumentRefused(
                        f"instrument {name} is registered with dimensions {existing.dimensions}, not "
                        f"{list(dimensions)}; a registered instrument's dimensions never change: "
                        "register the new one under another name",
                        details={"registered": existing.dimensions, "asked": list(dimensions)},
                    ),
                    actor,
                    existing,
                )
            return existing
        instrument = Instrument(
            name=name,
            full_name=full_name,
            observatory=observatory,
            dimensions=list(dimensions),
            description=description,
        )
        instrument.save()
        record_event(INSTRUMENT_REGISTERED, f"instrument {name} registered", actor, subject=instrument)
    return instrument


def _definition_problems(name: str, dimensions: Sequence[str]) -> list[str]:
    problems = []
    if not isinstance(dimensions, list | tuple) or not all(isinstance(d, str) for d in dimensions):
        return [f"dimensions are a list of names, not {dimensions!r}"]
    if not INSTRUMENT_NAME.fullmatch(name or ""):
        problems.append("a short name is a letter then up to 31 letters, digits, '_' or '-'")
    if not dimensions:
        problems.append("name at least one dimension (the keys of its data ids)")
    if len(set(dimensions)) != len(dimensions):
        problems.append("dimensions repeat")
    problems.extend(
        f"dimension {d!r} must be lower-case letters, digits or '_'"
        for d in dimensions
        if not DIMENSION.fullmatch(d)
    )
    return problems


def _unknown(name: str, actor: Actor):
    known = ", ".join(Instrument.objects.values_list("name", flat=True))
    refuse(
        InstrumentRefused(
            f"instrument {name!r} is not registered (known: {known}); an operator registers it once "
            "with manage.py register_instrument",
            details={"instrument": name},
        ),
        actor,
    )


def identify(instrument: str, data_id: Mapping | None, actor: Actor) -> tuple[Instrument, str]:
    """The registered instrument named ``instrument`` and the data key of ``data_id`` (empty
    without one): what an ingest records with its product."""
    found = Instrument.objects.filter(name=instrument).first()
    if found is None:
        _unknown(instrument, actor)
    return found, (_key(found.name, tuple(found.dimensions), data_id, actor) if data_id else "")


def data_key(instrument: str, data_id: Mapping, actor: Actor) -> str:
    """The instrument and data id as one text, dimensions in the instrument's order:
    ``LAT|run=545208791|`` (what lookups and searches match)."""
    if instrument not in _dimensions:
        found = Instrument.objects.filter(name=instrument).values_list("dimensions", flat=True).first()
        if found is None:
            _unknown(instrument, actor)
        _dimensions[instrument] = tuple(found)
    return _key(instrument, _dimensions[instrument], data_id, actor)


def _key(instrument: str, dimensions: tuple[str, ...], data_id: Mapping, actor: Actor) -> str:
    """Refused (recorded) when a key is not one of the instrument's dimensions or a value is not
    a plain number or text."""
    problems = [
        f"{key!r} is not a dimension of {instrument} ({', '.join(dimensions)})"
        for key in data_id
        if key not in dimensions
    ]
    if not data_id:
        problems.append(f"a data id of {instrument} names at least one of {', '.join(dimensions)}")
    for key, value in data_id.items():
        if isinstance(value, bool) or not isinstance(value, int | str):
            problems.append(f"{key}={value!r}: a data id value is an integer or a text")
        elif isinstance(value, str) and (not value or FORBIDDEN_IN_VALUES.search(value)):
            problems.append(
                f"{key}={value!r}: a text value is not empty and holds no '|', '=' or control character"
            )
    key = f"{instrument}|" + "".join(f"{d}={data_id[d]}|" for d in dimensions if d in data_id)
    if len(key) > 255:
        problems.append("the data id is longer than 255 characters")
    if problems:
        refuse(
            DataIdRefused(f"data id {dict(data_id)} of {instrument} refused: {'; '.join(problems)}"), actor
        )
    return key
