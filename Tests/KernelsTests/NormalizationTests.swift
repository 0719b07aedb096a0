import Foundation
import Testing
@testable import Kernels

/// Float normalisation and ReLU kernels against naive Double transcriptions of PyTorch's formulas,
/// over edge shapes (masked tails, single rows, empty matrices). Float sums of ≤ 33 terms of
/// magnitude ≤ 4 agree with Double to ~1e-6 relative; 1e-5 leaves a margin while a wrong term
/// (missing mean, biased/unbiased mix-up: a factor n/(n−1) ≥ 1.03 here) is far outside it.
@Suite struct NormalizationTests {
    static let sizes = [0, 1, 2, 3, 7, 8, 9, 17, 33]

    /// Runs `body` with `Parallelism.threads` set to `threads`.
    static func withThreads<Result>(_ threads: Int, _ body: () -> Result) -> Result {
        let saved = Parallelism.threads
        Parallelism.threads = threads
        defer { Parallelism.threads = saved }
        return body()
    }

    static func close(_ a: Float, _ b: Double, _ tolerance: Double = 1e-5) -> Bool {
        abs(Double(a) - b) <= tolerance * max(1, abs(b)) || (a.isNaN && b.isNaN)
    }

    @Test func reluAndItsGradient() {
        var random = SeededRandom(seed: 11)
        for count in Self.sizes {
            let x = (0..<count).map { _ in Float(random.uniform(-1, 1)) }
            var y = [Float](repeating: 9, count: count)
            Elementwise.relu(x, &y, count: count)
            let g = (0..<count).map { _ in Float(random.uniform(-1, 1)) }
            var dx = [Float](repeating: 0.5, count: count)
            Elementwise.reluBackward(output: y, outputGradient: g, addingInto: &dx, count: count)
            for i in 0..<count {
                #expect(y[i] == max(x[i], 0), "relu count \(count) index \(i)")
                #expect(dx[i] == 0.5 + (x[i] > 0 ? g[i] : 0), "relu backward count \(count) index \(i)")
            }
        }
        var nan: [Float] = [.nan]
        Elementwise.relu(nan, &nan, count: 1)
        #expect(nan[0].isNaN, "ReLU must propagate NaN")
    }

    /// The written ReLU gradient (in place on the upstream gradient too) is the added one from zero;
    /// passes long enough to split give the same bits on two threads.
    @Test(arguments: [1, 2])
    func writtenReLUGradientAndSplitPasses(threads: Int) {
        Self.withThreads(threads) { checkWrittenReLUGradientAndSplitPasses() }
    }

    func checkWrittenReLUGradientAndSplitPasses() {
        var random = SeededRandom(seed: 13)
        for count in Self.sizes + [Parallelism.elementwiseSplitMinimum + 37] {
            let x = (0..<count).map { _ in Float(random.uniform(-1, 1)) }
            let g = (0..<count).map { _ in Float(random.uniform(-1, 1)) }
            var y = [Float](repeating: 9, count: count), added = [Float](repeating: 0, count: count)
            Float.relu(x, &y, count: count)
            Float.reluBackward(output: y, outputGradient: g, addingInto: &added, count: count)
            var written = [Float](repeating: .nan, count: count), inPlace = g
            Float.reluBackward(output: y, outputGradient: g, writingInto: &written, count: count)
            inPlace.withUnsafeMutableBufferPointer { Float.reluBackward(output: y, outputGradient: $0.baseAddress!, writingInto: $0.baseAddress!, count: count) }
            var sum = x
            Float.addScaled(g, scale: 0.5, into: &sum, count: count)
            #expect(y == x.map { max($0, 0) }, "relu count \(count)")
            #expect(written == added && inPlace == added, "written relu backward count \(count)")
            #expect(sum == zip(x, g).map { $0 + 0.5 * $1 }, "addScaled count \(count)")
        }
    }

    /// Layer normalisation over enough rows to split: the same bits on one thread and two, and a
    /// written input gradient equal to one added to zeros.
    /// The C channel affine (Float) gives the bits of the Swift loops and of the definition,
    /// shift + x·scale in one FMA then `y < 0 ? 0 : y`: in place and not, over column counts around
    /// the 8- and 16-lane widths, with NaN (kept) and −0 (kept, not made +0) among the values.
    @Test func channelAffineKernelGivesTheBitsOfItsDefinition() {
        var random = SeededRandom(seed: 17)
        for rows in [0, 1, 3] {
            for columns in [0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 64, 65] {
                let count = rows * columns
                var x = (0..<count).map { _ in Float(random.uniform(-2, 2)) }
                if count > 2 { x[0] = .nan; x[1] = -0.0; x[count - 1] = 0 }
                let scale = (0..<columns).map { $0 % 5 == 0 ? 1 : Float(random.uniform(-2, 2)) }
                let shift = (0..<columns).map { $0 % 5 == 0 ? -0.0 : Float(random.uniform(-1, 1)) }
                for rectify in [false, true] {
                    let expected = (0..<count).map { index -> Float in
                        let value = shift[index % columns].addingProduct(x[index], scale[index % columns])
                        return rectify && value < 0 ? 0 : value
                    }
                    var kernel = [Float](repeating: 7, count: count), swift = kernel, inPlace = x
                    Float.applyChannelAffine(x, rows: rows, columns: columns, scale: scale, shift: shift, rectify: rectify, output: &kernel)
                    Normalization.applyChannelAffine(x, rows: rows, columns: columns, scale: scale, shift: shift, rectify: rectify, output: &swift)
                    inPlace.withUnsafeMutableBufferPointer { buffer in
                        Float.applyChannelAffine(buffer.baseAddress!, rows: rows, columns: columns, scale: scale, shift: shift,
                                                 rectify: rectify, output: buffer.baseAddress!)
                    }
                    let what = "\(rows) × \(columns), rectify \(rectify)"
                    #expect(kernel.map(\.bitPattern) == expected.map(\.bitPattern), "C kernel, \(what)")
                    #expect(swift.map(\.bitPattern) == expected.map(\.bitPattern), "Swift loops, \(what)")
                    #expect(inPlace.map(\.bitPattern) == expected.map(\.bitPattern), "in place, \(what)")
                }
            }
        }
    }

    @Test func layerNormIsTheSameOnTwoThreadsAndWhenWritten() {
        var random = SeededRandom(seed: 14)
        let rows = 301, columns = 24
        let x = (0..<(rows * columns)).map { _ in Float(random.uniform(-2, 2)) }
        let g = (0..<(rows * columns)).map { _ in Float(random.uniform(-1, 1)) }
        let gamma = (0..<columns).map { _ in Float(random.uniform(0.5, 1.5)) }, beta = (0..<columns).map { _ in Float(random.uniform(-1, 1)) }
        func run(threads: Int, accumulate: Bool) -> [[Float]] { Self.withThreads(threads) { run(accumulate: accumulate) } }
        func run(accumulate: Bool) -> [[Float]] {
            var y = [Float](repeating: 0, count: rows * columns), xHat = y, inverse = [Float](repeating: 0, count: rows)
            Float.layerNormForward(x, rows: rows, columns: columns, epsilon: 1e-5, gamma: gamma, beta: beta,
                                   normalized: &xHat, inverseStandardDeviation: &inverse, output: &y)
            var dGamma = [Float](repeating: 0.5, count: columns), dBeta = dGamma
            var dx = [Float](repeating: accumulate ? 0 : .nan, count: rows * columns)
            Float.layerNormBackward(normalized: xHat, inverseStandardDeviation: inverse, outputGradient: g, gamma: gamma, rows: rows,
                                    columns: columns, gammaGradient: &dGamma, betaGradient: &dBeta, addingInto: &dx, accumulate: accumulate)
            return [y, xHat, inverse, dGamma, dBeta, dx]
        }
        let reference = run(threads: 1, accumulate: true)
        #expect(run(threads: 2, accumulate: true) == reference, "two threads")
        #expect(run(threads: 1, accumulate: false) == reference, "written, one thread")
        #expect(run(threads: 2, accumulate: false) == reference, "written, two threads")
    }

    @Test func layerNormMatchesReference() {
        var random = SeededRandom(seed: 12)
        for rows in [0, 1, 3] {
            for columns in Self.sizes where columns > 0 {
                let x = (0..<(rows * columns)).map { _ in random.uniform(-2, 2) + 3 }
                let gamma = (0..<columns).map { _ in random.uniform(0.5, 1.5) }, beta = (0..<columns).map { _ in random.uniform(-1, 1) }
                let g = (0..<(rows * columns)).map { _ in random.uniform(-1, 1) }
                var y = [Float](repeating: 0, count: rows * columns), xHat = y, inverse = [Float](repeating: 0, count: rows)
                let gammaF = gamma.map(Float.init), betaF = beta.map(Float.init)
                Normalization.layerNormForward(x.map(Float.init), rows: rows, columns: columns, epsilon: 1e-5, gamma: gammaF, beta: betaF,
                                               normalized: &xHat, inverseStandardDeviation: &inverse, output: &y)
                var dGamma = [Float](repeating: 0, count: columns), dBeta = dGamma, dx = [Float](repeating: 0, count: rows * columns)
                Normalization.layerNormBackward(normalized: xHat, inverseStandardDeviation: inverse, outputGradient: g.map(Float.init),
                                                gamma: gammaF, rows: rows, columns: columns, gammaGradient: &dGamma, betaGradient: &dBeta, addingInto: &dx)
                var expectedGamma = [Double](repeating: 0, count: columns), expectedBeta = expectedGamma
                for r in 0..<rows {
                    let row = Array(x[(r * columns)..<((r + 1) * columns)])
                    let mean = row.reduce(0, +) / Double(columns)
                    let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(columns)
                    let inv = 1 / (variance + 1e-5).squareRoot()
                    let normalized = row.map { ($0 - mean) * inv }
                    let gh = (0..<columns).map { g[r * columns + $0] * gamma[$0] }
                    let meanG = gh.reduce(0, +) / Double(columns)
                    let meanP = zip(gh, normalized).map(*).reduce(0, +) / Double(columns)
                    for c in 0..<columns {
                        #expect(Self.close(y[r * columns + c], normalized[c] * gamma[c] + beta[c]), "layer norm y rows \(rows) columns \(columns)")
                        #expect(Self.close(dx[r * columns + c], inv * (gh[c] - meanG - normalized[c] * meanP), 1e-4),
                                "layer norm dx rows \(rows) columns \(columns)")
                        expectedGamma[c] += g[r * columns + c] * normalized[c]
                        expectedBeta[c] += g[r * columns + c]
                    }
                }
                for c in 0..<columns {
                    #expect(Self.close(dGamma[c], expectedGamma[c]) && Self.close(dBeta[c], expectedBeta[c]), "layer norm dγ/dβ rows \(rows) columns \(columns)")
                }
            }
        }
    }

    @Test func batchNormMatchesReference() {
        var random = SeededRandom(seed: 13)
        for rows in [1, 2, 3, 17] {
            for columns in Self.sizes {
                let x = (0..<(rows * columns)).map { _ in random.uniform(-2, 2) + 1 }
                let gamma = (0..<columns).map { _ in random.uniform(0.5, 1.5) }, beta = (0..<columns).map { _ in random.uniform(-1, 1) }
                let g = (0..<(rows * columns)).map { _ in random.uniform(-1, 1) }
                let runningMean0 = (0..<columns).map { _ in random.uniform(-1, 1) }, runningVar0 = (0..<columns).map { _ in random.uniform(0.5, 2) }
                var mean = [Float](repeating: 0, count: columns), inverse = mean
                var runningMean = runningMean0.map(Float.init), runningVar = runningVar0.map(Float.init)
                let xF = x.map(Float.init), gammaF = gamma.map(Float.init)
                Normalization.batchNormStatistics(xF, rows: rows, columns: columns, epsilon: 1e-5, momentum: 0.1, mean: &mean,
                                                  inverseStandardDeviation: &inverse, runningMean: &runningMean, runningVariance: &runningVar)
                var y = [Float](repeating: 0, count: rows * columns)
                Normalization.batchNormApply(xF, rows: rows, columns: columns, mean: mean, inverseStandardDeviation: inverse,
                                             gamma: gammaF, beta: beta.map(Float.init), output: &y)
                var dGamma = [Float](repeating: 0, count: columns), dBeta = dGamma, dx = [Float](repeating: 0, count: rows * columns)
                Normalization.batchNormBackward(xF, outputGradient: g.map(Float.init), rows: rows, columns: columns, mean: mean,
                                                inverseStandardDeviation: inverse, gamma: gammaF, gammaGradient: &dGamma,
                                                betaGradient: &dBeta, addingInto: &dx, batchStatistics: true)
                let shape = "rows \(rows) columns \(columns)"
                for c in 0..<columns {
                    let column = (0..<rows).map { x[$0 * columns + c] }
                    let mu = column.reduce(0, +) / Double(rows)
                    let variance = column.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(rows)
                    let inv = 1 / (variance + 1e-5).squareRoot()
                    #expect(Self.close(runningMean[c], 0.9 * runningMean0[c] + 0.1 * mu), "running mean \(shape)")
                    let unbiased = rows > 1 ? variance * Double(rows) / Double(rows - 1) : Double.nan
                    #expect(Self.close(runningVar[c], 0.9 * runningVar0[c] + 0.1 * unbiased), "running var \(shape)")
                    let normalized = column.map { ($0 - mu) * inv }
                    let gs = (0..<rows).map { g[$0 * columns + c] }
                    let sumG = gs.reduce(0, +), sumP = zip(gs, normalized).map(*).reduce(0, +)
                    #expect(Self.close(dGamma[c], sumP) && Self.close(dBeta[c], sumG), "dγ/dβ \(shape)")
                    for r in 0..<rows {
                        // y = x·(γ·inv) + (β − μ·γ·inv) as PyTorch's CPU kernel: the two products cancel,
                        // so the Float error scales with |x·γ·inv| (316·|x| for one row, where σ² = 0).
                        let magnitude = abs(x[r * columns + c] * gamma[c] * inv)
                        #expect(abs(Double(y[r * columns + c]) - (normalized[r] * gamma[c] + beta[c])) <= 1e-5 * max(1, magnitude), "y \(shape)")
                        let expected = gamma[c] * inv / Double(rows) * (Double(rows) * gs[r] - sumG - normalized[r] * sumP)
                        #expect(Self.close(dx[r * columns + c], expected, 1e-4), "dx \(shape)")
                    }
                }
            }
        }
    }

    /// The ReLU folded into the batch norm: the rectified forward is relu(apply) and the masked
    /// backward is the plain backward of the gradient zeroed where the output is not > 0 — bit for
    /// bit, on one thread and two, in training and evaluation.
    @Test(arguments: [1, 2])
    func rectifiedBatchNormIsBatchNormThenReLU(threads: Int) {
        Self.withThreads(threads) { checkRectifiedBatchNorm() }
    }

    func checkRectifiedBatchNorm() {
        var random = SeededRandom(seed: 17)
        for rows in [0, 1, 3, 17, 300] {
            for columns in Self.sizes {
                let x = (0..<(rows * columns)).map { _ in Float(random.uniform(-2, 2)) }
                let g = (0..<(rows * columns)).map { _ in Float(random.uniform(-1, 1)) }
                let mean = (0..<columns).map { _ in Float(random.uniform(-0.5, 0.5)) }
                let inverse = (0..<columns).map { _ in Float(random.uniform(0.5, 2)) }
                let gamma = (0..<columns).map { _ in Float(random.uniform(-1.5, 1.5)) }, beta = (0..<columns).map { _ in Float(random.uniform(-1, 1)) }
                var plain = [Float](repeating: 0, count: rows * columns), rectified = plain, relu = plain
                Normalization.batchNormApply(x, rows: rows, columns: columns, mean: mean, inverseStandardDeviation: inverse,
                                             gamma: gamma, beta: beta, output: &plain)
                Normalization.batchNormApply(x, rows: rows, columns: columns, mean: mean, inverseStandardDeviation: inverse,
                                             gamma: gamma, beta: beta, rectify: true, output: &rectified)
                Elementwise.relu(plain, &relu, count: plain.count)
                #expect(rectified == relu, "rectified forward rows \(rows) columns \(columns)")
                #expect(rectified.contains(0) == (rows * columns > 0), "some outputs rectified rows \(rows) columns \(columns)")
                let masked = zip(g, rectified).map { $1 > 0 ? $0 : 0 }
                for statistics in [true, false] {
                    var dGamma = [Float](repeating: 0.25, count: columns), dBeta = dGamma, dx = [Float](repeating: 0.5, count: rows * columns)
                    var expectedGamma = dGamma, expectedBeta = dBeta, expectedDx = dx
                    Normalization.batchNormBackward(x, outputGradient: g, rows: rows, columns: columns, mean: mean,
                                                    inverseStandardDeviation: inverse, gamma: gamma, gammaGradient: &dGamma, betaGradient: &dBeta,
                                                    rectifiedOutput: rectified, addingInto: &dx, batchStatistics: statistics)
                    Normalization.batchNormBackward(x, outputGradient: masked, rows: rows, columns: columns, mean: mean,
                                                    inverseStandardDeviation: inverse, gamma: gamma, gammaGradient: &expectedGamma,
                                                    betaGradient: &expectedBeta, addingInto: &expectedDx, batchStatistics: statistics)
                    let what = "rows \(rows) columns \(columns) batch statistics \(statistics)"
                    #expect(dGamma == expectedGamma && dBeta == expectedBeta, "masked dγ/dβ \(what)")
                    #expect(dx == expectedDx, "masked dx \(what)")
                }
            }
        }
    }
}
