"""The one way to answer a download of a product, for pages and the API alike: HTTP ranges, the
sha256 as ETag, a content type from the name, and a 404 that says why (purged, or missing on disk)."""

from __future__ import annotations

import mimetypes

from django.http import Http404

from l2portal.portal.downloads import ranged_file_response

from .models import Product
from .services import absolute_path


def product_response(request, product: Product, content_type: str | None = None):
    """``product``'s file as a (ranged) download; ``content_type`` guessed from its name if None."""
    if product.status == Product.Status.PURGED:
        raise Http404(
            f"{product.path} was purged on {product.purged_at:%Y-%m-%d %H:%M} ({product.purge_reason}); "
            "its record and provenance stay: re-run what made it to have it again"
        )
    path = absolute_path(product)
    if not path.is_file():
        raise Http404(f"{product.path} is missing on disk")
    content_type = content_type or mimetypes.guess_type(product.filename)[0] or "application/octet-stream"
    return ranged_file_response(
        path, request.headers.get("Range", ""), content_type, product.filename, product.sha256
    )
