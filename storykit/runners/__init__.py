"""Running a test command and reading its per-test results (storykit's pytest plugin, JUnit XML)."""
