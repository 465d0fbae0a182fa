"""The README's sample output is what the command it shows prints (run for real)."""

from __future__ import annotations

import re

from conftest import REPO


def _console_blocks(text: str) -> list[tuple[list[str], list[str]]]:
    """Each fenced block that starts with '$ honestreach ...': the command and its lines."""
    blocks = []
    for block in re.findall(r"```\n(\$ honestreach [^\n]*\n.*?)```", text, re.DOTALL):
        command, *lines = block.rstrip("\n").split("\n")
        blocks.append((command[2:].split()[1:], lines))
    return blocks


def test_readme_sample_output_is_the_real_output(honestreach):
    blocks = _console_blocks((REPO / "README.md").read_text(encoding="utf-8"))
    assert blocks, "the README shows no command with its output"
    for args, lines in blocks:
        run = honestreach(*args, "--no-cache", cwd=REPO)
        output = run.stdout.split("\n")
        shown = [line for line in lines if line != "..."]
        # the lines shown appear in the output, in order ('...' leaves lines out)
        position = 0
        for line in shown:
            assert line in output[position:], f"README line not in the output: {line!r}"
            position = output.index(line, position) + 1
