import Kernels
#if canImport(Glibc)
import Glibc
#endif

/// A grow-only, manually managed block of scalars. Layers keep their workspaces in these so that a
/// training loop allocates nothing after the first batch of the largest shape.
public final class Buffer<Scalar: TensorScalar>: @unchecked Sendable {
    // Unchecked: the layers read `pointer` in their step loops, and the dynamic exclusivity check on
    // every class-property read cost ~2 % of a training step (perf). A buffer is owned by one layer.
    @exclusivity(unchecked) public private(set) var storage: UnsafeMutableBufferPointer<Scalar>
    /// Elements in use (≤ capacity).
    public private(set) var count: Int = 0

    public init(count: Int = 0) {
        storage = Self.allocateAligned(max(count, 1))
        self.count = count
    }

    deinit { Self.deallocateAligned(storage) }

    /// Cache-line alignment. malloc's 16 bytes (large blocks start 16 bytes into a page) make every
    /// other 32-byte load straddle two lines: posenc-attention's epoch took 19.0–19.6 s that way
    /// against 16.0–17.5 s aligned (alternated `serieslens bench` runs), and the LSTM step kernels
    /// ran 10–30 % slower on misaligned operands (C benchmark at offsets 0 and 16).
    public static var alignment: Int { 64 }

    /// Blocks of at least this many bytes are made of whole transparent huge pages.
    public static var hugePageBytes: Int { 2 * 1024 * 1024 }

    /// Zero-filled storage for `count` scalars at a multiple of `alignment` bytes. Blocks of 2 MiB
    /// or more are rounded up to whole 2 MiB pages, aligned to them and advised as huge pages
    /// (this kernel serves transparent huge pages only on request, "madvise" mode): a training step
    /// streams tens of MiB of workspace (an LSTM's gates are 8 MiB per direction at the seed shape)
    /// and with 4 KiB pages most of its accesses also missed the TLB. Measured in-process against
    /// the same model on 4 KiB pages, alternating blocks of steps: training steps 2–3 % faster for
    /// bilstm-attention and cnn, unchanged for the others. Where the advice is refused the block
    /// keeps small pages.
    private static func allocateAligned(_ count: Int) -> UnsafeMutableBufferPointer<Scalar> {
        var byteCount = count * MemoryLayout<Scalar>.stride
        var blockAlignment = alignment
        if byteCount >= hugePageBytes {
            byteCount = (byteCount + hugePageBytes - 1) / hugePageBytes * hugePageBytes
            blockAlignment = hugePageBytes
        }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: blockAlignment)
        #if canImport(Glibc)
        if blockAlignment == hugePageBytes { _ = madvise(raw, byteCount, MADV_HUGEPAGE) }
        #endif
        // Raw memset: generic element-wise initialisation is not specialised here and costs 10×.
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
        return UnsafeMutableBufferPointer(start: raw.bindMemory(to: Scalar.self, capacity: count), count: count)
    }

    private static func deallocateAligned(_ storage: UnsafeMutableBufferPointer<Scalar>) {
        UnsafeMutableRawPointer(storage.baseAddress!).deallocate()
    }

    public var pointer: UnsafeMutablePointer<Scalar> { storage.baseAddress! }

    /// Makes room for `count` elements. Contents are kept only up to the old count when the buffer
    /// grows; `zeroed` clears the used range.
    public func resize(_ newCount: Int, zeroed: Bool = false) {
        if newCount > storage.count {
            let grown = Self.allocateAligned(newCount)
            // Raw memcpy: generic element-wise copies are not specialised here and cost 10×.
            UnsafeMutableRawPointer(grown.baseAddress!).copyMemory(
                from: UnsafeRawPointer(storage.baseAddress!), byteCount: count * MemoryLayout<Scalar>.stride)
            Self.deallocateAligned(storage)
            storage = grown
        }
        count = newCount
        if zeroed { zero() }
    }

    /// Zeroes the `count` elements, on two threads when long (a model's activation gradients are
    /// megabytes).
    public func zero() {
        guard count > 0 else { return }
        let base = pointer
        Parallelism.splitElementwise(count) { range in
            UnsafeMutableRawPointer(base + range.lowerBound).initializeMemory(
                as: UInt8.self, repeating: 0, count: range.count * MemoryLayout<Scalar>.stride)
        }
    }

    public var array: [Scalar] { Array(storage[0..<count]) }
}

/// memcpy for scalars: generic `update(from:count:)` is not specialised inside the generic layers
/// and copies element by element through the runtime (measured: 2 % of a training step).
@inline(__always)
func copyScalars<Scalar: TensorScalar>(from source: UnsafePointer<Scalar>, to target: UnsafeMutablePointer<Scalar>, count: Int) {
    UnsafeMutableRawPointer(target).copyMemory(from: UnsafeRawPointer(source), byteCount: count * MemoryLayout<Scalar>.stride)
}
