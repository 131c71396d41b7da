"""Creating through a service: the request validated, the object made by the service, answered 201."""

from rest_framework.response import Response

from l2portal.ledger.services import Actor


def create_through(viewset, request, form_class, make) -> Response:
    """Validate the request with ``form_class``, create through the service ``make`` and answer
    201 with the viewset's serializer."""
    form = form_class(data=request.data)
    form.is_valid(raise_exception=True)
    created = make(actor=Actor.of_user(request.user), **form.validated_data)
    return Response(viewset.get_serializer(viewset.get_queryset().get(pk=created.pk)).data, status=201)
