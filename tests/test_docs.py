"""Every code block of the guide in docs/ runs, in order, page by page, and shows what it claims.

The blocks of one page run in order in a fresh temporary directory (the page's *workdir*), with
the interpreter running the tests (its ``bin`` first on ``PATH``) and the workdir on
``PYTHONPATH``. What a block does depends on its language and on the directives in an HTML
comment on the line just before it, ``<!-- docs-test: DIRECTIVE; DIRECTIVE -->``:

- ```` ```python ````: run as a script in a fresh process (so each block starts with empty
  registries, as a new program does); it must exit 0.
- ```` ```console ````: ``$ COMMAND`` lines run with bash, one by one, in the current folder
  (the workdir, until a ``$ cd DIR`` changes it for the rest of the page, as in a terminal;
  scripts and ``file=`` paths follow it too); the lines after a command, if any, are its expected
  output (stdout and stderr together, as a terminal shows them). Each command must exit 0.
- ```` ```bash ````: each line is a command, run as above, with no output check.
- ```` ```toml ````: parsed (``tomllib``; on Python 3.10 ``tomli``, which pytest itself requires
  there, so it is always installed beside pytest). A table of entry points under
  ``[project.entry-points."flyte.*"]`` must use one of the three groups and give each entry
  point a valid ``module`` or ``module:attribute`` value. For an ``excerpt-of`` block, the whole
  file it is an excerpt of is checked so.
- ```` ```text ```` and other blocks are shown, not run; a language this file does not know
  (``yaml``, say) needs a ``skip`` directive.

Directives:

- ``file=PATH``: write the block to ``PATH`` (under the current folder) instead of running it.
- ``excerpt-of=PATH``: the block is an excerpt of the file ``PATH`` (under the current folder; a file a
  command such as ``flyte plugins new`` wrote): its lines appear in that file in that order;
  a line ``...`` stands for any lines left out.
- ``output``: the block (``text``) is the output of the block before it, which must match.
- ``exit=N``: the block's commands (or script) must exit with status N instead of 0.
- ``background``: a ``console`` block's one command is started and left running until the page
  ends (then it gets SIGTERM); its expected output lines are awaited before the page goes on.
- ``skip (REASON)``: not run; the reason is mandatory.

A directive on a line of its own, not followed by a block, applies to the whole page:
``free-port=N[,M...]`` replaces each port number everywhere in the page's blocks by a free port
picked for the run, so that a page can show the port a reader would use.

Expected output may use ``...``: on a line of its own it stands for any number of lines; inside a
line it stands for any text. Trailing spaces are ignored.

``pip install [-e] [--no-deps] PATH[extras]`` of a local source tree is done offline: the test
environment may have no network and no build backend. The tree's ``pyproject.toml`` is read, the
folders its wheel would ship are put on ``PYTHONPATH`` (so it behaves as an editable install),
and a ``.dist-info`` with its metadata and ``entry_points.txt`` is written to a folder on
``PYTHONPATH``; extras are ignored (they name test tools the test environment has). That is what discovery reads
from an installed wheel; building and installing real wheels of scaffolded plugins is the
scaffold's own end-to-end test. Any other ``pip install`` is refused: mark its block ``skip``.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest depends on tomli below 3.11, so it is installed wherever these tests run
    import tomli as tomllib

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = sorted(DOCS.glob("*.md"))
TIMEOUT = 600
GROUPS = ("flyte.transformers", "flyte.tasks", "flyte.connectors")

_FENCE = re.compile(r"^```([\w-]*)\s*$")
_DIRECTIVE = re.compile(r"^<!--\s*docs-test:\s*(.*?)\s*-->$")
_ENTRY_POINT_VALUE = re.compile(r"^[A-Za-z_][\w.]*(?::[A-Za-z_][\w.]*)?$")
DIRECTIVES = {"background", "excerpt-of", "exit", "file", "free-port", "output", "skip"}


@dataclass
class Block:
    """A fenced block of a page, with its directives and where it starts."""

    language: str
    text: str
    line: int
    directives: dict[str, str] = field(default_factory=dict)

    def where(self, page: Path) -> str:
        return f"{page.name}:{self.line} ({self.language or 'no language'} block)"


def parse_directives(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    skip = re.search(r"\bskip\b\s*(\(.*\))?", text)
    if skip:
        if not skip.group(1) or len(skip.group(1)) < 3:
            pytest.fail(f"skip needs a reason in parentheses: {text!r}")
        found["skip"] = skip.group(1)[1:-1]
        text = text[: skip.start()] + text[skip.end() :]
    for item in filter(None, (part.strip() for part in text.split(";"))):
        key, _, value = item.partition("=")
        if key.strip() not in DIRECTIVES:
            pytest.fail(f"unknown docs-test directive {item!r}; known: {sorted(DIRECTIVES)}")
        found[key.strip()] = value.strip()
    return found


def parse_page(page: Path) -> tuple[list[Block], dict[str, str]]:
    """The page's blocks in order, and its page-wide directives."""
    lines = page.read_text().splitlines()
    blocks: list[Block] = []
    page_directives: dict[str, str] = {}
    pending: dict[str, str] = {}
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        directive = _DIRECTIVE.match(line)
        fence = _FENCE.match(line)
        if directive:
            if pending:  # the directive before was not followed by a block: page-wide
                page_directives.update(pending)
            pending = parse_directives(directive.group(1))
            i += 1
            continue
        if fence:
            end = i + 1
            while end < len(lines) and lines[end].strip() != "```":
                end += 1
            assert end < len(lines), f"{page.name}:{i + 1}: unclosed code block"
            text = "\n".join(lines[i + 1 : end]) + "\n"
            blocks.append(Block(fence.group(1), text, i + 1, pending))
            pending = {}
            i = end + 1
            continue
        if line and pending:
            page_directives.update(pending)
            pending = {}
        i += 1
    page_directives.update(pending)
    return blocks, page_directives


def output_pattern(expected: str) -> re.Pattern[str]:
    """A regex for expected output: ``...`` alone on a line is any lines, inside a line any text."""
    parts = []
    for line in normalize(expected).split("\n"):
        if line.strip() == "...":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(".*".join(re.escape(p) for p in line.split("...")) + r"\n")
    return re.compile("".join(parts), re.DOTALL)


def normalize(output: str) -> str:
    return "\n".join(line.rstrip() for line in output.strip("\n").split("\n"))


def assert_output(expected: str, actual: str, where: str) -> None:
    if not output_pattern(expected).fullmatch(normalize(actual) + "\n"):
        pytest.fail(f"{where}: the output differs\n--- expected\n{expected}\n--- actual\n{actual}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class PageRun:
    """Runs the blocks of one page in its workdir."""

    def __init__(self, page: Path, workdir: Path) -> None:
        self.page = page
        self.workdir = workdir
        self.cwd = workdir
        self.site = workdir / ".docs-test-site"
        self.site.mkdir()
        self.paths = [str(workdir), str(self.site)]
        self.last_output = ""
        self.background: list[subprocess.Popen[str]] = []

    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("FLYTE_", "PYTEST_")) and k not in ("PYTHONPATH", "VIRTUAL_ENV")
        }
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        env["PYTHONPATH"] = os.pathsep.join(self.paths)
        env["FLYTE_BATCH_JOB_DIR"] = str(self.workdir / ".batch-jobs")
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONUNBUFFERED"] = "1"  # stdout and stderr interleave as on a terminal
        return env

    def run_block(self, block: Block) -> None:
        where = block.where(self.page)
        directives = block.directives
        if "skip" in directives:
            return
        if "file" in directives:
            target = self.cwd / directives["file"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.text)
            if block.language == "toml":
                check_toml(block.text, where)
            return
        if "excerpt-of" in directives:
            path = self.cwd / directives["excerpt-of"]
            assert_excerpt(block.text, path, where)
            if block.language == "toml":  # the file the excerpt is of must be valid
                check_toml(path.read_text(), f"{where}: {path.name}")
            return
        if "output" in directives:
            assert_output(block.text, self.last_output, where)
            return
        expected_exit = int(directives.get("exit", "0"))
        if block.language == "python":
            self.last_output = self.run(
                [sys.executable, "-c", block.text], expected_exit, f"{where}: the script"
            )
        elif block.language == "console":
            self.run_console(block, expected_exit, where)
        elif block.language == "bash":
            for command in commands_of(block.text):
                self.last_output = self.run_command(command, expected_exit, where)
        elif block.language == "toml":
            check_toml(block.text, where)
        elif block.language not in ("text", ""):
            pytest.fail(f"{where}: a {block.language} block is not run; mark it skip (reason)")

    def run_console(self, block: Block, expected_exit: int, where: str) -> None:
        steps: list[tuple[str, list[str]]] = []
        for line in block.text.rstrip("\n").split("\n"):
            if line.startswith("$ "):
                steps.append((line[2:], []))
            else:
                assert steps, f"{where}: a console block starts with a `$ ` command"
                steps[-1][1].append(line)
        for command, expected in steps:
            if "background" in block.directives:
                self.start_background(command, "\n".join(expected), where)
                continue
            output = self.run_command(command, expected_exit, where)
            if expected:
                assert_output("\n".join(expected), output, f"{where}: `{command}`")
            self.last_output = output

    def run_command(self, command: str, expected_exit: int, where: str) -> str:
        if command.lstrip().startswith("#"):  # a comment the reader sees, not a command
            return ""
        words = shlex.split(command)
        if len(words) == 2 and words[0] == "cd":
            self.cwd = (self.cwd / words[1]).resolve()
            assert self.cwd.is_dir(), f"{where}: `{command}`: no such folder"
            return ""
        if words[:2] == ["pip", "install"] or words[:4] == ["python", "-m", "pip", "install"]:
            self.install_offline(words[words.index("install") + 1 :], where)
            return ""
        return self.run(["bash", "-c", command], expected_exit, f"{where}: `{command}`")

    def run(self, argv: list[str], expected_exit: int, what: str) -> str:
        out = subprocess.run(
            argv,
            cwd=self.cwd,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        if out.returncode != expected_exit:
            pytest.fail(
                f"{what} exited {out.returncode}, expected {expected_exit}; output:\n{out.stdout}"
            )
        return out.stdout

    def start_background(self, command: str, expected: str, where: str) -> None:
        process = subprocess.Popen(
            ["bash", "-c", f"exec {command}"],
            cwd=self.cwd,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.background.append(process)
        lines: list[str] = []
        assert process.stdout is not None
        reader = threading.Thread(
            target=lambda: lines.extend(iter(process.stdout.readline, "")), daemon=True
        )
        reader.start()
        pattern = output_pattern(expected + "\n...") if expected else None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            seen = "".join(lines)
            if pattern is None or pattern.fullmatch(normalize(seen) + "\n"):
                return
            if process.poll() is not None:
                break
            time.sleep(0.1)
        pytest.fail(f"{where}: `{command}` did not print\n{expected}\n--- it printed\n{seen}")

    def stop_background(self) -> None:
        for process in self.background:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            if process.stdout is not None:
                process.stdout.close()

    def install_offline(self, args: list[str], where: str) -> None:
        """Make a local source tree importable and discoverable, as its installed wheel would be."""
        # -e changes nothing here: the tree's own folders go on the path, as an editable install
        # does. Extras (``.[test]``) name test tools, which the test environment already has.
        sources = [re.sub(r"\[.*\]$", "", a) for a in args if a not in ("--no-deps", "-e")]
        if len(sources) != 1 or sources[0].startswith("-") or not (self.cwd / sources[0]).is_dir():
            pytest.fail(f"{where}: only `pip install [-e] [--no-deps] LOCAL_DIR` runs here: {args}")
        project = (self.cwd / sources[0]).resolve()
        meta = tomllib.loads((project / "pyproject.toml").read_text())
        name, version = meta["project"]["name"], meta["project"]["version"]
        wheel = meta.get("tool", {}).get("hatch", {}).get("build", {}).get("targets", {})
        shipped = wheel.get("wheel", {}).get("packages")
        if shipped:
            roots = {str((project / p).parent) for p in shipped}
        else:
            roots = {str(project / "src" if (project / "src").is_dir() else project)}
        self.paths.extend(sorted(roots - set(self.paths)))
        dist_info = self.site / f"{name.replace('-', '_')}-{version}.dist-info"
        dist_info.mkdir(exist_ok=True)
        requires = [f"Requires-Dist: {r}" for r in meta["project"].get("dependencies", [])]
        (dist_info / "METADATA").write_text(
            "\n".join(["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}", *requires])
            + "\n\n"
        )
        entry_points = meta["project"].get("entry-points", {})
        (dist_info / "entry_points.txt").write_text(
            "".join(
                f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in points.items()) + "\n"
                for group, points in entry_points.items()
            )
        )


def commands_of(text: str) -> list[str]:
    """The commands of a bash block: its lines, joined where they end with a backslash."""
    commands, current = [], ""
    for line in text.split("\n"):
        if line.rstrip().endswith("\\"):
            current += line.rstrip()[:-1] + " "
            continue
        current += line
        if current.strip() and not current.lstrip().startswith("#"):
            commands.append(current.strip())
        current = ""
    return commands


def check_toml(text: str, where: str) -> None:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        pytest.fail(f"{where}: not valid TOML: {exc}")
    for group, points in data.get("project", {}).get("entry-points", {}).items():
        if not group.startswith("flyte."):
            continue
        assert group in GROUPS, f"{where}: unknown entry-point group {group!r}; one of {GROUPS}"
        for name, value in points.items():
            assert _ENTRY_POINT_VALUE.match(value), (
                f"{where}: entry point {name} = {value!r} is not `module` or `module:attribute`"
            )


def assert_excerpt(text: str, path: Path, where: str) -> None:
    assert path.is_file(), f"{where}: {path} does not exist"
    actual = path.read_text()
    position = 0
    for chunk in re.split(r"^\.\.\.\n", text, flags=re.MULTILINE):
        if not chunk.strip():
            continue
        found = actual.find(chunk, position)
        if found < 0:
            pytest.fail(
                f"{where}: not found in {path.name} (in order):\n{chunk}\n--- file\n{actual}"
            )
        position = found + len(chunk)


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_code_blocks_of_the_page_run(page: Path, tmp_path: Path) -> None:
    blocks, page_directives = parse_page(page)
    for old in filter(None, page_directives.get("free-port", "").split(",")):
        new = str(free_port())
        for block in blocks:
            block.text = block.text.replace(old.strip(), new)
    run = PageRun(page, tmp_path)
    try:
        for block in blocks:
            run.run_block(block)
    finally:
        run.stop_background()


def test_the_guide_has_pages_and_the_index_links_each():
    index = (DOCS / "index.md").read_text()
    assert len(PAGES) > 1
    for page in PAGES:
        if page.name != "index.md":
            assert f"]({page.name})" in index, f"docs/index.md does not link {page.name}"


def test_skips_are_rare_and_give_a_reason():
    skipped = [
        (page.name, b.line, b.directives["skip"])
        for page in PAGES
        for b in parse_page(page)[0]
        if "skip" in b.directives
    ]
    runnable = sum(1 for page in PAGES for _ in parse_page(page)[0])
    assert all(reason for *_, reason in skipped)
    assert len(skipped) * 5 <= runnable, f"too many skipped blocks: {skipped}"


def _anchors(page: Path) -> set[str]:
    """The anchors GitHub gives the page's headings."""
    headings = re.findall(r"^#+\s+(.+)$", page.read_text(), flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_links_between_pages_resolve():
    for page in PAGES:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
            if "://" in target:
                continue
            name, _, anchor = target.partition("#")
            linked = DOCS / name if name else page
            assert linked.is_file(), f"{page.name} links {target}: no such page"
            assert not anchor or anchor in _anchors(linked), (
                f"{page.name} links {target}: no such heading"
            )
