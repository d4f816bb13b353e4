"""The public API is small and pinned."""

import her2kit


def test_exported_members() -> None:
    assert sorted(her2kit.__all__) == sorted(
        [
            "Assessment",
            "Case",
            "Her2Status",
            "Her2kitError",
            "InvalidInput",
            "KnowledgeBase",
            "KnowledgeBaseError",
            "NotFound",
            "__version__",
            "assess",
            "default_kb",
            "interpret_her2",
            "load_case",
            "load_kb",
            "parse_case",
        ]
    )
    for name in her2kit.__all__:
        assert hasattr(her2kit, name)


def test_readme_example() -> None:
    case = her2kit.parse_case(
        {
            "id": "c1",
            "tumor": {"type": "breast"},
            "her2_tests": [
                {"method": "ihc", "score": "2+"},
                {"method": "ish", "ratio": 1.6, "her2_copies": 4.8},
            ],
        }
    )
    status = her2kit.interpret_her2(case.her2_tests, case.tumor)
    assert (status.result, status.category, status.ish_group) == ("negative", "HER2-low", 4)
