"""Checkpoints interoperate with the PyTorch reference modules, both ways (needs torch and
safetensors; run by scripts/pytorch-roundtrip.sh, never by `make test`).

  python scripts/pytorch_roundtrip.py export MODEL C T SERIESLENS_CKPT INPUT.npy OUT.npy
      loads a SeriesLens checkpoint into shared/reference/models.py's module with load_state_dict
      (strict) and writes P(class 1) for the series in INPUT.npy, in eval mode.
  python scripts/pytorch_roundtrip.py import MODEL C T OUT_CKPT INPUT.npy OUT.npy
      builds the PyTorch module with seed 0, saves its state_dict as safetensors with the metadata
      SeriesLens needs, and writes the module's own P(class 1) for INPUT.npy.
"""
import json, sys, pathlib
import numpy as np
import torch
from safetensors.torch import load_file, save_file

root = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(root.parent / "shared" / "reference"))
from models import MODELS  # noqa: E402


def build(name, C, T):
    return MODELS[name](C=C, T=T) if name == "ffn" else MODELS[name](C=C)


def probabilities(model, x):
    model.eval()
    with torch.no_grad():
        logits, _ = model(torch.from_numpy(x))
    return torch.sigmoid(logits).numpy().astype(np.float32)


def main():
    mode, name, C, T, checkpoint, inputs, out = sys.argv[1:8]
    C, T = int(C), int(T)
    x = np.load(inputs).astype(np.float32).reshape(-1, T, C)
    torch.manual_seed(0)
    model = build(name, C, T)
    if mode == "export":
        model.load_state_dict(load_file(checkpoint), strict=True)
    else:
        if name == "cnn":  # non-trivial running statistics, so eval mode is really checked
            with torch.no_grad():
                model.train()
                model(torch.randn(16, T, C) * 3 + 1)
        metadata = {"format": "serieslens-checkpoint-1", "model": name, "inputChannels": C, "length": T,
                    "classNames": ["normal", "anomalous"]}
        save_file(model.state_dict(), checkpoint, metadata={"serieslens": json.dumps(metadata), "model": name})
    np.save(out, probabilities(model, x))


if __name__ == "__main__":
    main()
