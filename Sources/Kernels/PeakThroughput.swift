import Dispatch

/// The machine's single-core FP32 FMA throughput, measured: the yardstick `serieslens profile` holds
/// the kernels' achieved GFLOP/s against ("x % of peak"), rather than a datasheet number that the
/// target flags, the clock under load or a VM may not deliver.
public enum PeakThroughput {
    /// GFLOP/s of independent fused multiply-adds on one core, the best of a few runs of roughly
    /// `seconds` each; both 8- and 16-lane vectors are tried (AVX2 or AVX-512 code generation).
    public static func singleCoreGigaflops(seconds: Double = 0.1) -> Double {
        max(rate(seconds: seconds, lanes: 8, run: fmaChains8), rate(seconds: seconds, lanes: 16, run: fmaChains16))
    }

    static func rate(seconds: Double, lanes: Int, run: (Int, Float) -> Float) -> Double {
        var iterations = 1 << 16
        var best = 0.0
        var sink: Float = 0
        for _ in 0..<4 {
            let start = DispatchTime.now().uptimeNanoseconds
            sink += run(iterations, 1 + sink * 1e-30)
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            // 12 chains × lanes × 2 FLOPs per fused multiply-add.
            best = max(best, Double(iterations) * 12 * Double(lanes) * 2 / elapsed / 1e9)
            if elapsed < seconds { iterations = Int(Double(iterations) * min(16, seconds / max(elapsed, 1e-6))) }
        }
        if sink.isNaN { print(sink) }  // keeps the loops observable
        return best
    }

    /// Twelve independent FMA chains: enough to cover FMA latency × pipes on current x86 and ARM cores.
    @inline(never)
    static func fmaChains8(_ iterations: Int, _ seed: Float) -> Float { fmaChains(iterations, seed, SIMD8<Float>.self) }

    @inline(never)
    static func fmaChains16(_ iterations: Int, _ seed: Float) -> Float { fmaChains(iterations, seed, SIMD16<Float>.self) }

    @inline(__always)
    static func fmaChains<Vector: SIMD>(_ iterations: Int, _ seed: Float, _: Vector.Type) -> Float where Vector.Scalar == Float {
        let multiplier = Vector(repeating: 0.999_999), addend = Vector(repeating: 1e-7)
        var c0 = Vector(repeating: seed), c1 = c0 + 1, c2 = c0 + 2, c3 = c0 + 3, c4 = c0 + 4, c5 = c0 + 5
        var c6 = c0 + 6, c7 = c0 + 7, c8 = c0 + 8, c9 = c0 + 9, c10 = c0 + 10, c11 = c0 + 11
        for _ in 0..<iterations {
            c0 = addend.addingProduct(c0, multiplier); c1 = addend.addingProduct(c1, multiplier)
            c2 = addend.addingProduct(c2, multiplier); c3 = addend.addingProduct(c3, multiplier)
            c4 = addend.addingProduct(c4, multiplier); c5 = addend.addingProduct(c5, multiplier)
            c6 = addend.addingProduct(c6, multiplier); c7 = addend.addingProduct(c7, multiplier)
            c8 = addend.addingProduct(c8, multiplier); c9 = addend.addingProduct(c9, multiplier)
            c10 = addend.addingProduct(c10, multiplier); c11 = addend.addingProduct(c11, multiplier)
        }
        return (c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11).sum()
    }
}
