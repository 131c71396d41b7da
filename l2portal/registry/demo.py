"""Demo data of the registry: the retention rules the issue names as examples (the instruments
are registered after every migration)."""

from l2portal.registry.models import RetentionRule
from l2portal.registry.services import ensure_retention_rule

Keep = RetentionRule.Keep
DEMO_RULES = (
    (
        "staging chunk files",
        {"product_type": "chunk_events", "keep": Keep.AFTER_CONSUMERS, "days": 7},
        "decoded chunk files go 7 days after the merges that read them finished",
    ),
    (
        "unflagged FT2, 1 s",
        {
            "product_type": "ft2_1s_unflagged",
            "keep": Keep.AFTER_SUCCESSOR,
            "days": 30,
            "successor_type": "ft2_1s",
        },
        "the unflagged 1-s FT2 goes 30 days after its flagged version is written",
    ),
    (
        "unflagged FT2, 30 s",
        {
            "product_type": "ft2_30s_unflagged",
            "keep": Keep.AFTER_SUCCESSOR,
            "days": 30,
            "successor_type": "ft2_30s",
        },
        "the unflagged 30-s FT2 goes 30 days after its flagged version is written",
    ),
    (
        "published Level 2 frames",
        {"product_type": "level2_frame", "keep": Keep.FOREVER},
        "published: never purged",
    ),
    (
        "published Level 2 ASDF",
        {"product_type": "level2_asdf", "keep": Keep.FOREVER},
        "published: never purged",
    ),
)


def load_demo(actor, stdout) -> None:
    for name, fields, description in DEMO_RULES:
        ensure_retention_rule(name, actor, description=description, **fields)
    stdout.write(f"  {len(DEMO_RULES)} retention rules")
