"""ConnectorRegistry, ResourceMeta and Resource: registration, lookup, discovery, JSON metadata."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from flyte.connectors import (
    AsyncConnector,
    ConnectorNotFoundError,
    ConnectorRegistry,
    ResourceMeta,
    ResourceMetaError,
)
from flyte.errors import RegistrationError


class QueueConnector(AsyncConnector):
    name = "Queue Connector"
    task_type_name = "queue_job"


class OtherQueueConnector(AsyncConnector):
    name = "Other Queue Connector"
    task_type_name = "queue_job"


def test_a_registered_connector_is_found_by_task_type_and_version() -> None:
    connector = QueueConnector()
    ConnectorRegistry.register(connector)
    assert ConnectorRegistry.get_connector("queue_job", 0) is connector
    assert connector in ConnectorRegistry.list_connectors()


def test_a_duplicate_registration_is_refused_unless_overridden() -> None:
    ConnectorRegistry.register(QueueConnector())
    with pytest.raises(RegistrationError, match=r"'queue_job' version 0.*override=True"):
        ConnectorRegistry.register(OtherQueueConnector())
    other = OtherQueueConnector()
    ConnectorRegistry.register(other, override=True)
    assert ConnectorRegistry.get_connector("queue_job") is other


def test_a_missing_connector_names_the_task_type_and_lists_what_is_registered() -> None:
    ConnectorRegistry.register(QueueConnector())
    with pytest.raises(ConnectorNotFoundError) as caught:
        ConnectorRegistry.get_connector("warehouse", 2)
    message = str(caught.value)
    assert "'warehouse' version 2" in message
    assert "'queue_job' v0" in message


def test_only_connectors_can_be_registered() -> None:
    with pytest.raises(TypeError, match="AsyncConnector or SyncConnector"):
        ConnectorRegistry.register(object())  # type: ignore[arg-type]


def test_a_miss_loads_the_connector_entry_points(make_dist: Callable[..., Path]) -> None:
    make_dist(
        "acme-connectors",
        entry_points={"flyte.connectors": {"acme_job": "acme_connector:AcmeConnector"}},
        modules={
            "acme_connector": """
                from flyte.connectors import AsyncConnector

                class AcmeConnector(AsyncConnector):
                    name = "Acme"
                    task_type_name = "acme_job"
            """
        },
    )
    assert ConnectorRegistry.get_connector("acme_job").name == "Acme"


@dataclass
class JobMeta(ResourceMeta):
    job_id: str
    attempts: int = 0
    tags: list[str] | None = None


def test_resource_meta_round_trips_as_json() -> None:
    meta = JobMeta(job_id="j-1", attempts=2, tags=["a"])
    data = meta.encode()
    assert data == b'{"attempts": 2, "job_id": "j-1", "tags": ["a"]}'
    assert JobMeta.decode(data) == meta


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"\x80\x04\x95pickle", "is not JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"job": "x"}', "does not match JobMeta"),
        (b'{"job_id": 5}', "field 'job_id' of JobMeta must be str, got int 5"),
        (b'{"job_id": "x", "attempts": true}', "field 'attempts' of JobMeta must be int"),
        (b'{"job_id": "x", "attempts": 1.5}', "field 'attempts' of JobMeta must be int"),
        (b'{"job_id": "x", "tags": ["a", 2]}', "field 'tags' of JobMeta must be list[str] | None"),
        (b'{"job_id": "x", "tags": "a"}', "field 'tags'"),
    ],
)
def test_undecodable_resource_meta_is_a_clear_error(data: bytes, problem: str) -> None:
    with pytest.raises(ResourceMetaError, match=re.escape(problem)):
        JobMeta.decode(data)


def test_resource_meta_with_a_non_json_field_is_refused_when_encoded() -> None:
    @dataclass
    class Bad(ResourceMeta):
        handle: Any

    with pytest.raises(ResourceMetaError, match="Bad cannot be encoded as JSON"):
        Bad(handle=object()).encode()
