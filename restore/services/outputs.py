"""The pipeline's outputs registered as products of the restores' RUN collection, with provenance:
produced by the run's Execution, whose inputs are the staged product files and the PPR or script."""

from __future__ import annotations

from pathlib import Path

from l2portal.registry import services as registry
from l2portal.registry.models import Product
from restore import conf
from restore.science.outputs import run_outputs

from ..models import RestoreRequest


def register_outputs(request: RestoreRequest, attempt: int) -> list[Product]:
    """Register what run ``attempt`` of the request left (idempotent: a product already
    registered at its path is kept as it is)."""
    layout = request.layout
    collection = registry.get_run_collection(
        conf.COLLECTION, "MOUS restores: PPRs, scripts, inputs and outputs"
    )
    inputs = [staged.product for staged in request.staged_files.select_related("product") if staged.product]
    inputs += [product for product in (request.ppr, request.restore_script) if product is not None]
    started = (
        request.transitions.filter(to_state="running").order_by("-at", "-id").values_list("at", flat=True)
    )
    found = run_outputs(
        layout.working,
        layout.logs,
        Path(request.log_path) if request.log_path else None,
        started.first() or request.state_changed_at,
    )
    # Each product is written and registered on its own (write_product holds no transaction
    # while a file is written); a retry finds those already registered.
    products = []
    for output in found:
        relative = registry.product_path(
            collection,
            f"request-{request.pk}",
            "outputs",
            f"run-{attempt}",
            f"{conf.COLLECTION}_request-{request.pk}_run-{attempt}_{output.name}",
        )
        products.append(
            registry.write_product(
                collection,
                relative,
                output.product_type,
                output.write,
                metadata={**output.metadata, "restore_request": request.pk, "run": attempt},
                inputs=inputs,
            )
        )
    request.output_products.add(*products)
    return products
