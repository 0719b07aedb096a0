#!/usr/bin/env python3
"""SeriesLens and PyTorch on the same configurations in one run (never part of `make test`).

Interleaved round by round so machine noise hits both alike: for each round, for each length T,
for each model, `serieslens bench --models M --json ...` then `pytorch_bench.py --models M --json ...`
(a fresh process each, so every run pays its own start-up and has its own peak memory). Prints the
machine and the exact command first, then every run's numbers as they arrive (so the variability is
visible), then per (model, T) the medians over the rounds and the ratios. Only the standard library
is needed here; torch is needed by the Python given with --python. Usage (from anywhere):

    Benchmarks/side_by_side.py                                  # bilstm..ffn, T=500, 2 rounds of 1 epoch
    Benchmarks/side_by_side.py --models cnn,ffn --lengths 500,1000,2000,5000 --rounds 3 --markdown

Defaults: --serieslens .build/release/serieslens (in the repository; `make build`), --python $PYTHON,
else .torch-venv/bin/python in the repository or its parent directory (create one with
`python3 -m venv .torch-venv && .torch-venv/bin/pip install torch numpy`).
"""
import argparse, datetime, json, math, os, shlex, statistics, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_bench import MODEL_NAMES, model_list  # noqa: E402  (no torch import at module level)
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PYTORCH_BENCH = os.path.join(HERE, "pytorch_bench.py")
VENV_HINT = "python3 -m venv .torch-venv && .torch-venv/bin/pip install torch numpy"
DASH = "—"


def fail(message, code=1):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(code)


def default_python():
    if os.environ.get("PYTHON"):
        return os.environ["PYTHON"]
    candidates = [os.path.join(REPO, ".torch-venv", "bin", "python"),
                  os.path.join(os.path.dirname(REPO), ".torch-venv", "bin", "python")]
    return next((c for c in candidates if os.path.exists(c)), candidates[0])


def parse_args():
    p = argparse.ArgumentParser(description="SeriesLens vs PyTorch, interleaved round by round.")
    p.add_argument("--models", default="all", help="all, or a comma list of " + ", ".join(MODEL_NAMES))
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--epochs", type=int, default=1, help="timed epochs per run (default 1)")
    p.add_argument("--lengths", default="500", help="comma list of series lengths T (default 500)")
    p.add_argument("--threads", type=int, default=2, help="threads for both (default 2)")
    p.add_argument("--train-series", type=int, help="passed to both when given (their default: 3500)")
    p.add_argument("--validation-series", type=int, help="passed to both when given (their default: 750)")
    p.add_argument("--batch-size", type=int, help="passed to both when given (their default: 32)")
    p.add_argument("--serieslens", help="the serieslens binary (default: .build/release/serieslens in the repository)")
    p.add_argument("--python", help="a Python with torch (default: $PYTHON, else .torch-venv/bin/python)")
    p.add_argument("--markdown", action="store_true", help="Markdown tables instead of plain text")
    args = p.parse_args()
    args.model_list = model_list(p, args.models)
    try:
        args.length_list = [int(t) for t in args.lengths.split(",") if t.strip()]
    except ValueError:
        p.error(f"--lengths must be a comma list of integers, not {args.lengths!r}")
    if not args.length_list or min(args.length_list) < 1:
        p.error("--lengths needs at least one length, each at least 1")
    for name in ("rounds", "epochs", "threads"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be at least 1")
    # Given paths are relative to the current directory, defaults to the repository. abspath, not
    # realpath: a venv's python must keep its own path to find the venv's packages.
    args.serieslens = os.path.abspath(args.serieslens) if args.serieslens else os.path.join(REPO, ".build", "release", "serieslens")
    args.python = os.path.abspath(args.python or default_python())
    return args


def check_tools(args):
    if not os.path.isfile(args.serieslens) or not os.access(args.serieslens, os.X_OK):
        fail(f"serieslens binary not found or not executable: {args.serieslens} (run 'make build' first, or pass --serieslens)")
    if not os.path.exists(args.python):
        fail(f"Python not found: {args.python} (pass --python or PYTHON=..., or create a venv: {VENV_HINT})")
    probe = subprocess.run([args.python, "-c", "import torch; print(torch.__version__)"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if probe.returncode != 0:
        fail(f"{args.python} cannot import torch (install it: {VENV_HINT})")
    return probe.stdout.strip()


def config_flags(args, length):
    flags = ["--length", str(length), "--epochs", str(args.epochs), "--threads", str(args.threads)]
    for flag, value in (("--train-series", args.train_series), ("--validation-series", args.validation_series),
                        ("--batch-size", args.batch_size)):
        if value is not None:
            flags += [flag, str(value)]
    return flags


def serieslens_cmd(args, model, length):
    return [args.serieslens, "bench", "--models", model, "--json"] + config_flags(args, length)


def pytorch_cmd(args, model, length):
    return [args.python, PYTORCH_BENCH, "--models", model, "--json"] + config_flags(args, length)


def run_json(cmd, what):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    if proc.returncode != 0:
        lines = [line.strip() for line in proc.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if "error" in line.lower()]
        reason = (errors or lines or ["(no error output)"])[-1]
        fail(f"{what} failed (exit {proc.returncode}): {reason}\n  command: {shlex.join(cmd)}")
    text = proc.stdout.strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        start = text.find("{")  # tolerate log lines before the JSON document
        try:
            return json.loads(text[start:]) if start >= 0 else None
        except json.JSONDecodeError:
            pass
    fail(f"{what} did not print a JSON document\n  command: {shlex.join(cmd)}")


def record_for(document, model):
    """The model's record of a bench JSON document (a dict; empty when absent)."""
    models = document.get("models") if isinstance(document, dict) else None
    if not isinstance(models, list):
        return {}
    records = [r for r in models if isinstance(r, dict)]
    named = [r for r in records if r.get("model") == model]
    return named[0] if named else {}


def number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt_seconds(v):
    return DASH if v is None else (f"{v:.2f}" if v >= 1 else f"{v:.3g}")


def fmt_rate(v):
    return DASH if v is None else (f"{v:.0f}" if v >= 100 else f"{v:.1f}")


def fmt_ratio(numerator, denominator):
    if numerator is None or denominator is None or denominator == 0:
        return DASH
    ratio = numerator / denominator
    return f"{ratio:.2f}×" if ratio >= 0.1 else f"{ratio:.2g}×"


def fmt_memory(v):
    return DASH if v is None else f"{v / 2**20:.0f} MiB"


def fmt_epochs(record):
    """s/epoch of one run, with the individual epochs when the run timed more than one."""
    value = fmt_seconds(number(record.get("secondsPerEpoch")))
    epochs = record.get("epochSeconds")
    if isinstance(epochs, list) and len(epochs) > 1:
        value += " (" + ", ".join(fmt_seconds(number(e)) for e in epochs) + ")"
    return value


class Table:
    """Markdown, or plain text with fixed column widths; rows are printed as they come."""
    def __init__(self, markdown, columns, widths):
        self.markdown, self.columns, self.widths = markdown, columns, widths

    def header(self):
        if self.markdown:
            print("| " + " | ".join(self.columns) + " |")
            print("|" + "|".join("---" for _ in self.columns) + "|", flush=True)
        else:
            self.row(self.columns)

    def row(self, cells):
        if self.markdown:
            print("| " + " | ".join(cells) + " |", flush=True)
        else:
            print("  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                            for i, (c, w) in enumerate(zip(cells, self.widths))).rstrip(), flush=True)


def machine_lines(args, torch_version, md):
    def first_line(cmd):
        try:
            return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout.strip()
        except OSError:
            return ""
    cpu = DASH
    try:
        with open("/proc/cpuinfo") as f:
            info = f.read().splitlines()
        cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), DASH)
        family = next((line.split(":", 1)[1].strip() for line in info if line.startswith("cpu family")), None)
        flags = next((line.split(":", 1)[1].split() for line in info if line.startswith("flags")), [])
        # The same "AMD EPYC" name has covered a Zen 3 without AVX-512 and a Zen 5 with it here.
        cpu += (f" (family {family}" if family else " (") + (", AVX-512" if "avx512f" in flags else ", no AVX-512") + ")"
    except OSError:
        pass
    nproc = first_line(["nproc"]) or str(len(os.sched_getaffinity(0)))
    commit = first_line(["git", "-C", REPO, "rev-parse", "--short", "HEAD"]) or DASH
    # --no-optional-locks: read-only, never takes the index lock another git process may hold.
    if commit != DASH and first_line(["git", "-C", REPO, "--no-optional-locks", "status", "--porcelain", "--untracked-files=no"]):
        commit += " + uncommitted changes"
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    code = (lambda text: f"`{text}`") if md else (lambda text: text)
    command = shlex.join([os.path.relpath(os.path.abspath(sys.argv[0]), os.getcwd())] + sys.argv[1:])
    example_model, example_length = args.model_list[0], args.length_list[0]
    return [
        f"SeriesLens vs PyTorch, {when}; nproc {nproc}; CPU {cpu}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}; torch {torch_version}; repository {commit}",
        f"command (in {os.getcwd()}): {code(command)}",
        f"each run (in {REPO}): {code(shlex.join(serieslens_cmd(args, example_model, example_length)))}",
        f"then: {code(shlex.join(pytorch_cmd(args, example_model, example_length)))}",
        f"{args.rounds} round{'s' if args.rounds != 1 else ''} x {len(args.length_list)} length{'s' if len(args.length_list) != 1 else ''} x "
        f"{len(args.model_list)} model{'s' if len(args.model_list) != 1 else ''}, {args.threads} threads each; "
        f"s/epoch = one run's median epoch (its epochs in brackets); peak memory = the process's peak RSS",
    ]


def main():
    args = parse_args()
    torch_version = check_tools(args)
    md = args.markdown
    for line in machine_lines(args, torch_version, md):
        print(f"- {line}" if md else f"# {line}")
    print(flush=True)

    raw = Table(md, ["round", "model", "T", "SeriesLens s/epoch", "PyTorch s/epoch", "PyTorch/SeriesLens",
                     "SeriesLens infer/s", "PyTorch infer/s", "SeriesLens peak", "PyTorch peak"],
                [5, 16, 5, 18, 18, 18, 18, 15, 15, 12])
    if md:
        print("Raw measurements, one row per run pair:\n")
    raw.header()
    results = {}  # (model, T) -> list of (serieslens record, pytorch record)
    frameworks, mismatches = set(), []
    for round_ in range(1, args.rounds + 1):
        for length in args.length_list:
            for model in args.model_list:
                if sys.stderr.isatty():
                    print(f"round {round_}/{args.rounds}: {model}, T={length} ...", file=sys.stderr, flush=True)
                sl_doc = run_json(serieslens_cmd(args, model, length), f"serieslens bench ({model}, T={length})")
                pt_doc = run_json(pytorch_cmd(args, model, length), f"pytorch_bench.py ({model}, T={length})")
                sl, pt = record_for(sl_doc, model), record_for(pt_doc, model)
                if isinstance(sl_doc, dict) and sl_doc.get("framework"):
                    frameworks.add(str(sl_doc["framework"]))
                sl_conf = sl_doc.get("configuration") if isinstance(sl_doc, dict) else None
                pt_conf = pt_doc.get("configuration") if isinstance(pt_doc, dict) else None
                if isinstance(sl_conf, dict) and isinstance(pt_conf, dict) and sl_conf != pt_conf:
                    mismatches.append(f"{model} T={length} round {round_}: serieslens {json.dumps(sl_conf)} vs pytorch {json.dumps(pt_conf)}")
                results.setdefault((model, length), []).append((sl, pt))
                sl_s, pt_s = number(sl.get("secondsPerEpoch")), number(pt.get("secondsPerEpoch"))
                raw.row([str(round_), model, str(length), fmt_epochs(sl), fmt_epochs(pt), fmt_ratio(pt_s, sl_s),
                         fmt_rate(number(sl.get("inferenceSeriesPerSecond"))), fmt_rate(number(pt.get("inferenceSeriesPerSecond"))),
                         fmt_memory(number(sl.get("peakMemoryBytes"))), fmt_memory(number(pt.get("peakMemoryBytes")))])

    print()
    summary = Table(md, ["model", "T", "SeriesLens s/epoch", "PyTorch s/epoch", "speed-up (PyTorch/SeriesLens)",
                         "SeriesLens infer/s", "PyTorch infer/s", "speed-up (SeriesLens/PyTorch)",
                         "SeriesLens peak", "PyTorch peak", "per-round training speed-ups", "per-round inference speed-ups"],
                    [16, 5, 18, 15, 29, 18, 15, 29, 15, 12, 28, 28])
    print(("Medians over the rounds (peak memory: the largest of the rounds; the speed-ups are ratios of "
           "the medians, the per-round columns the range and median of each round's own ratio); "
           f"SeriesLens: {', '.join(sorted(frameworks)) or DASH}:\n") if md else
          f"# medians over the rounds (peak memory: the largest of the rounds); SeriesLens: {', '.join(sorted(frameworks)) or DASH}")
    summary.header()
    for length in args.length_list:
        for model in args.model_list:
            pairs = results[(model, length)]
            def med(side, field):
                return median([number(pair[side].get(field)) for pair in pairs])
            def peak(side):
                values = [number(pair[side].get("peakMemoryBytes")) for pair in pairs]
                values = [v for v in values if v is not None]
                return max(values) if values else None
            sl_s, pt_s = med(0, "secondsPerEpoch"), med(1, "secondsPerEpoch")
            sl_i, pt_i = med(0, "inferenceSeriesPerSecond"), med(1, "inferenceSeriesPerSecond")
            def per_round(numerator_side, denominator_side, field):
                ratios = []
                for pair in pairs:
                    top, bottom = number(pair[numerator_side].get(field)), number(pair[denominator_side].get(field))
                    if top is not None and bottom:
                        ratios.append(top / bottom)
                if not ratios:
                    return DASH
                return f"{min(ratios):.2f}–{max(ratios):.2f}× (median {median(ratios):.2f}×)"
            summary.row([model, str(length), fmt_seconds(sl_s), fmt_seconds(pt_s), fmt_ratio(pt_s, sl_s),
                         fmt_rate(sl_i), fmt_rate(pt_i), fmt_ratio(sl_i, pt_i), fmt_memory(peak(0)), fmt_memory(peak(1)),
                         per_round(1, 0, "secondsPerEpoch"), per_round(0, 1, "inferenceSeriesPerSecond")])
    if mismatches:
        print()
        for m in mismatches:
            print(f"warning: the two ran different configurations: {m}", flush=True)


if __name__ == "__main__":
    main()
