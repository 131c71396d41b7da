"""JSON from outside, checked before anything reads it as data: nested no deeper than a data
structure of the portal needs, and no NUL character anywhere (PostgreSQL text cannot hold one).
Pure Python, iterative (a hostile document cannot exhaust the stack)."""

MAX_DEPTH = 32


def depth_of(value, limit: int = MAX_DEPTH) -> int:
    """Nesting depth of parsed JSON, stopping once past ``limit``."""
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
