"""storykit: stories that enforce test-driven development.

Kept free of imports on purpose: the console script and ``--version`` load this
module first, and start-up time is a feature (see docs/performance.md).
"""

__version__ = "0.1.0"
