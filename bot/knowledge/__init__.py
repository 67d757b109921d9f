"""The knowledge: its model, the strict loader of the YAML files, and where each problem is."""
