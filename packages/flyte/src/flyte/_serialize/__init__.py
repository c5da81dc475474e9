"""Serialization of tasks to flyteidl, code bundles and the ``pyflyte package`` file layout (private).

The public names are ``flyte.serialize`` and ``flyte.serialize_task``.
"""
