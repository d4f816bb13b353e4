"""The ``her2kit`` command. Commands parse and format only; the library does the work.

Bad input prints one line on stderr naming the field, the value and what is
allowed, and exits with code 2 — never a traceback.
"""

from __future__ import annotations

import copy
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import BaseModel

from her2kit import __version__
from her2kit.assessment import Assessment
from her2kit.case import Case, IhcTest, IshTest, Tumor, invalid_input_from, load_case
from her2kit.errors import Her2kitError, InvalidInput, KnowledgeBaseError, NotFound
from her2kit.kb import load_kb
from her2kit.kb.load import SECTIONS
from her2kit.kb.schema import Topic
from her2kit.outputs import check_output_path
from her2kit.render import (
    assessment_table,
    card,
    dose_table,
    monitor_table,
    status_table,
    to_json,
    topic_text,
)
from her2kit.status import interpret_her2

if TYPE_CHECKING:
    from her2kit.interop import ImportResult

app = typer.Typer(
    name="her2kit",
    help="HER2-targeted therapy engine: status interpretation and a cited knowledge base. "
    "It supports clinical decisions; it does not make them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
kb_app = typer.Typer(help="Validate, export and browse the knowledge base.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")


def _register_extract() -> None:
    from her2kit.extract.cli import extract_command

    app.command(
        "extract", help="Extract HER2 (IHC, ISH), ER and PR results with evidence from a pathology report."
    )(extract_command)


_register_extract()
cohort_app = typer.Typer(
    help="Registry-scale HER2 screening (Polars by default, Apache Spark to scale out).", no_args_is_help=True
)
app.add_typer(cohort_app, name="cohort")


class Format(StrEnum):
    json = "json"
    table = "table"


class Engine(StrEnum):
    polars = "polars"
    spark = "spark"


@cohort_app.command("screen")
def cohort_screen(
    input_file: Annotated[Path, typer.Argument(help="INPUT.parquet|csv|tsv|jsonl")],
    output: Annotated[Path, typer.Option("-o", "--output", help="OUT.parquet or OUT.csv")],
    engine: Annotated[Engine, typer.Option(help="polars (embedded) or spark")] = Engine.polars,
    mapping: Annotated[
        str | None, typer.Option(help="column mapping: a bundled name (tcga-brca) or a YAML file")
    ] = None,
    progress: Annotated[
        bool | None, typer.Option(help="progress bar (default: when stderr is a terminal)")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="processes reading report_text in large batches (default: cores, at most 8; 1: none)"
        ),
    ] = None,
    output_format: Annotated[
        Format, typer.Option("--format", help="summary as a table or as JSON (versions, counts, funnel)")
    ] = Format.table,
    encoding: Annotated[
        str | None,
        typer.Option(help="text encoding of a CSV/TSV/JSONL file that is not UTF-8, e.g. latin-1 or cp1252"),
    ] = None,
) -> None:
    """HER2 status, category, ISH group and biomarker-level eligibility for every row; bad rows keep their place."""
    from her2kit.cohort import screen
    from her2kit.cohort.cli import render_summary, summary_json

    show = sys.stderr.isatty() if progress is None else progress
    summary = screen(
        input_file,
        output,
        engine="spark" if engine is Engine.spark else "polars",
        mapping=mapping,
        progress=show,
        workers=workers,
        encoding=encoding,
    )
    _emit(summary_json(summary) if output_format is Format.json else render_summary(summary) + "\n")


fhir_app = typer.Typer(
    help="HL7 FHIR R4 / mCODE: import a Bundle into a case, export an assessment.", no_args_is_help=True
)
app.add_typer(fhir_app, name="fhir")


class SchemaName(StrEnum):
    case = "case"
    assessment = "assessment"
    course = "course"
    monitor = "monitor"


def _emit(text: str) -> None:
    sys.stdout.write(text)


def _describe_test(test: Any) -> str:
    if isinstance(test, IhcTest):
        pct = f", {test.percent_cells:g}% cells" if test.percent_cells is not None else ""
        spec = f", {test.specimen}" if test.specimen else ""
        return f"IHC {test.score}{pct}{spec}"
    if isinstance(test, IshTest):
        parts = [f"{test.probe}-probe ISH"]
        for name in ("ratio", "her2_copies", "cep17_copies"):
            value = getattr(test, name)
            if value is not None:
                parts.append(f"{name}={value:g}")
        if test.result:
            parts.append(test.result)
        return " ".join(parts)
    amp = {True: "amplified", False: "not amplified", None: "amplification not reported"}[
        test.erbb2_amplified
    ]
    muts = ", ".join(test.erbb2_mutations) or "no ERBB2 mutation listed"
    return f"NGS: ERBB2 {amp}; {muts}"


@app.command()
def status(
    case_file: Annotated[Path | None, typer.Argument(help="case JSON (or YAML) file")] = None,
    output_format: Annotated[Format, typer.Option("--format", help="json or table")] = Format.table,
    tumor: Annotated[str | None, typer.Option(help="quick form: tumour type, e.g. breast, gastric")] = None,
    ihc: Annotated[str | None, typer.Option(help="quick form: IHC score 0, ultralow, 1+, 2+, 3+")] = None,
    ihc_percent: Annotated[
        float | None, typer.Option(help="quick form: % of cells with membrane staining")
    ] = None,
    specimen: Annotated[str | None, typer.Option(help="quick form: biopsy or resection")] = None,
    ish_ratio: Annotated[float | None, typer.Option(help="quick form: HER2/CEP17 ratio")] = None,
    her2_copies: Annotated[float | None, typer.Option(help="quick form: mean HER2 signals per cell")] = None,
    cep17_copies: Annotated[
        float | None, typer.Option(help="quick form: mean CEP17 signals per cell")
    ] = None,
    probe: Annotated[str, typer.Option(help="quick form: dual or single ISH probe")] = "dual",
) -> None:
    """Interpret HER2 status (ASCO/CAP breast, CAP/ASCP/ASCO gastroesophageal, other solid tumours)."""
    quick = [tumor, ihc, ihc_percent, specimen, ish_ratio, her2_copies, cep17_copies]
    if case_file is not None and any(v is not None for v in quick):
        raise InvalidInput(
            "arguments", "CASE.json and quick-form options", "either a case file or the quick form"
        )
    if case_file is not None:
        case = load_case(case_file)
        tests, tumour = case.her2_tests, case.tumor
    else:
        if tumor is None:
            raise InvalidInput("--tumor", None, "a tumour type (or give a case file)")
        tests, tumour = _quick_tests(
            tumor, ihc, ihc_percent, specimen, ish_ratio, her2_copies, cep17_copies, probe
        )
    result = interpret_her2(tests, tumour)
    if output_format is Format.json:
        _emit(to_json({"her2": result.model_dump(mode="json")}))
    else:
        _emit(status_table(result, [_describe_test(t) for t in tests]))


def _quick_tests(
    tumor: str,
    ihc: str | None,
    ihc_percent: float | None,
    specimen: str | None,
    ratio: float | None,
    her2: float | None,
    cep17: float | None,
    probe: str,
) -> tuple[list[Any], Tumor]:
    from pydantic import TypeAdapter, ValidationError

    from her2kit.case import Her2Test

    if probe not in ("dual", "single"):  # checked even without ISH values: a typo is not silently unused
        raise InvalidInput("--probe", probe, "dual or single")
    raw: list[dict[str, Any]] = []
    if ihc is not None or ihc_percent is not None:
        raw.append({"method": "ihc", "score": ihc, "percent_cells": ihc_percent, "specimen": specimen})
    if ratio is not None or her2 is not None or cep17 is not None:
        raw.append(
            {
                "method": "ish",
                "probe": probe,
                "ratio": ratio,
                "her2_copies": her2,
                "cep17_copies": cep17,
                "specimen": specimen,
            }
        )
    adapter = TypeAdapter(list[Her2Test])
    try:
        tumour = Tumor.model_validate({"type": tumor})
        tests = adapter.validate_python([{k: v for k, v in t.items() if v is not None} for t in raw])
    except ValidationError as exc:
        error = invalid_input_from(exc)
        option = _QUICK_OPTIONS.get(error.field.rsplit(".", 1)[-1], error.field)
        raise InvalidInput(option, error.value, error.allowed, hint=error.hint) from None
    return tests, tumour


_QUICK_OPTIONS = {
    "type": "--tumor",
    "score": "--ihc",
    "percent_cells": "--ihc-percent",
    "specimen": "--specimen",
    "ratio": "--ish-ratio",
    "her2_copies": "--her2-copies",
    "cep17_copies": "--cep17-copies",
    "probe": "--probe",
    "0": "--ihc/--ish options",
    "1": "--ish options",
}


@app.command()
def assess(
    case_file: Annotated[Path, typer.Argument(help="case JSON (or YAML) file")],
    output_format: Annotated[Format, typer.Option("--format", help="json or table")] = Format.table,
    genomics: Annotated[
        Path | None, typer.Option(help="VCF, MAF or copy-number file to merge into the case")
    ] = None,
    sample: Annotated[str | None, typer.Option(help="sample in a multi-sample genomics file")] = None,
    genome: Annotated[str | None, typer.Option(help="GRCh37 or GRCh38 for the genomics file")] = None,
    purity: Annotated[float | None, typer.Option(help=PURITY_HELP)] = None,
    ploidy: Annotated[float | None, typer.Option(help=PLOIDY_HELP)] = None,
) -> None:
    """HER2 status, then ranked HER2-directed options with evidence, cautions and contraindications."""
    from her2kit.match import assess as run_assess

    case = load_case(case_file)
    kb = load_kb()
    if genomics is not None:
        from her2kit.genomics import profile_file
        from her2kit.genomics.merge import merge_with_warnings

        profile = profile_file(
            genomics, sample=sample, genome=_genome(genome), amplification=_thresholds(purity, ploidy)
        )
        case, merge_warnings = merge_with_warnings(case, profile)
        for warning in merge_warnings:
            sys.stderr.write(f"her2kit: genomics: {warning}\n")
    result = run_assess(case, kb)
    if output_format is Format.json:
        _emit(to_json(result))
    else:
        _emit(assessment_table(result, kb, [_describe_test(t) for t in case.her2_tests]))


@app.command()
def dose(
    agent: Annotated[str, typer.Option(help="INN, brand or abbreviation, e.g. trastuzumab, T-DXd")],
    weight: Annotated[float | None, typer.Option(help="body weight (give --weight-unit)")] = None,
    weight_unit: Annotated[str | None, typer.Option(help="kg or lb (required with --weight)")] = None,
    indication: Annotated[
        str | None, typer.Option(help="breast, gastric, nsclc, ... when dosing differs")
    ] = None,
    schedule: Annotated[str | None, typer.Option(help="q3w, weekly, q2w, daily, twice-daily")] = None,
    regimen: Annotated[str | None, typer.Option(help="knowledge-base regimen id")] = None,
    region: Annotated[
        str, typer.Option(help="label region: US (prescribing information) or EU (SmPC)")
    ] = "US",
    setting: Annotated[
        str | None,
        typer.Option(help="early or metastatic, where the label's dosing differs by setting (neratinib)"),
    ] = None,
    output_format: Annotated[Format, typer.Option("--format", help="json or table")] = Format.table,
) -> None:
    """The label's dosing for one patient: loading and maintenance doses, dose levels, missed-dose rules."""
    from her2kit.safety.course import LB_PER_KG, PLAUSIBLE_WEIGHT, plausible_weight_kg
    from her2kit.safety.dosing import calculate

    weight_kg = None
    if weight is not None:
        if weight_unit not in ("kg", "lb"):
            raise InvalidInput("--weight-unit", weight_unit, "kg or lb (the unit of --weight must be stated)")
        # Not rounded: the dose in mg is rounded once, at the end (as `her2kit monitor` does).
        weight_kg = weight if weight_unit == "kg" else weight / LB_PER_KG
        if not plausible_weight_kg(weight_kg):
            raise InvalidInput("--weight", weight, f"{PLAUSIBLE_WEIGHT} (given in {weight_unit})")
    elif weight_unit is not None:
        raise InvalidInput("--weight", None, "a number when --weight-unit is given")
    if region not in ("US", "EU"):
        raise InvalidInput("--region", region, "US or EU")
    if setting not in (None, "early", "metastatic"):
        raise InvalidInput("--setting", setting, "early or metastatic")
    result = calculate(
        load_kb(),
        agent,
        weight_kg=weight_kg,
        indication=indication,
        schedule=schedule,
        regimen_id=regimen,
        region="EU" if region == "EU" else "US",
        setting="early" if setting == "early" else "metastatic" if setting == "metastatic" else None,
    )
    _emit(to_json(result) if output_format is Format.json else dose_table(result))


@app.command()
def monitor(
    course_file: Annotated[Path, typer.Argument(help="course JSON (or YAML) file")],
    output_format: Annotated[Format, typer.Option("--format", help="json or table")] = Format.table,
    plot: Annotated[Path | None, typer.Option(help="write the LVEF plot to FILE.svg or FILE.png")] = None,
) -> None:
    """What to do today on a HER2-directed agent, the next dose and the next LVEF, with the label rules."""
    from her2kit.safety import load_course
    from her2kit.safety import monitor as run_monitor

    if plot is not None:
        check_output_path(plot, [course_file], "--plot")
    course = load_course(str(course_file))
    kb = load_kb()
    result = run_monitor(course, kb)
    if plot is not None:
        from her2kit.safety.plot import plot_course

        plot_course(course, result, plot, kb)
    _emit(to_json(result) if output_format is Format.json else monitor_table(result))


PURITY_HELP = "tumour purity of the sample (0-1), to convert log2 copy-number ratios (default: 100%, stated)"
PLOIDY_HELP = "tumour ploidy, to convert log2 copy-number ratios (default 2)"


def _thresholds(purity: float | None, ploidy: float | None) -> Any:
    """Copy-number conversion settings from --purity / --ploidy (None: the defaults)."""
    from her2kit.genomics.model import AmplificationThresholds

    if purity is not None and not (0 < purity <= 1):
        raise InvalidInput(
            "--purity", purity, "a fraction above 0 and at most 1 (e.g. 0.6 for 60% tumour cells)"
        )
    if ploidy is not None and not (0 < ploidy <= 10):
        raise InvalidInput("--ploidy", ploidy, "a number above 0 and at most 10")
    if purity is None and ploidy is None:
        return None
    given: dict[str, float] = {"purity": purity} if purity is not None else {}
    if ploidy is not None:
        given["ploidy"] = ploidy
    return AmplificationThresholds(**given)


def _genome(value: str | None) -> Any:
    if value is None:
        return None
    canonical = {"grch37": "GRCh37", "hg19": "GRCh37", "grch38": "GRCh38", "hg38": "GRCh38"}.get(
        value.lower()
    )
    if canonical is None:
        raise InvalidInput("--genome", value, "GRCh37 or GRCh38")
    return canonical


@app.command()
def genomics(
    file: Annotated[
        Path, typer.Argument(help="VCF (plain, .vcf.gz with .tbi), MAF, SEG, CNVkit .cns/.cnr or gene CN")
    ],
    sample: Annotated[str | None, typer.Option(help="sample in a multi-sample file")] = None,
    genome: Annotated[str | None, typer.Option(help="GRCh37 or GRCh38")] = None,
    purity: Annotated[float | None, typer.Option(help=PURITY_HELP)] = None,
    ploidy: Annotated[float | None, typer.Option(help=PLOIDY_HELP)] = None,
    output_format: Annotated[Format, typer.Option("--format", help="json or table")] = Format.table,
) -> None:
    """ERBB2 amplification, classified ERBB2 mutations and therapy-relevant co-alterations from a genomics file."""
    from her2kit.genomics import profile_file
    from her2kit.genomics.cli import render_profile

    profile = profile_file(
        file, sample=sample, genome=_genome(genome), amplification=_thresholds(purity, ploidy)
    )
    _emit(render_profile(profile, "json" if output_format is Format.json else "table"))


@app.command()
def schema(
    name: Annotated[
        SchemaName, typer.Argument(help="case, assessment, course or monitor (the monitor result)")
    ],
) -> None:
    """Print the JSON Schema of a document her2kit reads or writes."""
    from her2kit.safety import Course, MonitorResult

    models: dict[SchemaName, type[BaseModel]] = {
        SchemaName.case: Case,
        SchemaName.assessment: Assessment,
        SchemaName.course: Course,
        SchemaName.monitor: MonitorResult,
    }
    _emit(to_json(models[name].model_json_schema()))


@app.command()
def explain(topic: Annotated[str, typer.Argument(help="topic id or words, e.g. what-is-her2")]) -> None:
    """Print a plain-language answer with its citations."""
    kb = load_kb()
    try:
        record = kb.find(topic if topic.startswith("topic:") else f"topic:{topic}")
    except NotFound:
        record = _topic_by_words(kb.topics, topic)
    if not isinstance(record, Topic):
        raise NotFound("topic", topic, sorted(kb.topics))
    _emit(topic_text(kb, record))


def _topic_by_words(topics: dict[str, Topic], words: str) -> Topic:
    query = set(words.lower().replace("-", " ").split())
    scored = sorted(
        (
            (
                len(
                    query & set((t.id + " " + t.question).lower().replace("-", " ").replace("?", "").split())
                ),
                t.id,
            )
            for t in topics.values()
        ),
        reverse=True,
    )
    if not scored or scored[0][0] == 0:
        raise NotFound("topic", words, sorted(topics)[:8])
    return topics[scored[0][1]]


@kb_app.command("validate")
def kb_validate(
    directory: Annotated[
        Path | None, typer.Argument(help="knowledge-base directory (default: bundled)")
    ] = None,
) -> None:
    """Validate the knowledge base; fails naming every bad record."""
    try:
        kb = load_kb(directory)
    except KnowledgeBaseError as exc:  # every problem, not the first 50 other commands show
        raise KnowledgeBaseError(exc.problems, limit=None) from None
    counts = ", ".join(f"{len(kb.section(name))} {name}" for name in SECTIONS)
    unverified = sum(1 for _, r in kb.all_records() if getattr(r, "unverified", False))
    _emit(f"knowledge base {kb.version} is valid: {counts}; {unverified} record(s) marked unverified\n")


@kb_app.command("export")
def kb_export() -> None:
    """Print the whole knowledge base (every section, safety rules included) as one JSON document with its
    version."""
    kb = load_kb()
    doc: dict[str, Any] = {"kb_version": kb.version, "released": kb.manifest.released.isoformat()}
    for name in SECTIONS:
        doc[name] = [r.model_dump(mode="json", exclude_none=True) for r in kb.section(name).values()]
    _emit(to_json(doc))


@kb_app.command("show")
def kb_show(
    key: Annotated[str, typer.Argument(help="record id or name: agent, trial, indication, topic")],
) -> None:
    """Print a readable card of one record with its references."""
    kb = load_kb()
    _emit(card(kb, kb.find(key)))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(help="worker processes")] = 1,
) -> None:
    """Serve the REST API (/v1, OpenAPI at /docs) and the web app.

    Settings from the environment (docs/api.md): HER2KIT_API_KEY (the key /v1 requires), HER2KIT_ALLOWED_HOSTS
    (the Host names answered; behind a reverse proxy, its public name), HER2KIT_MAX_BODY_BYTES,
    HER2KIT_MAX_DECOMPRESSED_BYTES (uploads), HER2KIT_ACCESS_LOG (request log on or off).
    """
    import uvicorn

    if not 1 <= port <= 65535:
        raise InvalidInput("--port", port, "1 to 65535")
    # uvicorn's own access log writes query strings (?patient_id=..., ?sample=...), which may identify a patient;
    # her2kit's middleware logs method, path, status and time instead (HER2KIT_ACCESS_LOG), through uvicorn's
    # log configuration so that every worker process prints it.
    log_config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    log_config["loggers"]["her2kit.api"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    uvicorn.run(
        "her2kit.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
        log_config=log_config,
    )


@app.command()
def report(
    case_file: Annotated[Path, typer.Argument(help="case JSON (or YAML) file")],
    output: Annotated[Path, typer.Option("-o", "--output", help="report.html or report.pdf")],
    course: Annotated[
        Path | None, typer.Option(help="treatment course JSON: adds monitoring and the LVEF plot")
    ] = None,
) -> None:
    """A printable clinical report (HTML or PDF): HER2 decision path, options, evidence, forest plot, references."""
    from her2kit.match import assess as run_assess
    from her2kit.report import build_report, write_report

    check_output_path(output, [case_file, course], "--output")
    case = load_case(case_file)
    kb = load_kb()
    course_doc = None
    if course is not None:
        from her2kit.safety import load_course

        course_doc = load_course(str(course))
    written = write_report(build_report(run_assess(case, kb), case, kb, course=course_doc), output)
    _emit(f"wrote {written}\n")


BundleArg = Annotated[Path, typer.Argument(help="FHIR R4 Bundle (or Observation) JSON file")]
PatientOpt = Annotated[str | None, typer.Option(help="Patient id when the Bundle holds several")]
TumorOpt = Annotated[str | None, typer.Option(help="tumour type when the Bundle has no Condition")]


def _import_bundle(bundle: Path, patient_id: str | None, tumor_type: str | None) -> ImportResult:
    from her2kit.interop import bundle_to_case, load_bundle_file

    return bundle_to_case(load_bundle_file(bundle), patient_id=patient_id, tumor_type=tumor_type)


@fhir_app.command("import")
def fhir_import(bundle: BundleArg, patient_id: PatientOpt = None, tumor_type: TumorOpt = None) -> None:
    """The case her2kit reads from the Bundle, with what each resource yielded and any inconsistency."""
    _emit(to_json(_import_bundle(bundle, patient_id, tumor_type)))


@fhir_app.command("assess")
def fhir_assess(bundle: BundleArg, patient_id: PatientOpt = None, tumor_type: TumorOpt = None) -> None:
    """Import, assess, and print the assessment as a FHIR R4 Bundle (Observation, DiagnosticReport, CarePlan)."""
    from her2kit.interop import assessment_to_fhir
    from her2kit.match import assess as run_assess

    imported = _import_bundle(bundle, patient_id, tumor_type)
    for line in imported.inconsistencies:
        sys.stderr.write(f"her2kit: fhir: inconsistency: {line}\n")
    _emit(to_json(assessment_to_fhir(run_assess(imported.case, load_kb()), imported.case, imported=imported)))


@app.command()
def version() -> None:
    """Print the her2kit and knowledge-base versions."""
    _emit(f"her2kit {__version__}; knowledge base {load_kb().version}\n")


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the command, turning domain errors into one line on stderr (exit code 2 for bad input).

    Usage errors (unknown option, bad choice) are reported by the command-line parser with exit code 2.
    """
    args = sys.argv[1:] if argv is None else argv
    try:
        app(args=args, prog_name="her2kit")
    except Her2kitError as exc:
        sys.stderr.write(f"her2kit: error: {exc}\n")
        return exc.exit_code
    except BrokenPipeError:  # pragma: no cover - e.g. piped into head
        return 0
    except OSError as exc:  # a file that cannot be read or written: one line, no traceback
        where = f": {exc.filename}" if exc.filename else ""
        sys.stderr.write(f"her2kit: error: {exc.strerror or exc}{where}\n")
        return 2
    return 0
