import Testing
@testable import Kernels

/// The fused LSTM step (gate product and cell per register tile, CKernels/LSTMStep.c) against the
/// two kernels it replaces, the product `SmallGEMM.multiplyAddingBias(leading:)` then the C cell:
/// it performs the same operations in the same order, so the bits must agree exactly. The cell
/// itself is checked against Double in `LSTMCellTests`, the product in `SmallGEMMTests`.
@Suite struct LSTMStepTests {
    // With AVX-512 the step runs sixteen-lane tiles when 16 divides H, else eight-lane ones (8, 24, 48).
    @Test(arguments: [8, 16, 24, 32, 48, 64])
    func fusedStepGivesTheSameBitsAsProductThenCell(hidden: Int) {
        var random = SeededRandom(seed: UInt64(hidden))
        // Batches around the 3-row tile (remainders 0, 1, 2) and the seed's 32; one and several channels.
        for batch in [0, 1, 2, 3, 4, 5, 7, 32] {
            for channels in [0, 1, 3] {
                let width = 4 * hidden
                let input = (0..<(batch * channels)).map { _ in Float(random.uniform(-2, 2)) }
                let inputWeightT = (0..<(channels * width)).map { _ in Float(random.uniform(-1, 1)) }
                let previousHidden = (0..<(batch * hidden)).map { _ in Float(random.uniform(-1, 1)) }
                let hiddenWeightT = (0..<(hidden * width)).map { _ in Float(random.uniform(-0.5, 0.5)) }
                let bias = (0..<width).map { _ in Float(random.uniform(-1, 1)) }
                let previousCell = (0..<(batch * hidden)).map { _ in Float(random.uniform(-2, 2)) }

                var expectedGates = [Float](repeating: 0, count: batch * width)
                var expectedCell = [Float](repeating: 0, count: batch * hidden), expectedTanh = expectedCell, expectedHidden = expectedCell
                Float.smallMultiplyPairAddingBias(
                    m: batch, n: width, leadingK: channels, leadingA: input, leadingLDA: max(channels, 1), leadingB: inputWeightT, leadingLDB: width,
                    k: hidden, a: previousHidden, lda: hidden, b: hiddenWeightT, ldb: width, bias: bias, c: &expectedGates, ldc: width)
                Float.lstmCellForward(gates: &expectedGates, previousCell: previousCell, cell: &expectedCell, tanhCell: &expectedTanh,
                                      hidden: &expectedHidden, batch: batch, hiddenSize: hidden)

                // The fused step into the given outputs (gates and tanh(c) optional, as in evaluation),
                // h_{t−1} from `previous` (packed unless strided).
                let step = { (gates: UnsafeMutablePointer<Float>?, cell: UnsafeMutablePointer<Float>, tanhCell: UnsafeMutablePointer<Float>?,
                              h: UnsafeMutablePointer<Float>, previous: [Float], previousStride: Int?, hiddenStride: Int?) -> Bool in
                    Float.fusedLSTMStepForward(
                        LSTMStepOperands(input: input.withUnsafeBufferPointer { $0.baseAddress! }, channels: channels,
                                         inputWeightTransposed: inputWeightT.withUnsafeBufferPointer { $0.baseAddress! },
                                         previousHidden: previous.withUnsafeBufferPointer { $0.baseAddress! },
                                         hiddenWeightTransposed: hiddenWeightT.withUnsafeBufferPointer { $0.baseAddress! },
                                         bias: bias.withUnsafeBufferPointer { $0.baseAddress! },
                                         previousCell: previousCell.withUnsafeBufferPointer { $0.baseAddress! },
                                         gates: gates, cell: cell, tanhCell: tanhCell, hidden: h,
                                         previousHiddenStride: previousStride, hiddenStride: hiddenStride),
                        batch: batch, hiddenSize: hidden)
                }
                var gates = [Float](repeating: .nan, count: batch * width)
                var cell = [Float](repeating: .nan, count: batch * hidden), tanhCell = cell, h = cell
                let handled = gates.withUnsafeMutableBufferPointer { g in cell.withUnsafeMutableBufferPointer { c in
                    tanhCell.withUnsafeMutableBufferPointer { tc in h.withUnsafeMutableBufferPointer { hh in
                        step(g.baseAddress!, c.baseAddress!, tc.baseAddress!, hh.baseAddress!, previousHidden, nil, nil)
                    } }
                } }
                #expect(handled)
                let what = "B \(batch) H \(hidden) C \(channels)"
                #expect(gates.map(\.bitPattern) == expectedGates.map(\.bitPattern), "\(what): activated gates")
                #expect(cell.map(\.bitPattern) == expectedCell.map(\.bitPattern), "\(what): c")
                #expect(tanhCell.map(\.bitPattern) == expectedTanh.map(\.bitPattern), "\(what): tanh(c)")
                #expect(h.map(\.bitPattern) == expectedHidden.map(\.bitPattern), "\(what): h")

                // Without gates and tanh(c) (evaluation): the same c and h.
                var evaluationCell = [Float](repeating: .nan, count: batch * hidden), evaluationHidden = evaluationCell
                let evaluated = evaluationCell.withUnsafeMutableBufferPointer { c in evaluationHidden.withUnsafeMutableBufferPointer { hh in
                    step(nil, c.baseAddress!, nil, hh.baseAddress!, previousHidden, nil, nil)
                } }
                #expect(evaluated)
                #expect(evaluationCell.map(\.bitPattern) == expectedCell.map(\.bitPattern), "\(what): c without gates")
                #expect(evaluationHidden.map(\.bitPattern) == expectedHidden.map(\.bitPattern), "\(what): h without gates")

                // h_{t−1} read and h_t written with row strides (evaluation's columns of the layer's
                // output): the same h, and nothing written between the rows.
                let readStride = hidden + 5, writeStride = hidden + 3
                var stridedPrevious = [Float](repeating: .nan, count: batch * readStride)
                for row in 0..<batch {
                    for unit in 0..<hidden { stridedPrevious[row * readStride + unit] = previousHidden[row * hidden + unit] }
                }
                var stridedCell = [Float](repeating: .nan, count: batch * hidden)
                var stridedHidden = [Float](repeating: -7, count: batch * writeStride)
                let strided = stridedCell.withUnsafeMutableBufferPointer { c in stridedHidden.withUnsafeMutableBufferPointer { hh in
                    step(nil, c.baseAddress!, nil, hh.baseAddress!, stridedPrevious, readStride, writeStride)
                } }
                #expect(strided)
                let rowsOfStrided = (0..<batch).flatMap { row in stridedHidden[(row * writeStride)..<(row * writeStride + hidden)] }
                let gaps = (0..<batch).flatMap { row in stridedHidden[(row * writeStride + hidden)..<((row + 1) * writeStride)] }
                #expect(rowsOfStrided.map(\.bitPattern) == expectedHidden.map(\.bitPattern), "\(what): h with row strides")
                #expect(stridedCell.map(\.bitPattern) == expectedCell.map(\.bitPattern), "\(what): c with strided h")
                #expect(gaps.allSatisfy { $0 == -7 }, "\(what): nothing written between h's rows")
            }
        }
    }

    // With AVX-512 sixteen-lane tiles when 32 divides H, else eight-lane ones (16, 48).
    @Test(arguments: [16, 32, 48, 64])
    func fusedBackwardStepGivesTheSameBitsAsProductThenCell(hidden: Int) {
        var random = SeededRandom(seed: UInt64(100 + hidden))
        let width = 4 * hidden
        // Batches around the 4-row tile (remainders 0–3) and the seed's 32; a first step (no later
        // ∂gates) and a later one; with and without the sums; ∂L/∂h read with a row stride.
        for batch in [1, 2, 3, 4, 5, 6, 7, 32] {
            for (hasLater, withSums) in [(false, true), (true, true), (true, false)] {
                let activated = (0..<(batch * width)).map { _ in Float(random.uniform(0.05, 0.95)) }
                let later = (0..<(batch * width)).map { _ in Float(random.uniform(-1, 1)) }
                let hiddenWeight = (0..<(width * hidden)).map { _ in Float(random.uniform(-0.5, 0.5)) }
                let upstreamStride = hidden + 5
                let upstream = (0..<(batch * upstreamStride)).map { _ in Float(random.uniform(-1, 1)) }
                let previousCell = (0..<(batch * hidden)).map { _ in Float(random.uniform(-2, 2)) }
                let tanhCell = (0..<(batch * hidden)).map { _ in Float(random.uniform(-1, 1)) }
                let cellGradientStart = (0..<(batch * hidden)).map { _ in Float(random.uniform(-1, 1)) }
                let scalarInput = (0..<batch).map { _ in Float(random.uniform(-1, 1)) }
                let sumsStart = (0..<width).map { _ in Float(random.uniform(-1, 1)) }

                // The separate kernels: ∂h = upstream (as a slab) + later·W_hh, then the C cell backward.
                var dh = (0..<(batch * hidden)).map { upstream[($0 / hidden) * upstreamStride + $0 % hidden] }
                if hasLater {
                    Float.smallMultiplyAdd(m: batch, n: hidden, k: width, a: later, lda: width, b: hiddenWeight, ldb: hidden, c: &dh, ldc: hidden)
                }
                var expectedGates = activated, expectedCellGradient = cellGradientStart
                var expectedSums = sumsStart, expectedWeighted = sumsStart
                expectedSums.withUnsafeMutableBufferPointer { sums in expectedWeighted.withUnsafeMutableBufferPointer { weighted in
                    Float.lstmCellBackward(gates: &expectedGates, previousCell: previousCell, tanhCell: tanhCell, hiddenGradient: dh,
                                           cellGradient: &expectedCellGradient, batch: batch, hiddenSize: hidden,
                                           gateSums: withSums ? sums.baseAddress : nil, scalarInput: withSums ? scalarInput : nil,
                                           scalarInputWeightGradient: withSums ? weighted.baseAddress : nil)
                } }

                var gates = activated, cellGradient = cellGradientStart, sums = sumsStart, weighted = sumsStart
                let handled = gates.withUnsafeMutableBufferPointer { g in cellGradient.withUnsafeMutableBufferPointer { dc in
                    sums.withUnsafeMutableBufferPointer { s in weighted.withUnsafeMutableBufferPointer { w in
                        later.withUnsafeBufferPointer { l in
                            Float.fusedLSTMStepBackward(
                                LSTMStepGradientOperands(
                                    gates: g.baseAddress!, laterGateGradient: hasLater ? l.baseAddress! : nil,
                                    hiddenWeight: hiddenWeight.withUnsafeBufferPointer { $0.baseAddress! },
                                    upstream: upstream.withUnsafeBufferPointer { $0.baseAddress! }, upstreamStride: upstreamStride,
                                    previousCell: previousCell.withUnsafeBufferPointer { $0.baseAddress! },
                                    tanhCell: tanhCell.withUnsafeBufferPointer { $0.baseAddress! }, cellGradient: dc.baseAddress!,
                                    gateSums: withSums ? s.baseAddress! : nil, scalarInput: withSums ? scalarInput.withUnsafeBufferPointer { $0.baseAddress! } : nil,
                                    scalarInputWeightGradient: withSums ? w.baseAddress! : nil,
                                    // A later step's operands are only prefetched: any valid rows, no effect on the bits.
                                    ahead: hasLater ? (gates: l.baseAddress!, upstream: upstream.withUnsafeBufferPointer { $0.baseAddress! },
                                                       previousCell: previousCell.withUnsafeBufferPointer { $0.baseAddress! },
                                                       tanhCell: tanhCell.withUnsafeBufferPointer { $0.baseAddress! }) : nil),
                                batch: batch, hiddenSize: hidden)
                        }
                    } }
                } }
                #expect(handled)
                let what = "B \(batch) H \(hidden) later \(hasLater) sums \(withSums)"
                #expect(gates.map(\.bitPattern) == expectedGates.map(\.bitPattern), "\(what): ∂gates")
                #expect(cellGradient.map(\.bitPattern) == expectedCellGradient.map(\.bitPattern), "\(what): ∂c")
                #expect(sums.map(\.bitPattern) == expectedSums.map(\.bitPattern), "\(what): bias gradient")
                #expect(weighted.map(\.bitPattern) == expectedWeighted.map(\.bitPattern), "\(what): ∂W_ih")
            }
        }
    }

    @Test func hiddenSizesOffTheVectorWidthAreDeclined() {
        for hidden in [1, 7, 12, 33] {
            var untouched = [Float](repeating: 3, count: 4 * hidden)
            let zeros = [Float](repeating: 0, count: 4 * hidden * hidden)
            let handled = zeros.withUnsafeBufferPointer { z in
                untouched.withUnsafeMutableBufferPointer { u in
                    Float.fusedLSTMStepForward(
                        LSTMStepOperands(input: z.baseAddress!, channels: 1, inputWeightTransposed: z.baseAddress!, previousHidden: z.baseAddress!,
                                         hiddenWeightTransposed: z.baseAddress!, bias: z.baseAddress!, previousCell: z.baseAddress!,
                                         gates: u.baseAddress!, cell: u.baseAddress!, tanhCell: u.baseAddress!, hidden: u.baseAddress!),
                        batch: 1, hiddenSize: hidden)
                }
            }
            #expect(!handled && untouched.allSatisfy { $0 == 3 }, "H = \(hidden)")
        }
        #expect(!Double.fusedLSTMStepForward(
            LSTMStepOperands(input: [0], channels: 1, inputWeightTransposed: [0], previousHidden: [0], hiddenWeightTransposed: [0], bias: [0],
                             previousCell: [0], gates: UnsafeMutablePointer<Double>.allocate(capacity: 1), cell: UnsafeMutablePointer<Double>.allocate(capacity: 1),
                             tanhCell: UnsafeMutablePointer<Double>.allocate(capacity: 1), hidden: UnsafeMutablePointer<Double>.allocate(capacity: 1)),
            batch: 1, hiddenSize: 8), "Double runs the separate kernels")
    }

    /// One group of steps' ∂W_hh += ∂gatesᵀ·h_{t−1} (CKernels/LSTMStep.c) sums each entry over the
    /// rows in order from the old value, as the register-blocked Aᵀ·B does: the same bits, and within
    /// rounding of a Double reference. Row counts around the 6-row tiles; H without a kernel declines.
    @Test(arguments: [16, 32, 48, 64])
    func hiddenWeightGradientMatchesAᵀBAndDouble(hidden: Int) {
        var random = SeededRandom(seed: UInt64(300 + hidden))
        let width = 4 * hidden
        for rows in [0, 1, 5, 7, 32, 128] {
            let gateGradient = (0..<(rows * width)).map { _ in Float(random.uniform(-1, 1)) }
            let previousHidden = (0..<(rows * hidden)).map { _ in Float(random.uniform(-1, 1)) }
            let start = (0..<(width * hidden)).map { _ in Float(random.uniform(-1, 1)) }
            var expected = start
            Float.smallMultiplyAddTransposedA(m: width, n: hidden, k: rows, a: gateGradient, lda: width, b: previousHidden, ldb: hidden,
                                              c: &expected, ldc: hidden)
            var result = start
            let handled = result.withUnsafeMutableBufferPointer { r in
                Float.lstmAddHiddenWeightGradient(gateGradient: gateGradient, previousHidden: previousHidden, into: r.baseAddress!,
                                                  batch: rows, hiddenSize: hidden)
            }
            #expect(handled)
            #expect(result.map(\.bitPattern) == expected.map(\.bitPattern), "H \(hidden) rows \(rows)")
            var worst = 0.0
            for i in 0..<width {
                for j in 0..<hidden {
                    var sum = Double(start[i * hidden + j])
                    for r in 0..<rows { sum += Double(gateGradient[r * width + i]) * Double(previousHidden[r * hidden + j]) }
                    worst = max(worst, abs(Double(result[i * hidden + j]) - sum))
                }
            }
            #expect(worst <= 1e-5 * Double(max(rows, 1)), "H \(hidden) rows \(rows): worst error \(worst)")
        }
        var untouched: [Float] = [1, 2]
        #expect(!Float.lstmAddHiddenWeightGradient(gateGradient: [0], previousHidden: [0], into: &untouched, batch: 1, hiddenSize: 8))
        #expect(untouched == [1, 2])
    }
}
