import Testing
@testable import Kernels

/// The sliding-window lowering against the direct definition of PyTorch's Conv1d (weight (O, C, K),
/// "same" zero padding: (K−1)/2 before, the rest after), in Double: the forward product over the
/// padded series read with overlapping rows, the input gradient through the flipped weight, the
/// weight gradient as x̂ᵀ·∂y folded back into (O, C, K) — and the Float kernels (SmallGEMM with
/// overlapping rows) against the same Double reference, over edge shapes.
@Suite struct ConvolutionTests {
    struct Case: CustomStringConvertible {
        var batch, time, channels, kernel, outputs: Int
        var left: Int { (kernel - 1) / 2 }
        var right: Int { kernel - 1 - left }
        var paddedTime: Int { time + kernel - 1 }
        var description: String { "B\(batch) T\(time) C\(channels) K\(kernel) O\(outputs)" }
    }

    static var cases: [Case] {
        var cases: [Case] = []
        for batch in [0, 1, 3] {
            for time in [0, 1, 2, 7, 9, 23] {
                for channels in [1, 3, 17] {
                    for kernel in [1, 2, 3, 5, 8] {
                        for outputs in [1, 9, 16, 33] { cases.append(Case(batch: batch, time: time, channels: channels, kernel: kernel, outputs: outputs)) }
                    }
                }
            }
        }
        return cases
    }

    /// y, ∂L/∂x and ∂L/∂W by the definition, summed in Double.
    static func reference(_ shape: Case, x: [Double], w: [Double], dy: [Double]) -> (y: [Double], dx: [Double], dw: [Double]) {
        var y = [Double](repeating: 0, count: shape.batch * shape.time * shape.outputs)
        var dx = [Double](repeating: 0, count: x.count), dw = [Double](repeating: 0, count: w.count)
        for b in 0..<shape.batch {
            for t in 0..<shape.time {
                for o in 0..<shape.outputs {
                    for c in 0..<shape.channels {
                        for k in 0..<shape.kernel where (0..<shape.time).contains(t + k - shape.left) {
                            let xi = (b * shape.time + t + k - shape.left) * shape.channels + c, wi = (o * shape.channels + c) * shape.kernel + k
                            let yi = (b * shape.time + t) * shape.outputs + o
                            y[yi] += w[wi] * x[xi]
                            dx[xi] += w[wi] * dy[yi]
                            dw[wi] += x[xi] * dy[yi]
                        }
                    }
                }
            }
        }
        return (y, dx, dw)
    }

    /// The layer's recipe: pad, rearrange, one product per series with overlapping rows.
    static func lowered<Scalar: TensorScalar>(_ shape: Case, x: [Scalar], w: [Scalar], dy: [Scalar]) -> (y: [Scalar], dx: [Scalar], dw: [Scalar]) {
        let (B, T, C, K, O, P) = (shape.batch, shape.time, shape.channels, shape.kernel, shape.outputs, shape.paddedTime)
        var padded = [Scalar](repeating: .nan, count: B * P * C), paddedGradient = [Scalar](repeating: .nan, count: B * P * O)
        Scalar.padSeries(x, batch: B, time: T, channels: C, before: shape.left, after: shape.right, into: &padded)
        Scalar.padSeries(dy, batch: B, time: T, channels: O, before: shape.right, after: shape.left, into: &paddedGradient)
        var forward = [Scalar](repeating: .nan, count: K * C * O), flipped = [Scalar](repeating: .nan, count: K * O * C)
        Scalar.windowWeights(w, outputChannels: O, channels: C, kernel: K, flipped: false, into: &forward)
        Scalar.windowWeights(w, outputChannels: O, channels: C, kernel: K, flipped: true, into: &flipped)
        var y = [Scalar](repeating: 0, count: B * T * O), dx = [Scalar](repeating: 0, count: B * T * C)
        var windowGradients = [Scalar](repeating: 0, count: 2 * K * C * O), dw = [Scalar](repeating: 0, count: O * C * K)
        let zeroBias = [Scalar](repeating: 0, count: O)
        for b in 0..<B {
            padded.withUnsafeBufferPointer { p in
                y.withUnsafeMutableBufferPointer { yp in
                    Scalar.smallMultiplyAddingBias(m: T, n: O, k: K * C, a: p.baseAddress! + b * P * C, lda: C, b: forward, ldb: O,
                                                   bias: zeroBias, c: yp.baseAddress! + b * T * O, ldc: O)
                }
                dy.withUnsafeBufferPointer { dyp in
                    windowGradients.withUnsafeMutableBufferPointer { g in
                        Scalar.smallMultiplyAddTransposedA(m: K * C, n: O, k: T, a: p.baseAddress! + b * P * C, lda: C,
                                                           b: dyp.baseAddress! + b * T * O, ldb: O, c: g.baseAddress! + (b % 2) * K * C * O, ldc: O)
                    }
                }
            }
            paddedGradient.withUnsafeBufferPointer { p in
                dx.withUnsafeMutableBufferPointer { dxp in
                    Scalar.smallMultiplyAdd(m: T, n: C, k: K * O, a: p.baseAddress! + b * P * O, lda: O, b: flipped, ldb: C,
                                            c: dxp.baseAddress! + b * T * C, ldc: C)
                }
            }
        }
        Scalar.addWindowWeightGradient(windowGradients, parts: 2, outputChannels: O, channels: C, kernel: K, into: &dw)
        return (y, dx, dw)
    }

    @Test func slidingWindowProductsAreTheConvolutionAndItsGradients() {
        var random = SeededRandom(seed: 14)
        for shape in Self.cases {
            let x = (0..<(shape.batch * shape.time * shape.channels)).map { _ in random.uniform(-1, 1) }
            let w = (0..<(shape.outputs * shape.channels * shape.kernel)).map { _ in random.uniform(-1, 1) }
            let dy = (0..<(shape.batch * shape.time * shape.outputs)).map { _ in random.uniform(-1, 1) }
            let expected = Self.reference(shape, x: x, w: w, dy: dy)
            let double = Self.lowered(shape, x: x, w: w, dy: dy)
            let float = Self.lowered(shape, x: x.map(Float.init), w: w.map(Float.init), dy: dy.map(Float.init))
            for (name, want, got, gotFloat) in [("y", expected.y, double.y, float.y), ("dx", expected.dx, double.dx, float.dx),
                                                ("dw", expected.dw, double.dw, float.dw)] {
                let scale = Double(max(shape.channels * shape.kernel, shape.outputs * shape.kernel, shape.time, 1))
                #expect(zip(want, got).allSatisfy { abs($0 - $1) < 1e-12 * scale }, "\(name) Double \(shape)")
                #expect(zip(want, gotFloat).allSatisfy { abs($0 - Double($1)) < 1e-6 * scale }, "\(name) Float \(shape)")
            }
        }
    }
}
