/// The built-in model definitions, embedded so `serieslens` works from any directory. Each string is
/// the exact content of `Plugins/<name>.json` (ModelsTests fails when they differ: edit the JSON
/// file, then paste it here).
enum BuiltInDefinitions {
    static let files: [(name: String, json: String)] = [
        ("bilstm-attention", #"""
{
  "name": "bilstm-attention",
  "description": "BiLSTM (32 per direction) → additive attention pooling (64) → Linear; the seed model",
  "layers": [
    { "kind": "lstm", "name": "lstm", "hidden": 32, "bidirectional": true },
    { "kind": "additive-attention", "name": "attention", "size": 64 },
    { "kind": "linear", "name": "classifier.0", "features": "classes" }
  ]
}
"""#),
        ("bilstm-multihead", #"""
{
  "name": "bilstm-multihead",
  "description": "BiLSTM (32 per direction) → 4-head attention pooling with a learned query → Linear",
  "layers": [
    { "kind": "lstm", "name": "lstm", "hidden": 32, "bidirectional": true },
    { "kind": "attention-pooling", "name": "attention", "heads": 4, "query": "query" },
    { "kind": "linear", "name": "classifier.0", "features": "classes" }
  ]
}
"""#),
        ("posenc-attention", #"""
{
  "name": "posenc-attention",
  "description": "Linear(C→64) + sinusoidal positions → post-norm Transformer block (4 heads, FFN 128) → additive attention (64) → Linear",
  "layers": [
    { "kind": "linear", "name": "embed", "features": 64 },
    { "kind": "positional-encoding", "name": "positions" },
    { "kind": "transformer-encoder", "name": "encoder", "heads": 4, "feedforward": 128 },
    { "kind": "additive-attention", "name": "attention", "size": 64 },
    { "kind": "linear", "name": "classifier.0", "features": "classes" }
  ]
}
"""#),
        ("ffn", #"""
{
  "name": "ffn",
  "description": "flatten (T·C) → 64 → ReLU → 64 → ReLU → Linear; fixed length, explained by saliency",
  "layers": [
    { "kind": "flatten", "name": "net.0" },
    { "kind": "linear", "name": "net.1", "features": 64 },
    { "kind": "relu", "name": "net.2" },
    { "kind": "linear", "name": "net.3", "features": 64 },
    { "kind": "relu", "name": "net.4" },
    { "kind": "linear", "name": "net.5", "features": "classes" }
  ]
}
"""#),
        ("cnn", #"""
{
  "name": "cnn",
  "description": "3 × [Conv1d same padding → BatchNorm1d → ReLU] (32/64/64, kernels 7/5/3) → global average pooling → Linear",
  "layers": [
    { "kind": "conv1d", "name": "features.0", "channels": 32, "kernel": 7 },
    { "kind": "batchnorm1d", "name": "features.1" },
    { "kind": "relu", "name": "features.2" },
    { "kind": "conv1d", "name": "features.3", "channels": 64, "kernel": 5 },
    { "kind": "batchnorm1d", "name": "features.4" },
    { "kind": "relu", "name": "features.5" },
    { "kind": "conv1d", "name": "features.6", "channels": 64, "kernel": 3 },
    { "kind": "batchnorm1d", "name": "features.7" },
    { "kind": "relu", "name": "features.8" },
    { "kind": "cam-classifier", "name": "classifier" }
  ]
}
"""#),
    ]
}
