"""Controlled vocabularies of the case contract: tumour types and IHC scores.

Inputs may use common names, OncoTree codes or a few spellings clinicians use;
each is normalised to one canonical tumour type. An unknown name is an error
listing what is allowed, never a silent default.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

from her2kit.errors import InvalidInput

TumorType = Literal[
    "breast",
    "gastric",
    "gej",
    "esophageal",
    "colorectal",
    "nsclc",
    "biliary",
    "endometrial",
    "cervical",
    "ovarian",
    "bladder",
    "pancreatic",
    "salivary",
    "other-solid",
]
TUMOR_TYPES: Final[tuple[str, ...]] = get_args(TumorType)

# Tumours scored with the gastroesophageal (CAP/ASCP/ASCO 2016) criteria.
GASTROESOPHAGEAL: Final[frozenset[str]] = frozenset({"gastric", "gej", "esophageal"})

# OncoTree codes (oncotree.mskcc.org, tumour-type level) and common spellings.
_TUMOR_ALIASES: Final[dict[str, str]] = {
    # breast
    "brca": "breast",
    "bric": "breast",
    "idc": "breast",
    "ilc": "breast",
    "mdlc": "breast",
    "immc": "breast",
    "breast cancer": "breast",
    "breast carcinoma": "breast",
    "mbc": "breast",
    # gastroesophageal
    "stad": "gastric",
    "stomach": "gastric",
    "gastric cancer": "gastric",
    "egc": "gastric",
    "gej adenocarcinoma": "gej",
    "gastroesophageal junction": "gej",
    "gastro-oesophageal junction": "gej",
    "esca": "esophageal",
    "oesophageal": "esophageal",
    "esophagus": "esophageal",
    "oesophagus": "esophageal",
    "esophageal adenocarcinoma": "esophageal",
    # colorectal
    "coad": "colorectal",
    "read": "colorectal",
    "coadread": "colorectal",
    "crc": "colorectal",
    "colon": "colorectal",
    "rectal": "colorectal",
    "colorectal cancer": "colorectal",
    # lung
    "luad": "nsclc",
    "lusc": "nsclc",
    "nsclc": "nsclc",
    "non-small cell lung cancer": "nsclc",
    "non small cell lung cancer": "nsclc",
    "lung adenocarcinoma": "nsclc",
    # biliary
    "chol": "biliary",
    "ihch": "biliary",
    "ehch": "biliary",
    "gbc": "biliary",
    "btc": "biliary",
    "biliary tract": "biliary",
    "biliary tract cancer": "biliary",
    "cholangiocarcinoma": "biliary",
    "gallbladder": "biliary",
    # others
    "ucec": "endometrial",
    "uec": "endometrial",
    "uterine": "endometrial",
    "cesc": "cervical",
    "cervix": "cervical",
    "ov": "ovarian",
    "hgsoc": "ovarian",
    "ovary": "ovarian",
    "blca": "bladder",
    "urothelial": "bladder",
    "paad": "pancreatic",
    "pancreas": "pancreatic",
    "sdc": "salivary",
    "salivary gland": "salivary",
    "solid tumor": "other-solid",
    "solid tumour": "other-solid",
    "solid": "other-solid",
}


def normalise_tumor_type(value: object, field: str = "tumor.type") -> str:
    """The canonical tumour type for a common name, spelling or OncoTree code."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(field, value, "a tumour type such as " + ", ".join(TUMOR_TYPES))
    key = " ".join(value.strip().lower().replace("_", " ").split())
    if key in TUMOR_TYPES:
        return key
    canonical = _TUMOR_ALIASES.get(key) or _TUMOR_ALIASES.get(key.replace(" ", ""))
    if canonical is None:
        raise InvalidInput(
            field,
            value,
            ", ".join(TUMOR_TYPES) + " or an OncoTree code (e.g. BRCA, STAD, COADREAD, LUAD, CHOL)",
        )
    return canonical


IhcScore = Literal["0", "ultralow", "1+", "2+", "3+"]
IHC_SCORES: Final[tuple[str, ...]] = get_args(IhcScore)

_IHC_ALIASES: Final[dict[str, str]] = {
    "0": "0",
    # "0+" is 0 in older reports and HER2-ultralow in the 2026 expert consensus: read as 0, whose category needs the
    # extent of staining (percent_cells), which the status asks for; never silently ultralow.
    "0+": "0",
    "zero": "0",
    "negative 0": "0",
    ">0 <1+": "ultralow",
    ">0<1+": "ultralow",
    "0 < x < 1+": "ultralow",
    "ultralow": "ultralow",
    "ultra-low": "ultralow",
    "0 with staining": "ultralow",
    "1": "1+",
    "1+": "1+",
    "+1": "1+",
    "2": "2+",
    "2+": "2+",
    "+2": "2+",
    "3": "3+",
    "3+": "3+",
    "+3": "3+",
}


def normalise_ihc_score(value: object, field: str = "score") -> str:
    """Canonical IHC score; ``>0 <1+`` is an alias of ``ultralow``, and ``0+`` reads as ``0`` (see the table)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 3:
        value = str(value)
    if isinstance(value, str):
        key = " ".join(value.strip().lower().split())
        canonical = _IHC_ALIASES.get(key)
        if canonical is not None:
            return canonical
        if key == "null":  # HER2-null (IHC 0, no staining), or an export's word for a missing value?
            raise InvalidInput(
                field,
                value,
                '"0", "ultralow", "1+", "2+", "3+"; for HER2-null give score "0" with percent_cells 0',
                hint='"null" may mean HER2-null or a missing value; leave a missing score out',
            )
    raise InvalidInput(field, value, '"0" ("0+" reads as 0), "ultralow" (alias ">0 <1+"), "1+", "2+", "3+"')


# A bare IHC "0+" in a report or a lab's value string: read as 0, with this note (callers add whom to ask).
ZERO_PLUS_READ_AS_0 = (
    'IHC "0+" read as score 0: it means 0 in older reports and HER2-ultralow in the 2026 expert consensus '
    "(Rakha et al., Mod Pathol 2026;39:100925); "
)
