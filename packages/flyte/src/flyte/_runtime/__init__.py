"""The container entry point and local runs, which take the same pipeline (private; see flyte.run)."""
