"""PyTorch timings of the five built-in models on the seed configuration (never part of `make test`).

For each model of ../shared/reference/models.py (imported from there, not copied): seconds per
epoch, training and inference throughput, peak memory and parameter count, on the CPU with the
given thread count. The configuration is the seed's: sine series of length T (amplitude U(1,10),
frequency U(1,4), every second one with a flat anomaly), binary labels, BCE-with-logits, Adam 1e-3,
mini-batches of B, 3500 training + 750 validation series per epoch. Usage:

    .torch-venv/bin/python Benchmarks/pytorch_bench.py                          # all five, T=500
    .torch-venv/bin/python Benchmarks/pytorch_bench.py --models cnn,ffn --length 2000 --json

What is measured, per model:
  secondsPerEpoch          median over the --epochs timed epochs of: shuffled mini-batch training
                           (forward, backward, Adam step) over the training series, THEN a no_grad
                           eval forward over the validation series with the validation loss, as
                           the seed's training loop does.
  trainingSeriesPerSecond  training series / seconds of the training part of that epoch only.
  inferenceSeriesPerSecond eval mode, no_grad, batches of B over the validation series, whole
                           passes repeated until at least --inference-seconds (1 s) have elapsed.
  peakMemoryBytes          ru_maxrss of a fresh process that ran only this model (the script
                           re-invokes itself with --single MODEL per model), so it is the peak
                           resident size of that whole process: Python + torch + the data + the
                           model's training and inference. baselineMemoryBytes (RSS after importing
                           torch and generating the data, before the model exists) is reported
                           beside it, so the model's own share is the difference.
  parameters               trainable parameters (BatchNorm running statistics are buffers, not
                           counted).

Warm-up: before the timed epochs every model does ONE untimed training step (forward, backward,
Adam step on a full batch of B) and ONE untimed no_grad eval forward. The first call of a fresh
process pays one-time costs that are not per-epoch costs: the intra-op thread pool starting, the
allocator growing to its working size, oneDNN/MKL primitive selection for these shapes, Adam's
state tensors being allocated. One batch is enough to pay them; a whole warm-up epoch would double
the run time on a small shared machine and tell nothing more. The warm-up step does update the
weights (one Adam step), which does not change what the timed epochs cost.
"""
import argparse, importlib.util, json, os, resource, subprocess, sys, time

MODEL_NAMES = ["bilstm-attention", "bilstm-multihead", "posenc-attention", "cnn", "ffn"]
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_REFERENCE = os.path.join(os.path.dirname(REPO), "shared", "reference", "models.py")


def model_list(parser, models):
    """'all' or a comma list of MODEL_NAMES (also used by side_by_side.py); a usage error otherwise."""
    if models == "all":
        return list(MODEL_NAMES)
    names = [m.strip() for m in models.split(",") if m.strip()]
    unknown = [m for m in names if m not in MODEL_NAMES]
    if unknown or not names:
        parser.error(f"unknown model {', '.join(unknown) or '(none given)'}; choose from all, " + ", ".join(MODEL_NAMES))
    return names


def parse_args(argv):
    p = argparse.ArgumentParser(description="PyTorch timings of the five built-in models on the seed configuration.")
    p.add_argument("--models", default="all", help="all, or a comma list of " + ", ".join(MODEL_NAMES))
    p.add_argument("--epochs", type=int, default=1, help="timed epochs per model, after one untimed warm-up batch (default 1)")
    p.add_argument("--length", type=int, default=500, help="series length T (default 500)")
    p.add_argument("--train-series", type=int, default=3500)
    p.add_argument("--validation-series", type=int, default=750)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--inference-seconds", type=float, default=1.0, help="minimum duration of the inference measurement (default 1)")
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    p.add_argument("--reference", default=DEFAULT_REFERENCE,
                   help="the normative model definitions (default: ../shared/reference/models.py from the repository root)")
    p.add_argument("--single", metavar="MODEL", help=argparse.SUPPRESS)  # internal: run one model in this process
    args = p.parse_args(argv)
    args.model_list = model_list(p, args.models)
    for name in ("epochs", "length", "train_series", "validation_series", "batch_size", "threads"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    args.reference = os.path.abspath(args.reference)
    if not os.path.isfile(args.reference):
        print(f"error: reference model definitions not found: {args.reference}", file=sys.stderr)
        sys.exit(2)
    return args


def load_reference(path):
    spec = importlib.util.spec_from_file_location("serieslens_reference_models", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def current_rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def run_single(args, name):
    """Runs one model in this process; returns its record (plus the torch version)."""
    import numpy as np
    import torch
    import torch.nn as nn
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.dont_write_bytecode = True  # no Benchmarks/__pycache__ left behind
    from pytorch_seed import seed_data  # the seed's generator, shared with pytorch_seed.py

    reference = load_reference(args.reference)
    classes = {"bilstm-attention": "BiLSTMAttention", "bilstm-multihead": "BiLSTMMultihead",
               "posenc-attention": "PosEncAttention", "cnn": "CNN", "ffn": "FFN"}
    cls = getattr(reference, classes[name])

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    T, B = args.length, args.batch_size
    xtr, ytr = seed_data(args.train_series, T, rng)
    xva, yva = seed_data(args.validation_series, T, rng)
    baseline = current_rss_bytes()

    model = cls(T=T) if name == "ffn" else cls()
    parameters = sum(p.numel() for p in model.parameters() if p.requires_grad)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()

    def train_step(x, y):
        opt.zero_grad()
        logits, _ = model(x)
        loss = loss_fn(logits, y)
        loss.backward()
        opt.step()

    # Untimed warm-up: one training step and one eval forward (see the module docstring).
    model.train()
    train_step(xtr[:B], ytr[:B])
    model.eval()
    with torch.no_grad():
        model(xva[:B])

    epochs, train_parts = [], []
    for _ in range(args.epochs):
        start = time.perf_counter()
        model.train()
        perm = torch.randperm(len(xtr))
        for b in range(0, len(xtr), B):
            idx = perm[b:b + B]
            train_step(xtr[idx], ytr[idx])
        trained = time.perf_counter()
        model.eval()
        with torch.no_grad():
            logits = torch.cat([model(xva[b:b + B])[0] for b in range(0, len(xva), B)])
            loss_fn(logits, yva).item()
        end = time.perf_counter()
        epochs.append(end - start)
        train_parts.append(trained - start)

    model.eval()
    passes = 0
    with torch.no_grad():
        start = time.perf_counter()
        while True:
            for b in range(0, len(xva), B):
                model(xva[b:b + B])
            passes += 1
            elapsed = time.perf_counter() - start
            if elapsed >= args.inference_seconds:
                break

    def median(values):
        s = sorted(values)
        return s[len(s) // 2] if len(s) % 2 else (s[len(s) // 2 - 1] + s[len(s) // 2]) / 2

    return {
        "torch": torch.__version__,
        "record": {
            "model": name,
            "secondsPerEpoch": median(epochs),
            "trainingSeriesPerSecond": len(xtr) / median(train_parts),
            "inferenceSeriesPerSecond": passes * len(xva) / elapsed,
            "peakMemoryBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,  # Linux: KiB
            "parameters": parameters,
            "epochSeconds": epochs,
            "baselineMemoryBytes": baseline,
        },
    }


def child_argv(args, name):
    return [sys.executable, os.path.abspath(__file__), "--single", name,
            "--epochs", str(args.epochs), "--length", str(args.length),
            "--train-series", str(args.train_series), "--validation-series", str(args.validation_series),
            "--batch-size", str(args.batch_size), "--threads", str(args.threads), "--seed", str(args.seed),
            "--inference-seconds", str(args.inference_seconds), "--reference", args.reference]


def human_line(record, torch_version, args):
    return (f"{record['model']:<17} {record['secondsPerEpoch']:8.3f} s/epoch  "
            f"train {record['trainingSeriesPerSecond']:9.1f} series/s  "
            f"inference {record['inferenceSeriesPerSecond']:9.1f} series/s  "
            f"peak {record['peakMemoryBytes'] / 2**20:7.1f} MiB (baseline {record['baselineMemoryBytes'] / 2**20:.1f})  "
            f"{record['parameters']:>7} parameters  "
            f"(pytorch {torch_version}, {args.threads} threads, T={args.length}, B={args.batch_size}, "
            f"{args.train_series}+{args.validation_series} series, {args.epochs} epoch{'s' if args.epochs != 1 else ''})")


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.single:
        if args.single not in MODEL_NAMES:
            print(f"error: unknown model {args.single}", file=sys.stderr)
            sys.exit(2)
        print(json.dumps(run_single(args, args.single)), flush=True)
        return

    records, torch_version = [], None
    for name in args.model_list:
        child = subprocess.run(child_argv(args, name), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if child.returncode != 0:
            sys.stderr.write(child.stderr)
            print(f"error: the {name} run failed (exit {child.returncode})", file=sys.stderr)
            sys.exit(1)
        if child.stderr:
            sys.stderr.write(child.stderr)  # warnings of the child, passed on
        result = json.loads(child.stdout.strip().splitlines()[-1])
        torch_version = result["torch"]
        records.append(result["record"])
        if not args.json:
            print(human_line(result["record"], torch_version, args), flush=True)

    if args.json:
        print(json.dumps({
            "framework": f"pytorch {torch_version}",
            "threads": args.threads,
            "configuration": {"trainSeries": args.train_series, "validationSeries": args.validation_series,
                              "batchSize": args.batch_size, "length": args.length},
            "models": records,
        }, indent=2))


if __name__ == "__main__":
    main()
