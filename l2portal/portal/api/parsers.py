"""Request bodies the API reads: JSON nested no deeper than a data structure of the portal needs,
and no NUL character anywhere (PostgreSQL text cannot hold one). Both are a 400, never a 500."""

import json

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32


def depth_of(value, limit: int = MAX_DEPTH) -> int:
    """Nesting depth of parsed JSON, stopping (without recursion) once past ``limit``."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return deepest


def has_nul(value) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


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
