"""Workflows: graphs of tasks built when they are defined (private; see flyte.workflow and flyte.map)."""
