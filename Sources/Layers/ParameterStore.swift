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

/// The table of named parameters, in registration order (= PyTorch state_dict order for the
/// built-in models), laid out back to back in one flat buffer.
public struct ParameterLayout: Sendable, Equatable {
    public private(set) var specs: [ParameterSpec] = []
    public private(set) var totalCount = 0

    public init() {}

    public mutating func add(_ name: String, shape: [Int]) -> ParameterID {
        precondition(!specs.contains { $0.name == name }, "parameter \(name) registered twice")
        let spec = ParameterSpec(name: name, shape: shape, offset: totalCount)
        specs.append(spec)
        totalCount += spec.count
        return ParameterID(index: specs.count - 1)
    }

    public func spec(named name: String) -> ParameterSpec? { specs.first { $0.name == name } }
}

/// All parameters of a model in one flat buffer and their gradients in a second one of the same
/// layout, so the optimizer, gradient clipping and checkpointing each run one loop over everything.
public final class ParameterStore<Scalar: TensorScalar>: @unchecked Sendable {
    public let layout: ParameterLayout
    public let values: Buffer<Scalar>
    public let gradients: Buffer<Scalar>

    public init(layout: ParameterLayout) {
        self.layout = layout
        values = Buffer(count: layout.totalCount)
        gradients = Buffer(count: layout.totalCount)
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

    public func zeroGradients() { gradients.zero() }

    /// A copy of one named tensor's values (row-major), or nil when the name is unknown.
    public func tensor(named name: String) -> [Scalar]? {
        guard let spec = layout.spec(named: name) else { return nil }
        return Array(values.storage[spec.offset..<(spec.offset + spec.count)])
    }

    public func gradientTensor(named name: String) -> [Scalar]? {
        guard let spec = layout.spec(named: name) else { return nil }
        return Array(gradients.storage[spec.offset..<(spec.offset + spec.count)])
    }

    /// Overwrites one named tensor; the element count must match.
    public func setTensor(named name: String, to newValues: [Scalar]) throws {
        guard let spec = layout.spec(named: name) else { throw ParameterError.unknownName(name) }
        guard newValues.count == spec.count else {
            throw ParameterError.wrongCount(name: name, expected: spec.count, actual: newValues.count)
        }
        for (index, value) in newValues.enumerated() { values.storage[spec.offset + index] = value }
    }

    /// Same layout, values copied (gradients zero).
    public func copy() -> ParameterStore<Scalar> {
        let duplicate = ParameterStore(layout: layout)
        _ = duplicate.values.storage.update(fromContentsOf: values.storage[0..<count])
        return duplicate
    }

    public func copyValues(from other: ParameterStore<Scalar>) {
        precondition(other.layout == layout, "parameter layouts differ")
        _ = values.storage.update(fromContentsOf: other.values.storage[0..<count])
    }
}

public enum ParameterError: Error, CustomStringConvertible, Equatable {
    case unknownName(String)
    case wrongCount(name: String, expected: Int, actual: Int)

    public var description: String {
        switch self {
        case .unknownName(let name): return "unknown parameter '\(name)'"
        case .wrongCount(let name, let expected, let actual):
            return "parameter '\(name)' has \(actual) values, expected \(expected)"
        }
    }
}
