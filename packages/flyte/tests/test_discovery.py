"""Discovery against distributions that importlib.metadata finds on sys.path."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from flyte import _discovery
from flyte.connectors import AsyncConnector, ConnectorRegistry
from flyte.errors import PluginLoadError, RegistrationError, TypeTransformerFailedError
from flyte.extend import TaskPluginRegistry
from flyte.plugins import PluginStatus, list_plugins
from flyte.types import TypeEngine

TRANSFORMER_MODULE = """
    from flyte.types import TypeEngine, TypeTransformer

    class Meters(float):
        pass

    class MetersTransformer(TypeTransformer):
        def __init__(self):
            super().__init__(name="Meters", t=Meters)

    INSTANCE = MetersTransformer()

    def register():
        TypeEngine.register(MetersTransformer())

    NOT_A_PLUGIN = 42
"""

CONFIG_MODULE = """
    class QueueConfig:
        pass
"""

TASK_MODULE = """
    from flyte.extend import TaskTemplate
    from acme_config import QueueConfig

    class QueueTask(TaskTemplate):
        plugin_config: QueueConfig
        task_type = "queue"
"""

CONNECTOR_MODULE = """
    from flyte.connectors import AsyncConnector

    class QueueConnector(AsyncConnector):
        name = "Queue Connector"
        task_type_name = "queue"
"""


def record(distribution: str, name: str, group: str = "") -> _discovery.PluginRecord:
    (found,) = [
        r
        for r in _discovery.records()
        if r.distribution == distribution and r.name == name and group in ("", r.group)
    ]
    return found


def meters_type() -> type:
    return sys.modules["acme_units"].Meters  # type: ignore[no-any-return]


def test_module_entry_point_is_imported_and_its_registrations_are_attributed(make_dist):
    make_dist(
        "acme-units",
        entry_points={"flyte.transformers": {"meters": "acme_units"}},
        modules={"acme_units": TRANSFORMER_MODULE + "\n    register()\n"},
    )
    list_plugins()
    assert record("acme-units", "meters").status is PluginStatus.LOADED
    transformer = TypeEngine.get_transformer(meters_type())
    assert transformer.name == "Meters"


@pytest.mark.parametrize(
    "target",
    ["acme_units:MetersTransformer", "acme_units:INSTANCE", "acme_units:register"],
    ids=["subclass", "instance", "zero-argument-callable"],
)
def test_entry_point_may_name_a_class_an_instance_or_a_callable(make_dist, target):
    make_dist(
        "acme-units",
        entry_points={"flyte.transformers": {"meters": target}},
        modules={"acme_units": TRANSFORMER_MODULE},
    )
    _discovery.load_group("flyte.transformers")
    assert record("acme-units", "meters").status is PluginStatus.LOADED
    assert TypeEngine.get_transformer(meters_type()).name == "Meters"


def test_entry_point_of_the_wrong_kind_fails_naming_what_was_expected(make_dist):
    make_dist(
        "acme-units",
        entry_points={"flyte.transformers": {"meters": "acme_units:NOT_A_PLUGIN"}},
        modules={"acme_units": TRANSFORMER_MODULE},
    )
    _discovery.load_group("flyte.transformers")
    failed = record("acme-units", "meters")
    assert failed.status is PluginStatus.FAILED
    assert "meters = acme_units:NOT_A_PLUGIN" in failed.error
    assert "expected a module, a TypeTransformer instance or subclass" in failed.error


@pytest.mark.parametrize("value", ["::bad", "acme_units:attr:extra", "1mod", "acme units"])
def test_malformed_entry_point_value_fails_naming_the_accepted_forms(make_dist, value):
    make_dist(
        "acme-units",
        entry_points={"flyte.transformers": {"meters": value}},
        modules={"acme_units": TRANSFORMER_MODULE},
    )
    _discovery.load_group("flyte.transformers")
    failed = record("acme-units", "meters")
    assert failed.status is PluginStatus.FAILED
    assert f"entry point 'meters = {value}'" in failed.error
    assert "(acme-units 1.0)" in failed.error
    assert "expected 'module' or 'module:attribute'" in failed.error
    assert "NoneType" not in failed.error


def test_broken_plugin_does_not_break_other_plugins(make_dist, caplog):
    make_dist(
        "acme-broken",
        entry_points={"flyte.transformers": {"broken": "acme_missing_module"}},
    )
    make_dist(
        "acme-raises",
        entry_points={"flyte.transformers": {"raises": "acme_raises"}},
        modules={"acme_raises": "raise RuntimeError('no licence server')"},
    )
    make_dist(
        "acme-units",
        entry_points={"flyte.transformers": {"meters": "acme_units:register"}},
        modules={"acme_units": TRANSFORMER_MODULE},
    )
    with caplog.at_level(logging.WARNING, logger="flyte.plugins"):
        list_plugins()
        list_plugins()
    broken, raises = record("acme-broken", "broken"), record("acme-raises", "raises")
    assert broken.status is PluginStatus.FAILED
    assert "ModuleNotFoundError" in broken.error
    assert raises.status is PluginStatus.FAILED
    assert "RuntimeError: no licence server" in raises.error
    assert "Traceback" in raises.traceback
    assert record("acme-units", "meters").status is PluginStatus.LOADED
    # Logged once each, with the entry point, distribution and version.
    messages = [r.getMessage() for r in caplog.records]
    assert sum("'broken' (acme-broken 1.0)" in m for m in messages) == 1
    assert sum("'raises' (acme-raises 1.0)" in m for m in messages) == 1


def test_a_plugin_that_fails_midway_leaves_nothing_registered(make_dist):
    make_dist(
        "acme-units",
        entry_points={"flyte.transformers": {"meters": "acme_half"}},
        modules={
            "acme_units": TRANSFORMER_MODULE,
            "acme_half": "import acme_units\nacme_units.register()\nraise SystemExit(3)\n",
        },
    )
    list_plugins()
    assert record("acme-units", "meters").status is PluginStatus.FAILED
    assert "SystemExit: 3" in record("acme-units", "meters").error
    with pytest.raises(TypeTransformerFailedError, match="Meters"):
        TypeEngine.get_transformer(meters_type())


def test_a_failed_plugin_is_forgotten_by_the_type_engine_caches_too(make_dist):
    # The plugin registers, uses its transformer (the engine caches the lookup and the literal
    # type), then fails: what it registered is taken back, cached lookups included. Its
    # distribution loads last, so that no later registration clears the caches by chance.
    make_dist(
        "zzz-units",
        entry_points={"flyte.transformers": {"meters": "acme_used"}},
        modules={
            "acme_units": TRANSFORMER_MODULE,
            "acme_used": (
                "import acme_units\n"
                "from flyte.types import TypeEngine\n"
                "acme_units.register()\n"
                "TypeEngine.get_transformer(acme_units.Meters)\n"
                "raise RuntimeError('broken after registering')\n"
            ),
        },
    )
    list_plugins()
    assert record("zzz-units", "meters").status is PluginStatus.FAILED
    with pytest.raises(TypeTransformerFailedError, match="Meters"):
        TypeEngine.get_transformer(meters_type())


def test_a_plugin_raising_a_base_exception_is_failed_like_any_other(make_dist):
    make_dist(
        "acme-units",
        entry_points={
            "flyte.transformers": {"fatal": "acme_fatal", "meters": "acme_units:register"}
        },
        modules={
            "acme_units": TRANSFORMER_MODULE,
            "acme_fatal": """
    class LicenceExpired(BaseException):
        pass

    raise LicenceExpired("renew at acme.example")
""",
        },
    )
    list_plugins()
    fatal = record("acme-units", "fatal")
    assert fatal.status is PluginStatus.FAILED
    assert fatal.error == "LicenceExpired: renew at acme.example"
    assert record("acme-units", "meters").status is PluginStatus.LOADED


def test_ctrl_c_while_a_plugin_loads_stops_loading_and_the_next_need_resumes(make_dist):
    make_dist(
        "acme-queue",
        entry_points={"flyte.connectors": {"queue": "acme_interrupted"}},
        modules={
            "acme_connector": CONNECTOR_MODULE,
            "acme_interrupted": """
    import builtins
    from flyte.connectors import ConnectorRegistry
    from acme_connector import QueueConnector

    ConnectorRegistry.register(QueueConnector())
    if not getattr(builtins, "acme_interrupted", False):
        builtins.acme_interrupted = True
        raise KeyboardInterrupt
""",
        },
    )
    import builtins

    try:
        with pytest.raises(KeyboardInterrupt):
            list_plugins()
        interrupted = record("acme-queue", "queue")
        assert interrupted.status is PluginStatus.PENDING
        assert ("queue", 0) not in ConnectorRegistry.registered()
        assert ConnectorRegistry.get_connector("queue").name == "Queue Connector"
        assert interrupted.status is PluginStatus.LOADED
    finally:
        del builtins.acme_interrupted  # type: ignore[attr-defined]


def test_strict_mode_raises_a_failed_plugin(make_dist, monkeypatch):
    monkeypatch.setenv("FLYTE_PLUGINS_STRICT", "1")
    make_dist("acme-broken", entry_points={"flyte.transformers": {"broken": "acme_nowhere"}})
    with pytest.raises(PluginLoadError, match=r"'broken' \(acme-broken 1.0\) is failed"):
        _discovery.load_group("flyte.transformers")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FLYTE_DISABLED_PLUGINS", "meters"),
        ("FLYTE_DISABLED_PLUGINS", "other, flyte.transformers:meters"),
        ("FLYTE_DISABLED_PLUGINS", "acme-units"),
        ("FLYTE_DISABLED_PLUGINS", "*"),
        ("FLYTE_PLUGIN_AUTOLOAD", "0"),
    ],
)
def test_disabled_plugin_is_never_imported(make_dist, monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    make_dist(
        "acme-units",
        entry_points={"flyte.transformers": {"meters": "acme_units:register"}},
        modules={"acme_units": TRANSFORMER_MODULE},
    )
    list_plugins()
    disabled = record("acme-units", "meters")
    assert disabled.status is PluginStatus.DISABLED
    assert variable in disabled.error
    assert "acme_units" not in sys.modules


def test_plugin_requiring_another_core_is_incompatible_and_not_imported(make_dist):
    make_dist(
        "acme-units",
        entry_points={"flyte.transformers": {"meters": "acme_units:register"}},
        modules={"acme_units": TRANSFORMER_MODULE},
        requires=["flyte-core>=99", "flyteidl>=1"],
    )
    list_plugins()
    incompatible = record("acme-units", "meters")
    if not _discovery._core_version():
        pytest.skip("flyte-core is not installed as a distribution here")
    assert incompatible.status is PluginStatus.INCOMPATIBLE
    assert "requires flyte-core>=99" in incompatible.error
    assert "acme_units" not in sys.modules


def test_a_direct_reference_to_core_is_no_version_constraint(make_dist):
    make_dist(
        "acme-units",
        entry_points={"flyte.transformers": {"meters": "acme_units:register"}},
        modules={"acme_units": TRANSFORMER_MODULE},
        requires=["flyte-core @ file:///tmp/build/flyte_core-0.1.0-py3-none-any.whl"],
    )
    # The first lookup miss loads the group; it used to raise InvalidSpecifier instead.
    with pytest.raises(TypeTransformerFailedError):
        TypeEngine.get_transformer(type("Unclaimed", (), {}))
    assert record("acme-units", "meters").status is PluginStatus.LOADED
    assert TypeEngine.get_transformer(meters_type()).name == "Meters"


@pytest.mark.parametrize(
    ("requirement", "status"),
    [
        ('flyte-core>=99; python_version >= "3.10"', PluginStatus.INCOMPATIBLE),
        ("flyte_core (>=99) ; os_name != 'nonexistent'", PluginStatus.INCOMPATIBLE),
        ('flyte-core>=99; python_version < "3"', PluginStatus.LOADED),
        ('flyte-core>=99; extra == "dev"', PluginStatus.LOADED),
    ],
    ids=["marker-holds", "old-style-marker-holds", "marker-fails", "extra"],
)
def test_a_requirement_under_a_marker_counts_where_the_marker_holds(make_dist, requirement, status):
    if not _discovery._core_version():
        pytest.skip("flyte-core is not installed as a distribution here")
    make_dist(
        "acme-units",
        entry_points={"flyte.transformers": {"meters": "acme_units:register"}},
        modules={"acme_units": TRANSFORMER_MODULE},
        requires=[requirement, "flyteidl>=1"],
    )
    list_plugins()
    found = record("acme-units", "meters")
    assert found.status is status
    if status is PluginStatus.INCOMPATIBLE:
        assert found.error.startswith("requires flyte-core>=99, but flyte-core ")


def test_a_malformed_requirement_fails_only_its_plugin(make_dist):
    make_dist(
        "acme-broken",
        entry_points={"flyte.transformers": {"broken": "acme_units"}},
        requires=["flyte-core >=>= 1"],
    )
    make_dist(
        "acme-units",
        entry_points={"flyte.transformers": {"meters": "acme_units:register"}},
        modules={"acme_units": TRANSFORMER_MODULE},
        requires=["flyte-core"],
    )
    list_plugins()
    broken = record("acme-broken", "broken")
    assert broken.status is PluginStatus.FAILED
    assert "requirement 'flyte-core >=>= 1' of acme-broken 1.0 is malformed" in broken.error
    assert record("acme-units", "meters").status is PluginStatus.LOADED


def test_two_plugins_claiming_one_type_give_a_deterministic_winner(make_dist, caplog):
    shared = "from acme_units import Meters, MetersTransformer\n"
    make_dist(
        "zeta-units",
        entry_points={"flyte.transformers": {"meters": "zeta_units:Other"}},
        modules={"zeta_units": shared + "class Other(MetersTransformer): pass\n"},
    )
    make_dist(
        "alpha-units",
        entry_points={"flyte.transformers": {"meters": "acme_units:MetersTransformer"}},
        modules={"acme_units": TRANSFORMER_MODULE},
    )
    with caplog.at_level(logging.WARNING, logger="flyte.plugins"):
        list_plugins()
    assert record("alpha-units", "meters").status is PluginStatus.LOADED
    loser = record("zeta-units", "meters")
    assert loser.status is PluginStatus.CONFLICT
    assert "alpha-units" in loser.error
    assert any("zeta-units" in m and "alpha-units" in m for m in caplog.messages)
    assert type(TypeEngine.get_transformer(meters_type())).__name__ == "MetersTransformer"


def test_user_registration_wins_over_a_plugin(make_dist):
    make_dist("acme-config", entry_points={}, modules={"acme_config": CONFIG_MODULE})
    make_dist(
        "acme-queue",
        entry_points={"flyte.tasks": {"queue": "acme_queue:QueueTask"}},
        modules={"acme_queue": TASK_MODULE},
    )
    from acme_config import QueueConfig  # type: ignore[import-not-found]

    from flyte.extend import TaskTemplate

    class MyQueueTask(TaskTemplate):
        plugin_config: QueueConfig

    TaskPluginRegistry.register(QueueConfig, MyQueueTask)
    assert TaskPluginRegistry.find(QueueConfig) is MyQueueTask
    list_plugins()
    assert TaskPluginRegistry.find(QueueConfig) is MyQueueTask
    plugin = record("acme-queue", "queue")
    assert plugin.status is PluginStatus.CONFLICT
    assert "user code" in plugin.error


def test_user_registration_replaces_a_plugin_loaded_earlier(make_dist):
    make_dist(
        "acme-queue",
        entry_points={"flyte.connectors": {"queue": "acme_connector:QueueConnector"}},
        modules={"acme_connector": CONNECTOR_MODULE},
    )
    assert ConnectorRegistry.get_connector("queue").name == "Queue Connector"

    class MyQueueConnector(AsyncConnector):
        name = "Mine"
        task_type_name = "queue"

    ConnectorRegistry.register(MyQueueConnector())
    assert ConnectorRegistry.get_connector("queue").name == "Mine"
    assert record("acme-queue", "queue").status is PluginStatus.CONFLICT


def test_user_code_registering_a_taken_key_twice_is_refused():
    class Config:
        pass

    from flyte.extend import TaskTemplate

    class First(TaskTemplate):
        pass

    class Second(TaskTemplate):
        pass

    TaskPluginRegistry.register(Config, First)
    with pytest.raises(RegistrationError, match=r"First.*Second|already registered"):
        TaskPluginRegistry.register(Config, Second)
    TaskPluginRegistry.register(Config, Second, override=True)
    assert TaskPluginRegistry.find(Config) is Second


def test_a_miss_loads_the_group_then_finds_the_plugin(make_dist):
    make_dist("acme-config", entry_points={}, modules={"acme_config": CONFIG_MODULE})
    make_dist(
        "acme-queue",
        entry_points={"flyte.tasks": {"queue": "acme_queue:QueueTask"}},
        modules={"acme_queue": TASK_MODULE},
    )
    from acme_config import QueueConfig

    assert "acme_queue" not in sys.modules
    found = TaskPluginRegistry.find(QueueConfig)
    assert found is not None
    assert found.__name__ == "QueueTask"
    assert TaskPluginRegistry.find(type("Unknown", (), {})) is None


def test_registration_that_looks_things_up_does_not_deadlock(make_dist):
    make_dist("acme-config", entry_points={}, modules={"acme_config": CONFIG_MODULE})
    make_dist(
        "acme-queue",
        entry_points={
            "flyte.tasks": {"queue": "acme_queue:QueueTask"},
            "flyte.connectors": {"queue": "acme_lookup:register"},
        },
        modules={
            "acme_queue": TASK_MODULE,
            "acme_lookup": CONNECTOR_MODULE
            + """
    from flyte.connectors import ConnectorRegistry
    from flyte.extend import TaskPluginRegistry
    from acme_config import QueueConfig

    def register():
        # Its own group (a plain miss) and another group (loaded on the spot).
        try:
            ConnectorRegistry.get_connector("queue")
        except LookupError:
            pass
        assert TaskPluginRegistry.find(QueueConfig) is not None
        ConnectorRegistry.register(QueueConnector())
""",
        },
    )
    result: list[object] = []
    thread = threading.Thread(target=lambda: result.append(list_plugins()))
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "loading deadlocked"
    assert record("acme-queue", "queue", "flyte.connectors").status is PluginStatus.LOADED
    assert record("acme-queue", "queue", "flyte.tasks").status is PluginStatus.LOADED
    assert ConnectorRegistry.get_connector("queue").name == "Queue Connector"


UNCLAIMED_LOOKUP = """
    from flyte.types import TypeEngine

    class Unclaimed:
        pass

    def look_up():
        try:
            TypeEngine.get_transformer(Unclaimed)
        except TypeError as exc:
            print("helper:", type(exc).__name__)
"""

REPORT_STATUSES = """
from flyte.plugins import list_plugins

for record in list_plugins():
    if record.distribution.startswith("acme-"):
        print(record.name, record.status.value)
"""


def run_python(site: Path, code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter that finds the distributions of ``site``.

    A fresh process because a regression here deadlocks: the timeout turns it into a failure
    instead of a test run that never ends.
    """
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={**os.environ, "PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_a_plugin_waiting_on_a_thread_that_looks_a_type_up_does_not_deadlock(make_dist):
    info = make_dist(
        "acme-helper",
        entry_points={"flyte.transformers": {"helper": "acme_helper"}},
        modules={
            "acme_helper": UNCLAIMED_LOOKUP
            + """
    import threading

    helper = threading.Thread(target=look_up, daemon=True)
    helper.start()
    helper.join()
"""
        },
    )
    out = run_python(info.parent, REPORT_STATUSES)
    assert out.stdout.splitlines() == ["helper: TypeTransformerFailedError", "helper loaded"]
    # The helper waited a bounded time for the load, and the warning says who it waited on.
    assert "flyte.transformers plugin 'helper' (acme-helper 1.0) is still loading" in out.stderr


def test_a_plugin_waiting_on_a_thread_that_existed_before_does_not_hang_forever(make_dist):
    info = make_dist(
        "acme-helper",
        entry_points={"flyte.transformers": {"helper": "acme_helper"}},
        modules={
            "acme_helper": UNCLAIMED_LOOKUP
            + """
    import builtins

    builtins.acme_pool.submit(look_up).result()
"""
        },
    )
    code = """
        import builtins, concurrent.futures
        from flyte import _discovery

        _discovery.WAIT_FOR_LOADER_SECONDS = 0.5
        builtins.acme_pool = concurrent.futures.ThreadPoolExecutor(1)
        builtins.acme_pool.submit(lambda: None).result()  # its worker exists before any load
    """
    out = run_python(info.parent, textwrap.dedent(code) + REPORT_STATUSES)
    assert out.stdout.splitlines() == ["helper: TypeTransformerFailedError", "helper loaded"]


def test_a_thread_looking_up_while_another_loads_waits_for_the_whole_group(make_dist):
    make_dist(
        "acme-queue",
        entry_points={"flyte.connectors": {"queue": "acme_slow"}},
        modules={
            "acme_connector": CONNECTOR_MODULE,
            "acme_slow": """
    import builtins, time
    from flyte.connectors import ConnectorRegistry
    from acme_connector import QueueConnector

    builtins.acme_loading.set()
    time.sleep(0.3)
    ConnectorRegistry.register(QueueConnector())
""",
        },
    )
    import builtins

    builtins.acme_loading = loading = threading.Event()  # type: ignore[attr-defined]
    asked = threading.Event()
    found: list[str] = []

    def look_up() -> None:
        asked.wait(10)
        try:
            found.append(ConnectorRegistry.get_connector("queue").name)
        except LookupError as exc:
            found.append(str(exc))

    try:
        other = threading.Thread(target=look_up, daemon=True)
        other.start()  # a thread of the program, running before the load begins
        loader = threading.Thread(target=list_plugins, daemon=True)
        loader.start()
        assert loading.wait(10)
        asked.set()
        for thread in (other, loader):
            thread.join(10)
            assert not thread.is_alive()
    finally:
        del builtins.acme_loading  # type: ignore[attr-defined]
    assert found == ["Queue Connector"]


def test_concurrent_first_lookups_load_each_plugin_once(make_dist):
    make_dist(
        "acme-counted",
        entry_points={"flyte.transformers": {"counted": "acme_counted"}},
        modules={
            "acme_counted": """
    import time, builtins
    builtins.acme_loads = getattr(builtins, "acme_loads", 0) + 1
    time.sleep(0.05)
"""
        },
    )
    import builtins

    threads = [
        threading.Thread(target=_discovery.load_group, args=("flyte.transformers",))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert builtins.acme_loads == 1  # type: ignore[attr-defined]
    del builtins.acme_loads  # type: ignore[attr-defined]


def test_the_scan_is_cached_for_the_process(make_dist):
    first = _discovery.records()
    make_dist("acme-late", entry_points={"flyte.tasks": {"late": "acme_late"}})
    assert _discovery.records() is first
    assert not [r for r in _discovery.records() if r.distribution == "acme-late"]


def test_import_flyte_imports_no_plugin_and_scans_nothing(
    modules_loaded_by: Callable[..., list[str]],
) -> None:
    heavy = (
        "flyteplugins",
        "flyte._discovery",
        "flyteidl",
        "google.protobuf",
        "importlib.metadata",
    )
    assert modules_loaded_by("import flyte", *heavy) == []
