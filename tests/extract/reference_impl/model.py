# ruff: noqa
# Frozen copy of her2kit.extract before the performance rewrite; used only by test_differential.py. Do not edit.
"""The output contract of report extraction.

Every extracted HER2 test is a :class:`~her2kit.case.IhcTest` or
:class:`~her2kit.case.IshTest` with an :class:`Evidence` pointing at the characters of
the report it was read from, so a reviewer can check each value against the text.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from her2kit.case import IhcTest, IshTest


class Evidence(BaseModel):
    """Where a value was read: ``text[start:end]`` is the matched text; ``sentence`` the sentence(s) it sits in."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    sentence: str


class ExtractedIhc(IhcTest):
    """An IHC result read from a report, with its evidence."""

    evidence: Evidence


class ExtractedIsh(IshTest):
    """An ISH result read from a report, with its evidence."""

    evidence: Evidence


ExtractedTest = Annotated[ExtractedIhc | ExtractedIsh, Field(discriminator="method")]


class ExtractionResult(BaseModel):
    """What one free-text pathology report states about HER2 (and ER/PR).

    Nothing is inferred beyond the text: a value the report does not state is ``None``,
    a result that is only announced ("pending", "to follow") sets ``pending``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    her2_tests: list[ExtractedTest] = Field(default_factory=list)
    stated_status: Literal["positive", "negative", "equivocal"] | None = Field(
        None, description="the HER2 status in the report's own words (not interpreted by her2kit)"
    )
    pending: bool = Field(False, description="a HER2 result is announced but not given in this text")
    er: Literal["positive", "low", "negative"] | None = None
    pr: Literal["positive", "negative"] | None = None
    warnings: list[str] = Field(default_factory=list)

    def case_tests(self) -> list[IhcTest | IshTest]:
        """The extracted tests as plain case-model tests (evidence dropped), for :func:`interpret_her2`."""
        out: list[IhcTest | IshTest] = []
        for test in self.her2_tests:
            data = test.model_dump(exclude={"evidence"})
            if isinstance(test, ExtractedIhc):
                out.append(IhcTest.model_validate(data))
            else:
                out.append(IshTest.model_validate(data))
        return out
