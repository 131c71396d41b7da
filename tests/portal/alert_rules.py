"""The example alert rules (docker/prometheus/alerts.yml) and the metrics their expressions name."""

import re
from pathlib import Path

import yaml

PROMETHEUS = Path(__file__).resolve().parents[2] / "docker" / "prometheus"
# Prometheus's own series for every target, not the portal's.
PROMETHEUS_OWN = {"up"}
# PromQL's words: aggregations, functions, operators and modifiers the rules may use.
PROMQL_WORDS = {
    "and", "or", "unless", "bool", "offset", "on", "ignoring", "group_left", "group_right",
    "sum", "min", "max", "avg", "count", "topk", "bottomk", "quantile", "stddev",
    "rate", "irate", "increase", "delta", "deriv", "changes", "resets", "time", "absent",
    "absent_over_time", "histogram_quantile", "clamp_min", "clamp_max", "abs", "vector", "scalar",
}  # fmt: skip


def rules() -> list[dict]:
    document = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def metrics_named(expr: str) -> set[str]:
    """The metric names in a PromQL expression: what is left once label matchers, strings, ranges,
    grouping clauses, numbers and PromQL's own words are taken out."""
    bare = re.sub(r"\{[^}]*\}|\[[^\]]*\]|\"[^\"]*\"|\b(by|without)\s*\([^)]*\)", " ", expr)
    words = set(re.findall(r"(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*", bare))
    return words - PROMQL_WORDS
