"""A connector whose resource metadata is all its state, so any connector process can poll it.

``flyte serve connector --modules my_connector.connector`` serves it to a Flyte backend.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from flyteidl.core.execution_pb2 import TaskExecution

from flyte.connectors import AsyncConnector, ConnectorRegistry, Resource, ResourceMeta
from my_connector.task import WordCount


@dataclass
class WordCountMetadata(ResourceMeta):
    """The job: its text and when it finishes (the remote service takes a moment per word)."""

    text: str
    done_at: float


class WordCountConnector(AsyncConnector):
    """Counts the words of ``text``; the answer is ready after ``seconds_per_word`` per word."""

    name = "Word Count Connector"
    task_type_name = "word_count"
    metadata_type = WordCountMetadata
    config_type = WordCount

    async def create(
        self,
        task_template: Any,
        inputs: dict[str, Any] | None = None,
        *,
        config: WordCount,
        **kwargs: Any,
    ) -> WordCountMetadata:
        text = (inputs or {})["text"]
        done_at = time.time() + config.seconds_per_word * len(text.split())
        return WordCountMetadata(text=text, done_at=done_at)

    async def get(self, resource_meta: WordCountMetadata, **kwargs: Any) -> Resource:
        if time.time() < resource_meta.done_at:
            return Resource(phase=TaskExecution.RUNNING, message="counting")
        words = resource_meta.text.split()
        return Resource(
            phase=TaskExecution.SUCCEEDED,
            outputs={"words": len(words), "longest": max(words, key=len, default="")},
        )

    async def delete(self, resource_meta: WordCountMetadata, **kwargs: Any) -> None:
        """Nothing to cancel: the remote service keeps no state."""


ConnectorRegistry.register(WordCountConnector())
