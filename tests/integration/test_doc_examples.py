"""Every shell example of README.md, SECURITY.md and docs/*.md is run, as written, against the local
server, and what it prints is compared with what the page shows: documentation that cannot rot.

The convention (docs/TESTING.md, "Examples in the documentation"):

- A ```console block is run: each line starting with ``$ `` is a command (a line ending in ``\\``
  goes on to the next), and the lines after it, up to the next command, are what it prints. A
  line ``...`` stands for any number of lines (headers the example does not care about).
- Commands run in order, page by page, in one bash per page, so that a variable set by one command
  (``KEY=...``, ``ETAG=...``) is there for the next; each page gets a server of its own, in front
  of an empty table. ``127.0.0.1:3000``, where `make run` serves, is the test server's address.
- Compared modulo what changes from run to run: timestamps, the creation time an ETag holds (its
  version is compared), the ``Date`` header, UUIDs.
- A shell block that cannot run here (``make run`` serves until Ctrl-C, ``make deploy`` needs AWS)
  says so on the line before it: ``<!-- not run: the reason -->``. Any other shell block (```sh,
  ```bash, ```shell, or no language) fails the test.
"""

import os
import queue
import re
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from localdev.server_process import LocalServer
from tests.root import ROOT

PAGES = ["README.md", "SECURITY.md", *sorted(str(path.relative_to(ROOT)) for path in (ROOT / "docs").glob("*.md"))]
SHELL_LANGUAGES = {"", "sh", "shell", "bash", "console"}
FENCE = re.compile(r"^```([\w-]*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
NOT_RUN = re.compile(r"<!-- not run: (\S.*?) -->\n\Z")
DOCUMENTED = "127.0.0.1:3000"  # where the pages say `make run` serves
ANY_LINES = "..."
COMMAND_TIMEOUT = 60.0  # seconds
# Set by the `make test` that runs these tests: a person's shell has none of them (with them, a
# `make` in an example would print its directory, as a sub-make does).
OUTER_MAKE = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")
# What pytest-env sets for the other tests (pyproject.toml), and AWS credentials: a newcomer's shell
# has none, so that `make smoke` sends its requests unsigned, as the page shows.
TEST_SETTINGS = ("AWS_", "POWERTOOLS_", "TABLE_NAME", "DYNAMODB_", "IDEMPOTENCY_TABLE_NAME")


def a_persons_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in OUTER_MAKE and not k.startswith(TEST_SETTINGS)}
    return {**env, "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}


# What differs between two runs of the same example, and what stands for it in a comparison.
VARYING = [
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"), "<time>"),
    (re.compile(r'"[0-9a-f]{8,16}-(\d+)"'), r'"<created>-\1"'),  # an ETag: creation time, version
    (re.compile(r"(?im)^date: .*$"), "Date: <date>"),
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),
    (re.compile(r"\bsmoke-[0-9a-f]{12}\b"), "smoke-<id>"),  # the course `make smoke` creates
]


@dataclass
class Block:
    page: str
    line: int  # of the opening fence, 1-based
    language: str
    text: str
    not_run: str | None  # the reason given, if it is marked

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


@dataclass
class Example:
    where: str
    command: str
    shown: list[str]  # what the page shows it prints


def blocks(page: str, text: str | None = None) -> list[Block]:
    text = (ROOT / page).read_text() if text is None else text
    found = []
    for match in FENCE.finditer(text):
        before = text[: match.start()]
        marked = NOT_RUN.search(before)
        found.append(
            Block(page, before.count("\n") + 1, match[1], match[2], marked[1] if marked else None),
        )
    return found


def examples(block: Block) -> list[Example]:
    """The commands of a ```console block, each with the lines the page shows it prints."""
    lines = block.text.splitlines()
    assert lines and lines[0].startswith("$ "), f"{block.where}: a console block starts with a `$ ` command"
    found: list[Example] = []
    index = 0
    while index < len(lines):
        command = [lines[index][2:]]
        start = index
        while command[-1].endswith("\\"):
            index += 1
            command.append(lines[index])
        index += 1
        shown = []
        while index < len(lines) and not lines[index].startswith("$ "):
            shown.append(lines[index])
            index += 1
        found.append(Example(f"{block.page}:{block.line + 1 + start}", "\n".join(command), shown))
    return found


def normalised(text: str) -> str:
    for pattern, replacement in VARYING:
        text = pattern.sub(replacement, text)
    return text


def matches(shown: list[str], printed: str) -> bool:
    """Whether ``printed`` is what the page shows, ``...`` lines standing for any lines."""
    while shown and not shown[-1].strip():  # blank lines at the end are not compared
        shown = shown[:-1]
    pattern = "".join(r"(?:[^\n]*\n)*?" if line == ANY_LINES else re.escape(normalised(line)) + r"\n" for line in shown)
    text = normalised(printed).rstrip("\n")
    return re.fullmatch(pattern, text + "\n" if text else "") is not None


class Shell:
    """One bash, fed one command at a time, each command's output (stdout and stderr) read up to a
    marker: state (variables, the current folder) carries from one command to the next."""

    def __init__(self, cwd: Path = ROOT):
        self.process = subprocess.Popen(
            ["bash", "--noprofile", "--norc"],
            cwd=cwd,
            env=a_persons_environment(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def run(self, command: str) -> str:
        """What ``command`` prints, carriage returns (HTTP's header lines) left out."""
        assert self.process.stdin is not None
        marker = f"--- done {uuid.uuid4().hex} ---"
        self.process.stdin.write(f"{{\n{command}\n}} </dev/null 2>&1\nprintf '\\n%s\\n' '{marker}'\n")
        self.process.stdin.flush()
        printed = []
        while True:
            line = self._lines.get(timeout=COMMAND_TIMEOUT)
            assert line is not None, f"the shell ended while running {command!r}"
            if line.rstrip("\n") == marker:
                break
            printed.append(line)
        text = "".join(printed).replace("\r", "")
        return text[:-1] if text.endswith("\n") else text  # the marker's own newline

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def run_page(examples_: list[Example], port: int) -> list[str]:
    """Runs the examples in order; returns a description of each whose output is not the one shown."""
    address = f"127.0.0.1:{port}"
    wrong = []
    shell = Shell()
    try:
        for example in examples_:
            printed = shell.run(example.command.replace(DOCUMENTED, address))
            shown = [line.replace(DOCUMENTED, address) for line in example.shown]
            if not matches(shown, printed):
                wrong.append(
                    f"{example.where}: $ {example.command}\n--- shown:\n"
                    + "\n".join(shown)
                    + f"\n--- printed:\n{printed}\n"
                )
    finally:
        shell.close()
    return wrong


def page_examples(page: str) -> list[Example]:
    return [e for block in blocks(page) if block.language == "console" and not block.not_run for e in examples(block)]


@pytest.fixture
def fresh_server(dynalite):
    """The local server in front of an empty table of its own."""
    servers = []

    def start() -> LocalServer:
        server = LocalServer({"DYNAMODB_ENDPOINT": dynalite.endpoint, "TABLE_NAME": f"docs-{uuid.uuid4().hex[:8]}"})
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def test_every_shell_block_is_run_or_says_why_not():
    unmarked = [
        block.where
        for page in PAGES
        for block in blocks(page)
        if block.language in SHELL_LANGUAGES and block.language != "console" and not block.not_run
    ]
    assert unmarked == []
    # A fence indented (in a list item, say) would be a block this test does not see.
    assert [page for page in PAGES if re.search(r"(?m)^[ \t]+```", (ROOT / page).read_text())] == []


# What a fresh Debian (or any machine `make run` works on) has; not jq, not uuidgen.
FRESH_MACHINE_TOOLS = {"curl", "python3", "sed", "tr", "grep", "echo", "make", ".venv/bin/python"}


def programs(command: str) -> set[str]:
    """The programs a command line runs: the first word of each command, past variable assignments,
    in pipes, lists and command substitutions; nothing inside a quoted string."""
    text = re.sub(r"'[^']*'", "''", command.replace("\\\n", " "))
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)
    found = set()
    for segment in re.split(r"\$\(|[()|;\n]|&&", text):
        words = [word for word in segment.split() if not re.fullmatch(r"[A-Za-z_]\w*=\S*", word)]
        if words:
            found.add(words[0])
    return found


def test_examples_use_only_what_a_fresh_machine_has():
    used = {program for page in PAGES for example in page_examples(page) for program in programs(example.command)}
    assert used <= FRESH_MACHINE_TOOLS, used - FRESH_MACHINE_TOOLS
    assert programs("KEY=$(uuidgen)") == {"uuidgen"}
    assert programs('curl -s "$API" | jq .name') == {"curl", "jq"}
    assert programs("ETAG=$(curl -si x | sed -n 's/^ETag: //p' | tr -d '\\r')") == {"curl", "sed", "tr"}


def test_the_readme_is_a_front_door_not_the_whole_reference():
    assert len((ROOT / "README.md").read_text().splitlines()) <= 300


def test_the_pages_have_examples_that_run():
    assert len(page_examples("README.md")) >= 8
    assert len(page_examples("docs/API.md")) >= 20


@pytest.mark.parametrize("page", [page for page in PAGES if page_examples(page)])
def test_every_example_prints_what_its_page_shows(page, fresh_server):
    server = fresh_server()
    wrong = run_page(page_examples(page), server.port)
    assert not wrong, "\n".join(wrong)
    # They leave no course behind: pasted again on the same `make run`, they print the same.
    assert server.request("GET", "/courses").body["items"] == []


# The checker itself: a wrong page fails it.

WRONG_PAGE = """
```console
$ API=http://127.0.0.1:3000
$ curl -s "$API/health"
{"status":"unavailable"}
```
"""


def test_an_example_whose_shown_output_is_wrong_fails(fresh_server):
    server = fresh_server()
    [block] = blocks("page.md", WRONG_PAGE)
    wrong = run_page(examples(block), server.port)
    assert len(wrong) == 1 and '"status":"ok"' in wrong[0]
    right = WRONG_PAGE.replace("unavailable", "ok")
    assert run_page(examples(blocks("page.md", right)[0]), server.port) == []


def test_a_shell_block_neither_run_nor_marked_is_found_and_a_marked_one_is_not():
    text = "```sh\nmake deploy\n```\n\n<!-- not run: needs AWS -->\n```sh\nmake deploy\n```\n\n```json\n{}\n```\n"
    found = blocks("page.md", text)
    assert [(b.language, b.not_run) for b in found] == [("sh", None), ("sh", "needs AWS"), ("json", None)]


def test_what_varies_between_runs_is_ignored_and_nothing_else():
    shown = ['ETag: "661eea486dcdd-1"', ANY_LINES, '{"created_at":"2026-12-06T03:24:10.676445Z"}']
    printed = 'ETag: "661eea49000aa-1"\nContent-Type: application/json\n\n{"created_at":"2027-01-01T00:00:00.000000Z"}'
    assert matches(shown, printed)
    assert not matches(shown, printed.replace('-1"', '-2"'))  # the version counts
    assert not matches(shown, printed + "\nmore")
    assert matches([], "") and not matches([], "something")


def test_a_console_block_without_a_command_first_is_refused():
    with pytest.raises(AssertionError, match="starts with a `\\$ ` command"):
        examples(Block("page.md", 1, "console", "output only\n", None))


def test_the_shell_keeps_state_and_reports_each_commands_output():
    shell = Shell()
    try:
        assert shell.run("X=42") == ""
        assert shell.run('echo "$X"') == "42\n"
        assert shell.run("printf 'no newline'") == "no newline"
        assert shell.run("echo oops >&2") == "oops\n"
    finally:
        shell.close()


# The troubleshooting section of docs/LOCAL.md: each message is the one the code prints.


def troubleshooting_messages() -> dict[str, str]:
    """Each ``### title`` of the section, with the one line of its ```text block."""
    text = (ROOT / "docs" / "LOCAL.md").read_text()
    section = text.split("\n## Troubleshooting\n", 1)[1].split("\n## ", 1)[0]
    found = {}
    for chunk in section.split("\n### ")[1:]:
        title, body = chunk.split("\n", 1)
        [block] = [b for b in blocks("docs/LOCAL.md", body) if b.language == "text"]
        [found[title]] = block.text.splitlines()
    return found


def without_suggestion(refusal: str) -> str:
    return re.sub(r"^Makefile:\d+: \*\*\* |: (this one runs here|install one, then run e\.g\.)[: ].*$", "", refusal)


def test_troubleshooting_shows_the_lines_the_code_prints(monkeypatch, tmp_path):
    import errno

    from localdev import __main__ as localdev_main
    from localdev import processes
    from localdev.processes import free_port

    shown = troubleshooting_messages()
    assert len(shown) == 6

    monkeypatch.setattr(processes, "free_port_after", lambda port, host: 3001)  # the first free one here
    busy = OSError(errno.EADDRINUSE, "Address already in use")
    assert shown["The port is in use"] == localdev_main._cannot_listen("127.0.0.1", 3000, busy)
    assert shown["The data folder is in use"] == localdev_main._cannot_open(".data/dynalite", in_use=True)
    assert shown["The data folder is damaged"] == localdev_main._cannot_open(".data/dynalite", in_use=False)

    endpoint = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    printed = subprocess.run(
        [
            sys.executable,
            "-c",
            f"from localdev.__main__ import _prepare_tables; _prepare_tables({endpoint!r}, 'courses-nowhere', None)",
        ],
        cwd=ROOT,
        env={**os.environ, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "DYNAMODB_MAX_RETRIES": "0"},
        capture_output=True,
        text=True,
        timeout=60,
    ).stderr
    assert shown["`DYNAMODB_ENDPOINT` points at nothing"] in printed.replace(endpoint, "http://127.0.0.1:8000")

    python = tmp_path / "python3.10"
    python.write_text("#!/bin/sh\necho 3.10.13\n")
    python.chmod(0o755)
    make = subprocess.run(
        ["make", "--no-print-directory", "run", f"PYTHON={python}"],
        cwd=ROOT,
        env=a_persons_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    [line] = make.stderr.splitlines()
    # What it suggests depends on the Pythons this machine has, make's line number on the Makefile.
    assert without_suggestion(shown["An unsupported Python"]) == without_suggestion(
        line.replace(str(python), "python3.10")
    )
    assert shown["An unsupported Python"].endswith(" make run.  Stop.") and line.endswith(" make run.  Stop.")

    assert shown["Ctrl-C"] == localdev_main.STOPPED
