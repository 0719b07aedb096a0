import Foundation
import Kernels

/// The model's state_dict as safetensors: every trainable parameter and every state tensor under its
/// PyTorch name, floats as F32 and counters (`num_batches_tracked`) as I64 — the dtypes
/// `load_state_dict` expects — so a checkpoint is loadable by PyTorch and the other way round.
extension ParameterStore {
    /// Adds every state_dict entry to `file` (names prefixed by `prefix`).
    public func addStateDictionary(to file: inout SafeTensors, prefix: String = "") {
        for entry in layout.stateDictionary {
            let values = tensor(named: entry.name)!
            if entry.integer {
                file.add(prefix + entry.name, int64s: values.map { Int64(Double($0)) }, shape: entry.shape)
            } else {
                file.add(prefix + entry.name, floats: values.map { Float($0) }, shape: entry.shape)
            }
        }
    }

    /// Overwrites every parameter and state tensor from `file` (names prefixed by `prefix`); any
    /// float or integer dtype is accepted. A missing or mis-shaped tensor throws, naming it; extra
    /// tensors in the file are ignored.
    public func loadStateDictionary(from file: SafeTensors, prefix: String = "") throws {
        for entry in layout.stateDictionary {
            guard let tensor = file.tensors[prefix + entry.name] else { throw ParameterError.missing(prefix + entry.name) }
            guard tensor.shape == entry.shape else {
                throw ParameterError.wrongShape(name: prefix + entry.name, expected: entry.shape, actual: tensor.shape)
            }
            try setTensor(named: entry.name, to: try file.doubles(prefix + entry.name).map { Scalar($0) })
        }
    }
}
