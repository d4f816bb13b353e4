from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pysam
import pytest

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"

CSQ_HEADER = (
    '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. '
    'Format: Allele|Consequence|SYMBOL|Feature|EXON|HGVSc|HGVSp|CANONICAL">'
)


def vcf_text(records: list[str], samples: list[str], contig: str = "17", length: int = 81195210) -> str:
    head = [
        "##fileformat=VCFv4.2",
        f"##contig=<ID={contig},length={length}>",
        CSQ_HEADER,
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "\t".join(
            ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"]
            + (["FORMAT", *samples] if samples else [])
        ),
    ]
    return "\n".join(head + records) + "\n"


@pytest.fixture
def write_vcf(tmp_path: Path) -> Callable[..., Path]:
    def _write(
        name: str, records: list[str], samples: list[str], *, index: bool = False, **kw: object
    ) -> Path:
        plain = tmp_path / name.removesuffix(".gz")
        plain.write_text(vcf_text(records, samples, **kw))  # type: ignore[arg-type]
        if not index:
            return plain
        out = tmp_path / name
        pysam.tabix_compress(str(plain), str(out), force=True)
        pysam.tabix_index(str(out), preset="vcf", force=True)
        return out

    return _write


def shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return path
