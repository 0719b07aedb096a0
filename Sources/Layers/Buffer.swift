import Kernels

/// A grow-only, manually managed block of scalars. Layers keep their workspaces in these so that a
/// training loop allocates nothing after the first batch of the largest shape.
public final class Buffer<Scalar: TensorScalar>: @unchecked Sendable {
    // Unchecked: the layers read `pointer` in their step loops, and the dynamic exclusivity check on
    // every class-property read cost ~2 % of a training step (perf). A buffer is owned by one layer.
    @exclusivity(unchecked) public private(set) var storage: UnsafeMutableBufferPointer<Scalar>
    /// Elements in use (≤ capacity).
    public private(set) var count: Int = 0

    public init(count: Int = 0) {
        storage = .allocate(capacity: max(count, 1))
        storage.initialize(repeating: 0)
        self.count = count
    }

    deinit { storage.deallocate() }

    public var pointer: UnsafeMutablePointer<Scalar> { storage.baseAddress! }

    /// Makes room for `count` elements. Contents are kept only up to the old count when the buffer
    /// grows; `zeroed` clears the used range.
    public func resize(_ newCount: Int, zeroed: Bool = false) {
        if newCount > storage.count {
            let grown = UnsafeMutableBufferPointer<Scalar>.allocate(capacity: newCount)
            let stride = MemoryLayout<Scalar>.stride
            // Raw memset/memcpy: generic element-wise copies are not specialised here and cost 10×.
            UnsafeMutableRawPointer(grown.baseAddress!).initializeMemory(as: UInt8.self, repeating: 0, count: newCount * stride)
            UnsafeMutableRawPointer(grown.baseAddress!).copyMemory(from: UnsafeRawPointer(storage.baseAddress!), byteCount: count * stride)
            storage.deallocate()
            storage = grown
        }
        count = newCount
        if zeroed { zero() }
    }

    public func zero() {
        guard count > 0 else { return }
        UnsafeMutableRawPointer(pointer).initializeMemory(as: UInt8.self, repeating: 0, count: count * MemoryLayout<Scalar>.stride)
    }

    public var array: [Scalar] { Array(storage[0..<count]) }
}

/// memcpy for scalars: generic `update(from:count:)` is not specialised inside the generic layers
/// and copies element by element through the runtime (measured: 2 % of a training step).
@inline(__always)
func copyScalars<Scalar: TensorScalar>(from source: UnsafePointer<Scalar>, to target: UnsafeMutablePointer<Scalar>, count: Int) {
    UnsafeMutableRawPointer(target).copyMemory(from: UnsafeRawPointer(source), byteCount: count * MemoryLayout<Scalar>.stride)
}
