"""The word count task: a connector task built directly, run through WordCountConnector."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flyte.connectors import AsyncConnectorExecutorMixin
from flyte.extend import TaskTemplate
from flyte.models import NativeInterface, SerializationContext


@dataclass
class WordCount:
    """How long the remote service takes per word."""

    seconds_per_word: float = 0.05


class WordCountTask(AsyncConnectorExecutorMixin, TaskTemplate):
    """A task of type ``word_count``: ``text: str`` in, ``words: int`` and ``longest: str`` out."""

    plugin_config: WordCount
    task_type = "word_count"

    def __init__(self, name: str, config: WordCount | None = None) -> None:
        interface = NativeInterface(inputs={"text": str}, outputs={"words": int, "longest": str})
        super().__init__(name, interface, plugin_config=config or WordCount())

    def custom_config(self, sctx: SerializationContext) -> dict[str, Any]:
        return {"seconds_per_word": self.plugin_config.seconds_per_word}


count_words = WordCountTask("count_words")
