import Kernels

/// One named parameter tensor: its PyTorch state_dict name, shape and place in the flat buffer.
public struct ParameterSpec: Codable, Hashable, Sendable {
    public let name: String
    public let shape: [Int]
    public let offset: Int
    public var count: Int { shape.reduce(1, *) }
}

/// Index of a parameter in its `ParameterLayout`.
public struct ParameterID: Hashable, Sendable {
    public let index: Int
}

/// One named state tensor: a state_dict buffer that is saved and loaded with the parameters but is
/// not trained (BatchNorm's `running_mean`, `running_var`, `num_batches_tracked`). `integer` marks
/// tensors PyTorch keeps as int64 (counters); they are held as exact small integers in the scalar
/// type here and written as int64 by checkpoints.
public struct StateSpec: Codable, Hashable, Sendable {
    public let name: String
    public let shape: [Int]
    public let offset: Int
    public let integer: Bool
    public var count: Int { shape.reduce(1, *) }
}

/// Index of a state tensor in its `ParameterLayout`.
public struct StateID: Hashable, Sendable {
    public let index: Int
}

/// The table of named parameters, in registration order (= PyTorch state_dict order for the
/// built-in models), laid out back to back in one flat buffer; and, separately, the named state
/// tensors (running statistics) in a second flat buffer that optimizers and gradient checks never
/// see, because `specs` and `totalCount` describe the trainable parameters only.
public struct ParameterLayout: Sendable, Equatable {
    public private(set) var specs: [ParameterSpec] = []
    public private(set) var totalCount = 0
    public private(set) var stateSpecs: [StateSpec] = []
    public private(set) var stateCount = 0

    public init() {}

    public mutating func add(_ name: String, shape: [Int]) -> ParameterID {
        precondition(!contains(name), "parameter \(name) registered twice")
        let spec = ParameterSpec(name: name, shape: shape, offset: totalCount)
        specs.append(spec)
        totalCount += spec.count
        return ParameterID(index: specs.count - 1)
    }

    /// Registers a non-trainable state_dict buffer.
    public mutating func addState(_ name: String, shape: [Int], integer: Bool = false) -> StateID {
        precondition(!contains(name), "state tensor \(name) registered twice")
        let spec = StateSpec(name: name, shape: shape, offset: stateCount, integer: integer)
        stateSpecs.append(spec)
        stateCount += spec.count
        return StateID(index: stateSpecs.count - 1)
    }

    public func spec(named name: String) -> ParameterSpec? { specs.first { $0.name == name } }
    public func stateSpec(named name: String) -> StateSpec? { stateSpecs.first { $0.name == name } }

    /// Every state_dict entry, parameters then state tensors: what a checkpoint holds.
    public var stateDictionary: [(name: String, shape: [Int], integer: Bool)] {
        specs.map { ($0.name, $0.shape, false) } + stateSpecs.map { ($0.name, $0.shape, $0.integer) }
    }

    private func contains(_ name: String) -> Bool {
        specs.contains { $0.name == name } || stateSpecs.contains { $0.name == name }
    }
}

/// All parameters of a model in one flat buffer and their gradients in a second one of the same
/// layout, so the optimizer, gradient clipping and checkpointing each run one loop over everything.
public final class ParameterStore<Scalar: TensorScalar>: @unchecked Sendable {
    public let layout: ParameterLayout
    public let values: Buffer<Scalar>
    public let gradients: Buffer<Scalar>
    /// The state tensors' values (layout `layout.stateSpecs`); no gradients.
    public let state: Buffer<Scalar>

    public init(layout: ParameterLayout) {
        self.layout = layout
        values = Buffer(count: layout.totalCount)
        gradients = Buffer(count: layout.totalCount)
        state = Buffer(count: layout.stateCount)
    }

    public var count: Int { layout.totalCount }

    @inlinable
    public func value(_ id: ParameterID) -> UnsafeMutablePointer<Scalar> {
        values.pointer + layout.specs[id.index].offset
    }

    @inlinable
    public func gradient(_ id: ParameterID) -> UnsafeMutablePointer<Scalar> {
        gradients.pointer + layout.specs[id.index].offset
    }

    @inlinable
    public func value(_ id: StateID) -> UnsafeMutablePointer<Scalar> {
        state.pointer + layout.stateSpecs[id.index].offset
    }

    public func zeroGradients() { gradients.zero() }

    /// A copy of one named tensor's values (row-major), parameter or state, or nil when the name is
    /// unknown.
    public func tensor(named name: String) -> [Scalar]? {
        if let spec = layout.stateSpec(named: name) { return Array(state.storage[spec.offset..<(spec.offset + spec.count)]) }
        guard let spec = layout.spec(named: name) else { return nil }
        return Array(values.storage[spec.offset..<(spec.offset + spec.count)])
    }

    public func gradientTensor(named name: String) -> [Scalar]? {
        guard let spec = layout.spec(named: name) else { return nil }
        return Array(gradients.storage[spec.offset..<(spec.offset + spec.count)])
    }

    /// Overwrites one named tensor (parameter or state); the element count must match.
    public func setTensor(named name: String, to newValues: [Scalar]) throws {
        let target: (buffer: Buffer<Scalar>, offset: Int, count: Int)
        if let spec = layout.stateSpec(named: name) {
            target = (state, spec.offset, spec.count)
        } else if let spec = layout.spec(named: name) {
            target = (values, spec.offset, spec.count)
        } else {
            throw ParameterError.unknownName(name)
        }
        guard newValues.count == target.count else {
            throw ParameterError.wrongCount(name: name, expected: target.count, actual: newValues.count)
        }
        for (index, value) in newValues.enumerated() { target.buffer.storage[target.offset + index] = value }
    }

    /// Same layout, values and state copied (gradients zero).
    public func copy() -> ParameterStore<Scalar> {
        let duplicate = ParameterStore(layout: layout)
        duplicate.copyValues(from: self)
        return duplicate
    }

    /// Copies the values and the state (a best-epoch restore must bring back the running statistics
    /// that go with the weights).
    public func copyValues(from other: ParameterStore<Scalar>) {
        precondition(other.layout == layout, "parameter layouts differ")
        _ = values.storage.update(fromContentsOf: other.values.storage[0..<count])
        _ = state.storage.update(fromContentsOf: other.state.storage[0..<layout.stateCount])
    }
}

public enum ParameterError: Error, CustomStringConvertible, Equatable {
    case unknownName(String)
    case wrongCount(name: String, expected: Int, actual: Int)
    case missing(String)
    case wrongShape(name: String, expected: [Int], actual: [Int])

    public var description: String {
        switch self {
        case .unknownName(let name): return "unknown parameter '\(name)'"
        case .wrongCount(let name, let expected, let actual):
            return "parameter '\(name)' has \(actual) values, expected \(expected)"
        case .missing(let name): return "tensor '\(name)' is missing"
        case .wrongShape(let name, let expected, let actual):
            return "tensor '\(name)' has shape \(actual), expected \(expected)"
        }
    }
}
