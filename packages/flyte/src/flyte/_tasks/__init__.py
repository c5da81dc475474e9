"""Task templates, interface extraction and the task plugin registry (private; see flyte.extend)."""
