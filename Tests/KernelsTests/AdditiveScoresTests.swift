import Testing
@testable import Kernels

/// The fused additive-attention scores (CKernels/AdditiveScores.c: e = w₂·tanh(W₁x + b₁) + b₂ per
/// row, from register tiles of eight or, with AVX-512, sixteen lanes) against the operations they are
/// defined by, in the same order: each pre-activation is b₁ then one FMA per feature in feature
/// order; tanh is the C kernel's (`Float.tanh`); w₂·tanh is summed into eight lanes by column blocks
/// of 8 in column order, then the lanes in order, then b₂. Equal bits at either width is what keeps a
/// run's numbers the same on machines with and without AVX-512. The fused layer against the separate
/// one, and both against PyTorch, are tested in FusedPathTests and the parity tests.
@Suite struct AdditiveScoresTests {
    @Test(arguments: [(1, 1, 32), (2, 5, 32), (7, 64, 64), (13, 3, 96), (6, 64, 128), (41, 9, 64)])
    func fusedScoresGiveTheBitsOfTheirDefinition(rows: Int, features: Int, width: Int) {
        var random = SeededRandom(seed: UInt64(rows * 1000 + width))
        let input = (0..<(rows * features)).map { _ in Float(random.uniform(-2, 2)) }
        let weightT = (0..<(features * width)).map { _ in Float(random.uniform(-0.5, 0.5)) }
        let bias = (0..<width).map { _ in Float(random.uniform(-1, 1)) }
        let scorer = (0..<width).map { _ in Float(random.uniform(-1, 1)) }
        let scorerBias = Float(random.uniform(-1, 1))

        var expectedSquashed = [Float](repeating: 0, count: rows * width)
        var expectedScores = [Float](repeating: 0, count: rows)
        for r in 0..<rows {
            var preactivation = bias
            for k in 0..<features {
                for c in 0..<width { preactivation[c] = preactivation[c].addingProduct(input[r * features + k], weightT[k * width + c]) }
            }
            var squashed = [Float](repeating: 0, count: width)
            preactivation.withUnsafeBufferPointer { p in squashed.withUnsafeMutableBufferPointer { Float.tanh(p.baseAddress!, $0.baseAddress!, count: width) } }
            var lanes = [Float](repeating: 0, count: 8)
            for block in stride(from: 0, to: width, by: 8) {
                for lane in 0..<8 { lanes[lane] = lanes[lane].addingProduct(squashed[block + lane], scorer[block + lane]) }
            }
            var sum: Float = 0
            for lane in 0..<8 { sum += lanes[lane] }
            expectedScores[r] = scorerBias + sum
            expectedSquashed.replaceSubrange(r * width..<(r + 1) * width, with: squashed)
        }

        for keepsSquashed in [true, false] {
            var squashed = [Float](repeating: .nan, count: rows * width), scores = [Float](repeating: .nan, count: rows)
            let fused = squashed.withUnsafeMutableBufferPointer { squashedBuffer in
                scores.withUnsafeMutableBufferPointer { scoresBuffer in
                    Float.fusedAdditiveScores(input, rows: rows, features: features, weightTransposed: weightT, width: width, bias: bias,
                                              scorer: scorer, scorerBias: scorerBias,
                                              squashed: keepsSquashed ? squashedBuffer.baseAddress : nil, scores: scoresBuffer.baseAddress!)
                }
            }
            let what = "rows \(rows) D \(features) A \(width) keeps tanh \(keepsSquashed)"
            #expect(fused, "\(what): the fused kernel takes widths that are multiples of 32")
            #expect(scores.map(\.bitPattern) == expectedScores.map(\.bitPattern), "\(what): scores")
            if keepsSquashed { #expect(squashed.map(\.bitPattern) == expectedSquashed.map(\.bitPattern), "\(what): tanh") }
        }
    }
}
