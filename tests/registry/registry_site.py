"""Another site, for the round-trip tests: run as ``python -m tests.registry.registry_site COMMAND``
in a process of its own, on the database DATABASE_URL names (SQLite or PostgreSQL).

    migrate                         make the database
    import FILE                     manage.py import_registry FILE
    export FILE NAME...             manage.py export_registry --collection NAME ... --output FILE
    answers NAME...                 print the API's answers about those collections, as JSON

``api_answers`` is also what the test asks its own database, so both sides answer the same way."""

import json
import os
import sys


def _strip_local_ids(value):
    """Integer ids (and page URLs built on them) are local to a database; the rest must match."""
    if isinstance(value, dict):
        return {
            key: _strip_local_ids(item)
            for key, item in value.items()
            if not (key in ("id", "pk") and isinstance(item, int)) and key != "url"
        }
    if isinstance(value, list):
        return [_strip_local_ids(item) for item in value]
    return value


def _all_pages(client, url, params):
    results, page = [], 1
    while True:
        answer = client.get(url, {**params, "page": page}).json()
        results.extend(answer["results"])
        if not answer["next"]:
            return results
        page += 1


def api_answers(names: list[str]) -> dict:
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    user, _ = get_user_model().objects.get_or_create(username="site-reader", defaults={"is_superuser": True})
    client = APIClient()
    client.force_authenticate(user)
    # Every site registers the portal's instruments itself (its own created_at): names and dimensions.
    instruments = client.get("/api/instruments/").json()["results"]
    answers = {"instruments": {i["name"]: i["dimensions"] for i in instruments}}
    for name in names:
        products = _all_pages(client, "/api/products/", {"collection": name, "ordering": "path,created_at"})
        answers[name] = {
            "collection": client.get(f"/api/collections/{name}/").json(),
            "products": products,
            "tag_changes": _all_pages(client, "/api/tag-changes/", {"collection__name": name}),
            "graphs": [client.get(f"/api/products/{p['id']}/graph/", {"depth": 5}).json() for p in products],
            "provenance": [client.get(f"/api/products/{p['id']}/provenance/").json() for p in products],
            "derived": [_all_pages(client, f"/api/products/{p['id']}/derived/", {}) for p in products],
        }
        for product in products:
            if product["instrument"]:
                lookup = {
                    "collection": name,
                    "product_type": product["product_type"],
                    "instrument": product["instrument"],
                    "data_id": ",".join(f"{k}={v}" for k, v in product["data_id"].items()),
                }
                answers[name].setdefault("lookups", []).append(
                    client.get("/api/products/lookup/", lookup).json()
                )
    return _strip_local_ids(answers)


def main(command: str, *args: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "l2portal.settings")
    import django

    django.setup()
    from django.core.management import call_command

    if command == "migrate":
        call_command("migrate", verbosity=0)
    elif command == "import":
        call_command("import_registry", args[0])
    elif command == "export":
        names = [arg for name in args[1:] for arg in ("--collection", name)]
        call_command("export_registry", *names, "--output", args[0])
    elif command == "answers":
        json.dump(api_answers(list(args)), sys.stdout, sort_keys=True, default=str)
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main(*sys.argv[1:])
