"""Drive chaos-shim's faults from Python tests: a control segment through
libchaos-shim-ctl, a `fault(...)` block, and a pytest plugin (the `chaos`
fixture)."""
from .errors import ChaosShimError
from .segment import RuleStats, Segment, preload_library, rule_text, version

__all__ = ["ChaosShimError", "RuleStats", "Segment", "preload_library",
           "rule_text", "version"]
