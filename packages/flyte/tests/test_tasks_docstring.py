"""Docstrings as flytekit reads them: the task's descriptions and each input's and output's."""

from __future__ import annotations

import pytest

from flyte._tasks._docstring import Docstring, parse_docstring


def test_rest_fields_describe_inputs_and_a_shared_return() -> None:
    docs = parse_docstring(
        """Add things up.

        A longer description
        over two lines.

        :param a: the first number
        :param str b: a label that
            goes on
        :returns: the sum
        """
    )
    assert docs.short == "Add things up."
    assert docs.long == "A longer description\nover two lines."
    assert docs.params == {"a": "the first number", "b": "a label that\ngoes on"}
    assert docs.output_descriptions(["o0", "o1"]) == {"o0": "the sum", "o1": "the sum"}


def test_google_sections_describe_inputs_and_the_return() -> None:
    docs = parse_docstring(
        """Google style.

        Args:
            a (int): the number,
                over two lines
            b: the words
        Returns:
            int: the result
        """
    )
    assert (docs.short, docs.long) == ("Google style.", None)
    assert docs.params == {"a": "the number,\nover two lines", "b": "the words"}
    assert docs.output_descriptions(["o0"]) == {"o0": "the result"}


@pytest.mark.parametrize("text", [None, "", "   "])
def test_no_docstring_describes_nothing(text: str | None) -> None:
    assert parse_docstring(text) == Docstring()


def test_plain_prose_is_only_a_description() -> None:
    docs = parse_docstring("One line.\n\nThen: a colon in prose.")
    assert (docs.short, docs.long, docs.params) == ("One line.", "Then: a colon in prose.", {})
