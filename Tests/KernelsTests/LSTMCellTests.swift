import Foundation
import Testing
@testable import Kernels

/// The fused Float cells (the generic Swift `LSTMCell` and the C kernels behind
/// `Float.lstmCellForward` and `Float.lstmCellBackward`) against a scalar Double transcription of PyTorch's LSTM equations.
@Suite struct LSTMCellTests {
    static func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

    enum ForwardKernel: CaseIterable { case swiftGeneric, cVectorExtensions }

    @Test(arguments: ForwardKernel.allCases)
    func forwardAndBackwardMatchDoubleReference(kernel: ForwardKernel) {
        var random = SeededRandom(seed: 5)
        for batch in [0, 1, 2, 3] {
            for hidden in [1, 2, 3, 7, 8, 9, 16, 17, 32, 33] {
                let gateCount = batch * 4 * hidden, cellCount = batch * hidden
                let preactivations = (0..<gateCount).map { _ in random.uniform(-4, 4) }
                let previousCell = (0..<cellCount).map { _ in random.uniform(-2, 2) }
                let dh = (0..<cellCount).map { _ in random.uniform(-1, 1) }
                let dcNext = (0..<cellCount).map { _ in random.uniform(-1, 1) }

                var gates = preactivations.map(Float.init)
                let cPrev = previousCell.map(Float.init)
                var cell = [Float](repeating: 0, count: cellCount), tanhCell = cell, h = cell
                switch kernel {
                case .swiftGeneric:
                    LSTMCell.forward(gates: &gates, previousCell: cPrev, cell: &cell, tanhCell: &tanhCell, hidden: &h,
                                     batch: batch, hiddenSize: hidden)
                case .cVectorExtensions:
                    Float.lstmCellForward(gates: &gates, previousCell: cPrev, cell: &cell, tanhCell: &tanhCell, hidden: &h,
                                          batch: batch, hiddenSize: hidden)
                }
                var dGates = gates
                var dc = dcNext.map(Float.init)
                let scalarInput = (0..<batch).map { _ in Float(random.uniform(-1, 1)) }
                let sumsStart = (0..<4 * hidden).map { _ in Float(random.uniform(-1, 1)) }
                let weightStart = (0..<4 * hidden).map { _ in Float(random.uniform(-1, 1)) }
                var gateSums = sumsStart, weightGradient = weightStart
                switch kernel {
                case .swiftGeneric:
                    LSTMCell.backward(gates: &dGates, previousCell: cPrev, tanhCell: tanhCell, hiddenGradient: dh.map(Float.init),
                                      cellGradient: &dc, batch: batch, hiddenSize: hidden, gateSums: &gateSums,
                                      scalarInput: scalarInput, scalarInputWeightGradient: &weightGradient)
                case .cVectorExtensions:
                    Float.lstmCellBackward(gates: &dGates, previousCell: cPrev, tanhCell: tanhCell, hiddenGradient: dh.map(Float.init),
                                           cellGradient: &dc, batch: batch, hiddenSize: hidden, gateSums: &gateSums,
                                           scalarInput: scalarInput, scalarInputWeightGradient: &weightGradient)
                }
                var expectedSums = sumsStart.map(Double.init), expectedWeightGradient = weightStart.map(Double.init)

                for b in 0..<batch {
                    for j in 0..<hidden {
                        let base = b * 4 * hidden
                        let pre = { (gate: Int) in Double(Float(preactivations[base + gate * hidden + j])) }
                        let i = Self.sigmoid(pre(0)), f = Self.sigmoid(pre(1)), g = Foundation.tanh(pre(2)), o = Self.sigmoid(pre(3))
                        let cp = Double(cPrev[b * hidden + j])
                        let c = f * cp + i * g
                        let tc = Foundation.tanh(c)
                        let where_ = "batch \(batch) hidden \(hidden) b \(b) j \(j)"
                        #expect(abs(Double(cell[b * hidden + j]) - c) < 1e-6, "c \(where_)")
                        #expect(abs(Double(h[b * hidden + j]) - o * tc) < 1e-6, "h \(where_)")
                        let dhv = Double(Float(dh[b * hidden + j]))
                        let dcv = Double(Float(dcNext[b * hidden + j])) + dhv * o * (1 - tc * tc)
                        let expected = [dcv * g * i * (1 - i), dcv * cp * f * (1 - f), dcv * i * (1 - g * g), dhv * tc * o * (1 - o)]
                        for gate in 0..<4 {
                            #expect(abs(Double(dGates[base + gate * hidden + j]) - expected[gate]) < 2e-6, "gate \(gate) \(where_)")
                            expectedSums[gate * hidden + j] += expected[gate]
                            expectedWeightGradient[gate * hidden + j] += Double(scalarInput[b]) * expected[gate]
                        }
                        #expect(abs(Double(dc[b * hidden + j]) - dcv * f) < 2e-6, "dc_prev \(where_)")
                    }
                }
                for column in 0..<4 * hidden {
                    #expect(abs(Double(gateSums[column]) - expectedSums[column]) < 1e-5, "gate sum \(column), batch \(batch) hidden \(hidden)")
                    #expect(abs(Double(weightGradient[column]) - expectedWeightGradient[column]) < 1e-5,
                            "∂W_ih \(column), batch \(batch) hidden \(hidden)")
                }
            }
        }
    }
}
