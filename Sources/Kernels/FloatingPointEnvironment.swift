import CPUControl

/// Per-thread floating-point mode. Training sets flush-to-zero and denormals-are-zero on every thread
/// that computes: saturated LSTM gates produce denormal products that cost 10–100× a normal FMA.
public enum FloatingPointEnvironment {
    public static func enableFlushToZero() {
        serieslens_enable_flush_to_zero()
    }

    public static var flushToZeroEnabled: Bool {
        serieslens_flush_to_zero_enabled() != 0
    }
}

/// Vector instruction sets the C parts of the build were compiled for; used by a test that fails
/// when a build loses its target flags (`make` passes `-march=native`).
public struct CompiledVectorFeatures: OptionSet, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let sse2 = CompiledVectorFeatures(rawValue: 1)
    public static let avx2 = CompiledVectorFeatures(rawValue: 2)
    public static let fma = CompiledVectorFeatures(rawValue: 4)
    public static let avx512f = CompiledVectorFeatures(rawValue: 8)

    public static var current: CompiledVectorFeatures {
        CompiledVectorFeatures(rawValue: serieslens_compiled_vector_features())
    }

    /// The width of the C kernels' register tiles in this build (CKernels/ForEachWidth.h), for reports.
    public var kernelWidthDescription: String {
        if contains(.avx512f) { return "16 lanes (AVX-512)" }
        return contains([.avx2, .fma]) ? "8 lanes (AVX2)" : "8 lanes, built without AVX2/FMA (slow)"
    }

    public var description: String {
        var names: [String] = []
        if contains(.sse2) { names.append("SSE2") }
        if contains(.avx2) { names.append("AVX2") }
        if contains(.fma) { names.append("FMA") }
        if contains(.avx512f) { names.append("AVX-512F") }
        return names.isEmpty ? "baseline" : names.joined(separator: "+")
    }
}
