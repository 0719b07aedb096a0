import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Opt-in time accounting per kernel, for `serieslens profile`.
///
/// Off (the default) a kernel pays one load and a predictable branch. On, each call reads the
/// monotonic clock twice (~40 ns against kernels of microseconds) and adds its time and work to a
/// table behind a mutex. Times are thread-seconds: two LSTM directions running at once each add
/// their own time, so profile on one thread for a breakdown that sums to wall time.
public enum KernelProfiler {
    /// What a kernel call is accounted as. `work` is FLOPs for the matrix products (2·m·n·k) and
    /// elements touched for the rest.
    public enum Kernel: String, CaseIterable, Sendable, Codable {
        case blasGEMM = "gemm (BLAS)"
        case smallGEMM = "gemm (register-blocked SmallGEMM)"
        /// Products with k < 8 (an LSTM's input projection with C = 1): memory-bound, kept apart so
        /// they do not hide the rate of the real products.
        case thinSmallGEMM = "gemm (register-blocked, k < 8)"
        case smallGEMMTransposedA = "gemm (register-blocked, Aᵀ·B: weight gradients)"
        /// Self-attention fused per head: the score and context products with the softmax between.
        case fusedAttention = "fused attention (QKᵀ, softmax, PV)"
        case fusedAttentionBackward = "fused attention backward"
        /// `LowRankSelfAttention`: scores from shared terms plus rank one, softmax, P·Cv (products counted).
        case lowRankAttention = "low-rank attention (shared scores, softmax, P·Cv)"
        case lowRankAttentionBackward = "low-rank attention backward (∂C·Cvᵀ, Pᵀ·∂C, sums)"
        /// The gate product and the cell of an LSTM step in one pass; rated by the product's FLOPs.
        /// Additive attention's projection with tanh and the scoring dot in its epilogue.
        case additiveScores = "additive scores (projection + tanh + w₂·)"
        case lstmStepForward = "lstm step forward (gate product + cell)"
        case lstmStepBackward = "lstm step backward (recurrent product + cell)"
        case lstmCellForward = "lstm cell forward"
        case lstmCellBackward = "lstm cell backward"
        case activation = "activations (tanh, sigmoid, relu)"
        case activationBackward = "activations backward"
        case softmax = "softmax"
        case softmaxBackward = "softmax backward"
        case rowsAndColumns = "row/column sums, broadcasts and copies"
        case vector = "vector sum, dot, axpy"
        case normalization = "layer/batch norm"
        case normalizationBackward = "layer/batch norm backward"
        case convolutionLayout = "convolution padding and weight layout"
        /// Winograd convolution's input, output and output-gradient transforms (elements written).
        case winogradTransform = "winograd transforms"
        case rowProducts = "row products (dots, weighted sums, rank-1)"

        /// Matrix products report GFLOP/s; the rest, millions of elements per second.
        public var isMatrixProduct: Bool { [.blasGEMM, .smallGEMM, .thinSmallGEMM, .smallGEMMTransposedA, .fusedAttention, .fusedAttentionBackward, .lowRankAttention, .lowRankAttentionBackward, .lstmStepForward, .lstmStepBackward, .additiveScores].contains(self) }
    }

    public struct Totals: Sendable, Equatable, Codable {
        public var calls = 0
        public var nanoseconds: UInt64 = 0
        public var work = 0
        public init() {}
    }

    // Unchecked: every kernel call reads it, and the dynamic exclusivity check showed in perf.
    @exclusivity(unchecked) nonisolated(unsafe) public static var isEnabled = false
    static let table = Mutex<[Totals]>(Array(repeating: Totals(), count: Kernel.allCases.count))
    @usableFromInline static let ordinals = Dictionary(uniqueKeysWithValues: Kernel.allCases.enumerated().map { ($1, $0) })

    /// Clears the table and starts recording.
    public static func start() {
        table.withLock { $0 = Array(repeating: Totals(), count: Kernel.allCases.count) }
        isEnabled = true
    }

    public static func stop() { isEnabled = false }

    public static var totals: [Kernel: Totals] {
        let rows = table.withLock { $0 }
        return Dictionary(uniqueKeysWithValues: Kernel.allCases.enumerated().map { ($1, rows[$0]) })
    }

    @inlinable @inline(__always)
    public static func measure<Result>(_ kernel: Kernel, work: @autoclosure () -> Int, _ body: () -> Result) -> Result {
        guard isEnabled else { return body() }
        let start = now()
        let result = body()
        record(kernel, nanoseconds: now() &- start, work: work())
        return result
    }

    @usableFromInline
    static func record(_ kernel: Kernel, nanoseconds: UInt64, work: Int) {
        let ordinal = ordinals[kernel]!
        table.withLock { table in
            table[ordinal].calls += 1
            table[ordinal].nanoseconds += nanoseconds
            table[ordinal].work += work
        }
    }

    @usableFromInline
    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }
}
