"""Request bodies the API reads: JSON nested no deeper than a data structure of the portal needs,
and no NUL character anywhere (PostgreSQL text cannot hold one). Both are a 400, never a 500."""

import json

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from l2portal.jsonsafe import MAX_DEPTH, depth_of, has_nul


class GuardedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(stream.read().decode(encoding))
        except RecursionError:
            raise ParseError(f"JSON nested too deep: at most {MAX_DEPTH} levels") from None
        except (ValueError, UnicodeDecodeError) as error:
            raise ParseError(f"JSON parse error: {error}") from None
        if depth_of(data) > MAX_DEPTH:
            raise ParseError(f"JSON nested too deep: at most {MAX_DEPTH} levels")
        if has_nul(data):
            raise ParseError("JSON strings may not contain NUL (\\u0000) characters")
        return data
