"""Pure rules with no I/O: the workflow's states and guards, the dependency graph, ids, the evidence rules."""
