"""Code systems and the codes her2kit reads or writes in FHIR R4 / mCODE documents.

fhir.resources does not check code bindings, so every code her2kit acts on is listed here,
and every table says what it maps to. A code that is not here is reported as ignored, never
guessed. See ``docs/fhir.md`` for the same tables in prose.
"""

from __future__ import annotations

import re
from typing import Final

from her2kit.vocab import TumorType

LOINC: Final = "http://loinc.org"
SNOMED: Final = "http://snomed.info/sct"
HGNC_SYSTEMS: Final = ("http://www.genenames.org/geneId", "http://www.genenames.org")
ERBB2_HGNC: Final = "HGNC:3430"

# --- LOINC observation codes ----------------------------------------------------------------

HER2_INTERPRETATION: Final = "48676-1"  # HER2 [Interpretation] in Tissue
# HER2 [Presence] in Breast cancer specimen by Immune stain: a qualitative (presence) code; a score in
# its value is a local convention, which her2kit reads when it is there (otherwise the answer is a finding).
HER2_IHC_SCORE: Final = "85319-2"
HER2_IHC_PRESENCE: Final = "18474-7"  # HER2 Ag [Presence] in Tissue by Immune stain
HER2_ISH_RATIO: Final = "49683-6"  # ERBB2 gene copy number/Chromosome 17 copy number in Tissue by FISH
ERBB2_COPIES: Final = "74860-8"  # ERBB2 gene copy number/nucleus in Tissue by FISH
CEP17_COPIES: Final = "74861-6"  # Chromosome 17 copy number/nucleus in Tissue by FISH
CELLS_COUNTED: Final = "62361-1"  # Cells counted [#]
ERBB2_DUPLICATION_FISH: Final = "96893-3"  # ERBB2 gene duplication in Tumor by FISH
HER2_FISH_BREAST: Final = "85318-4"  # HER2 [Presence] in Breast cancer specimen by FISH
HER2_FISH_TISSUE: Final = "31150-6"  # HER2 [Presence] in Tissue by FISH
# The FISH codes whose value is a stated result (positive/negative/equivocal), read as IshTest(result=…).
HER2_FISH_PRESENCE_CODES: Final = frozenset({ERBB2_DUPLICATION_FISH, HER2_FISH_BREAST, HER2_FISH_TISSUE})
GENETIC_VARIANT: Final = "69548-6"  # Genetic variant assessment
GENE_STUDIED: Final = "48018-6"  # Gene studied [ID]
AMINO_ACID_CHANGE: Final = "48005-3"  # Amino acid change (pHGVS)
STRUCTURAL_VARIANT_COPY_NUMBER: Final = "82155-3"  # Genomic structural variant copy number
BODY_WEIGHT: Final = "29463-7"
BODY_HEIGHT: Final = "8302-2"
LVEF: Final = "10230-1"  # Left ventricular Ejection fraction

# mCODE TNM category Observations (TNMPrimaryTumorCategory, TNMRegionalNodesCategory): clinical, pathological and
# "other" staging; the value is an AJCC category (system http://cancerstaging.org, e.g. cT2, pN0).
TNM_T_CODES: Final[dict[str, str | None]] = {"21905-5": "c", "21899-0": "p", "21911-3": None}
TNM_N_CODES: Final[dict[str, str | None]] = {"21906-3": "c", "21900-6": "p", "21912-1": None}
CANCERSTAGING: Final = "http://cancerstaging.org"

# ER and PR: the breast-specimen codes (mCODE, MII), the tissue codes and the interpretation codes.
ER_CODES: Final = frozenset({"85337-4", "40556-3", "16112-5"})
PR_CODES: Final = frozenset({"85339-0", "40557-1", "16113-3"})

# LOINC codes whose name restricts them to a breast cancer specimen.
BREAST_ONLY_CODES: Final = frozenset({HER2_IHC_SCORE, HER2_FISH_BREAST, "85337-4", "85339-0"})

HER2_CODES: Final = frozenset(
    {
        HER2_INTERPRETATION,
        HER2_IHC_SCORE,
        HER2_IHC_PRESENCE,
        HER2_ISH_RATIO,
        ERBB2_DUPLICATION_FISH,
        HER2_FISH_BREAST,
        HER2_FISH_TISSUE,
        ERBB2_COPIES,
        CEP17_COPIES,
    }
)

# Every observation code the import reads (a finding about its date is only worth giving for these).
READ_CODES: Final = frozenset(
    {
        *HER2_CODES,
        CELLS_COUNTED,
        GENETIC_VARIANT,
        BODY_WEIGHT,
        BODY_HEIGHT,
        LVEF,
        *ER_CODES,
        *PR_CODES,
        *TNM_T_CODES,
        *TNM_N_CODES,
    }
)

# The results that describe one tumour: read only when they are about the primary read (Observation.focus).
FOCUSED_CODES: Final = frozenset({*HER2_CODES, GENETIC_VARIANT, *ER_CODES, *PR_CODES})

LOINC_NAMES: Final[dict[str, str]] = {
    HER2_INTERPRETATION: "HER2 interpretation",
    HER2_IHC_SCORE: "HER2 presence by immune stain (breast cancer specimen)",
    HER2_IHC_PRESENCE: "HER2 Ag presence by immune stain",
    HER2_ISH_RATIO: "ERBB2/CEP17 ratio by FISH",
    ERBB2_DUPLICATION_FISH: "ERBB2 gene duplication by FISH",
    HER2_FISH_BREAST: "HER2 presence by FISH (breast cancer specimen)",
    HER2_FISH_TISSUE: "HER2 presence by FISH",
    ERBB2_COPIES: "ERBB2 copies per nucleus by FISH",
    CEP17_COPIES: "CEP17 copies per nucleus by FISH",
    GENETIC_VARIANT: "genetic variant assessment",
    "85337-4": "ER (breast cancer specimen)",
    "40556-3": "ER Ag presence",
    "16112-5": "ER interpretation",
    "85339-0": "PR (breast cancer specimen)",
    "40557-1": "PR Ag presence",
    "16113-3": "PR interpretation",
    BODY_WEIGHT: "body weight",
    BODY_HEIGHT: "body height",
    LVEF: "LVEF",
    "21905-5": "primary tumour (T), clinical",
    "21899-0": "primary tumour (T), pathological",
    "21911-3": "primary tumour (T), other",
    "21906-3": "regional nodes (N), clinical",
    "21900-6": "regional nodes (N), pathological",
    "21912-1": "regional nodes (N), other",
}

# --- qualitative answers ----------------------------------------------------------------------

# (system, code) → positive / negative / equivocal / indeterminate.
ANSWER_CODES: Final[dict[tuple[str, str], str]] = {
    (LOINC, "LA6576-8"): "positive",
    (LOINC, "LA6577-6"): "negative",
    (SNOMED, "10828004"): "positive",
    (SNOMED, "260385009"): "negative",
    (SNOMED, "42425007"): "equivocal",
    (SNOMED, "82334004"): "indeterminate",
    # LOINC answer list LL1971-2 of 69548-6 "Genetic variant assessment" (Present, Absent, No call, Indeterminate;
    # HL7 Genomics Reporting IG STU1, Glossary). mCODE: a variant is asserted absent by the value LA9634-2 "Absent".
    # "No call" (LA18198-4) is no result: it is not in this table, so it is never read as one.
    (LOINC, "LA9633-4"): "positive",  # Present
    (LOINC, "LA9634-2"): "negative",  # Absent
    (LOINC, "LA11884-6"): "indeterminate",  # Indeterminate (also in LL4396-9, the HER2 IHC score list)
    # HL7 v3 ObservationInterpretation
    ("http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "POS"): "positive",
    ("http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "NEG"): "negative",
    ("http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "IND"): "indeterminate",
}

# Words of a display or text (English and German, as the MII data uses), first match wins.
ANSWER_WORDS: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    (re.compile(r"\b(not[\s-]+amplified|non[\s-]?amplified|nicht[\s-]+amplifiziert)\b", re.I), "negative"),
    (re.compile(r"\b(equivocal|borderline|grenzwertig|fraglich)\b", re.I), "equivocal"),
    (re.compile(r"\b(indeterminate|inconclusive|unbestimmt|nicht beurteilbar)\b", re.I), "indeterminate"),
    (re.compile(r"\b(negative?|negativ|absent|not detected)\b", re.I), "negative"),
    (re.compile(r"\b(positive?|positiv|amplified|amplifiziert|present|detected)\b", re.I), "positive"),
)

# LOINC answer list LL4396-9, HER2 by IHC score (HL7 Breast Cancer Data IG, ValueSet HER2byIHCScoreVS: LA6111-4 "0",
# LA11841-6 "1+", LA11842-4 "2+", LA11843-2 "3+", LA11884-6 "Indeterminate"). Read as scores under the IHC codes only:
# LA6111-4 is LOINC's generic answer "0".
IHC_SCORE_ANSWERS: Final[dict[str, str]] = {
    "LA6111-4": "0",
    "LA11841-6": "1+",
    "LA11842-4": "2+",
    "LA11843-2": "3+",
}

# MII oBDS HER2 status codes (system ends with ...her2neu-status-obds).
MII_HER2_OBDS: Final[dict[str, str]] = {"P": "positive", "N": "negative", "U": "indeterminate"}

# --- tumour sites -----------------------------------------------------------------------------

# Code systems of ICD-10 (WHO, and national modifications such as ICD-10-GM and ICD-10-CM) and ICD-O-3 topography,
# also as the OIDs HL7 registers for them (THO NamingSystem icd10: 2.16.840.1.113883.6.3; icd10CM:
# 2.16.840.1.113883.6.90; icd-o-3: 2.16.840.1.113883.6.43.1).
ICD10_OIDS: Final = frozenset({"urn:oid:2.16.840.1.113883.6.3", "urn:oid:2.16.840.1.113883.6.90"})
ICDO3_OIDS: Final = frozenset({"urn:oid:2.16.840.1.113883.6.43.1"})
# ICD-10 chapter II: C00-C75 malignant neoplasms "stated or presumed to be primary" of specified sites, C76-C80
# ill-defined, secondary and unspecified sites, of which C77 (lymph nodes), C78 (respiratory and digestive organs) and
# C79 (other sites) are the secondary ones (WHO ICD-10, block C76-C80). ICD-O-3 topography codes are sites only (C77 is
# "lymph nodes"): there a secondary is a morphology behaviour /6, so these ranges apply to ICD-10 alone.
ICD10_SECONDARY_LYMPH: Final = "C77"
ICD10_SECONDARY: Final = frozenset({"C77", "C78", "C79"})
# SNOMED CT 128462008 |Secondary malignant neoplastic disease| (the root of mCODE's SecondaryCancerDisorderVS)
SNOMED_SECONDARY: Final = "128462008"

# ICD-10 / ICD-O-3 topography prefixes, most specific first (matched against the dotted code: C160 is C16.0).
ICD_SITES: Final[tuple[tuple[str, TumorType], ...]] = (
    ("C16.0", "gej"),  # cardia, gastro-oesophageal junction
    ("C22.1", "biliary"),  # intrahepatic bile duct
    ("C50", "breast"),
    ("C16", "gastric"),
    ("C15", "esophageal"),
    ("C18", "colorectal"),
    ("C19", "colorectal"),
    ("C20", "colorectal"),
    ("C34", "nsclc"),
    ("C23", "biliary"),
    ("C24", "biliary"),
    ("C54", "endometrial"),
    ("C53", "cervical"),
    ("C56", "ovarian"),
    ("C67", "bladder"),
    ("C25", "pancreatic"),
    ("C07", "salivary"),
    ("C08", "salivary"),
)

# SNOMED CT disorders her2kit recognises by code; other SNOMED codes fall back to the display.
SNOMED_SITES: Final[dict[str, TumorType]] = {
    "254837009": "breast",  # Malignant neoplasm of breast
    "408643008": "breast",  # Infiltrating duct carcinoma of breast
    "372064008": "breast",  # Malignant neoplasm of female breast
    "363349007": "gastric",  # Malignant tumor of stomach
    "363402007": "esophageal",  # Malignant tumor of esophagus
    "363406005": "colorectal",  # Malignant tumor of colon
    "363351006": "colorectal",  # Malignant tumor of rectum
    "254637007": "nsclc",  # Non-small cell lung cancer
}

# Words of a display or text, checked in order (the GEJ before the stomach and the oesophagus);
# a small-cell lung carcinoma is not matched (``SMALL_CELL``), "non-small cell" is.
SITE_WORDS: Final[tuple[tuple[re.Pattern[str], TumorType], ...]] = (
    (re.compile(r"g(?:astro)?-?o?esophageal junction|gej\b|cardia", re.I), "gej"),
    (re.compile(r"breast|mamma", re.I), "breast"),
    (re.compile(r"stomach|gastric|magen", re.I), "gastric"),
    (re.compile(r"o?esophag|speiseröhre|ösophagus", re.I), "esophageal"),
    (re.compile(r"colon|rect(um|al)|colorectal|kolorektal|sigm", re.I), "colorectal"),
    (re.compile(r"lung|bronch", re.I), "nsclc"),
    (re.compile(r"bile duct|cholangio|gall ?bladder|biliary|gallenblase|gallengang", re.I), "biliary"),
    (re.compile(r"endometri|corpus uteri", re.I), "endometrial"),
    (re.compile(r"cervix|cervical", re.I), "cervical"),
    (re.compile(r"ovar", re.I), "ovarian"),
    (re.compile(r"bladder|urothel", re.I), "bladder"),
    (re.compile(r"pancrea", re.I), "pancreatic"),
    (re.compile(r"salivary", re.I), "salivary"),
)

SMALL_CELL: Final = re.compile(r"(?<!non-)(?<!non )(?<!non)small[\s-]cell", re.I)
SECONDARY_WORDS: Final = re.compile(r"\b(secondary|metasta)", re.I)
# "non-metastatic", "not metastatic", "no metastases", "without metastasis", "nicht metastasiert": not a secondary.
NOT_SECONDARY_WORDS: Final = re.compile(
    r"\b(?:non|not|no|without|nicht|kein\w*|ohne)[\s-]*(?:\w+[\s-]+)?(?:metasta|secondary)|\bnonmetasta", re.I
)

# --- outgoing codes ---------------------------------------------------------------------------

RESULT_CODINGS: Final[dict[str, list[dict[str, str]]]] = {
    "positive": [
        {"system": LOINC, "code": "LA6576-8", "display": "Positive"},
        {"system": SNOMED, "code": "10828004", "display": "Positive (qualifier value)"},
    ],
    "negative": [
        {"system": LOINC, "code": "LA6577-6", "display": "Negative"},
        {"system": SNOMED, "code": "260385009", "display": "Negative (qualifier value)"},
    ],
    "equivocal": [{"system": SNOMED, "code": "42425007", "display": "Equivocal (qualifier value)"}],
    "indeterminate": [{"system": SNOMED, "code": "82334004", "display": "Indeterminate (qualifier value)"}],
}

# R4 value sets of the status and type elements her2kit reads (fhir.resources does not check them).
BUNDLE_TYPES_READ: Final = frozenset({"transaction", "collection", "searchset", "batch", "document"})
OBSERVATION_STATUS: Final = frozenset(
    {"registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error", "unknown"}
)
# A preliminary observation "may be incomplete or unverified" (R4 ObservationStatus): not read as a result.
OBSERVATION_STATUS_USED: Final = frozenset({"final", "amended", "corrected"})
MEDICATION_STATEMENT_STATUS: Final = frozenset(
    {"active", "completed", "entered-in-error", "intended", "stopped", "on-hold", "unknown", "not-taken"}
)
MEDICATION_REQUEST_STATUS: Final = frozenset(
    {"active", "on-hold", "cancelled", "completed", "entered-in-error", "stopped", "draft", "unknown"}
)
MEDICATION_REQUEST_INTENT: Final = frozenset(
    {
        "proposal",
        "plan",
        "order",
        "original-order",
        "reflex-order",
        "filler-order",
        "instance-order",
        "option",
    }
)
MEDICATION_ADMINISTRATION_STATUS: Final = frozenset(
    {"in-progress", "not-done", "on-hold", "completed", "entered-in-error", "stopped", "unknown"}
)
GENDERS: Final = frozenset({"male", "female", "other", "unknown"})
