"""A program's files (manifest, inversion results, Level 2 frames, dataset file) as downloads."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from l2portal.registry.downloads import product_response

from .. import selectors
from ..models import ObservingProgram


def product_file(request, pk, product_pk):
    """Download one of the program's files (ranges allowed, for large frames)."""
    program = get_object_or_404(ObservingProgram, pk=pk)
    product = selectors.program_product(program, product_pk)
    if product is None:
        raise Http404("no such file of this program")
    return product_response(request, product, "application/octet-stream")
