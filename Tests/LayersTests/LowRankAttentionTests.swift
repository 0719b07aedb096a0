import Foundation
import Testing
@testable import Kernels
@testable import Layers

/// `LowRankSelfAttention` (Float, LowRankAttention.c) against the attention written out in Double:
/// Q, K and V formed from the one-channel series and the shared terms, P = softmax(s·Q·Kᵀ),
/// context = P·V, and from ∂context the sums the low-rank backward produces instead of ∂Q, ∂K and
/// ∂V — Σ_b ∂[Q|K|V]_b (T, 3D), Σ_b x_bᵀ·∂[Q|K|V]_b (3D) and ∂x_b = ∂[Q|K|V]_b·Â — over edge
/// shapes: one step, lengths around the SIMD width and the 48-row block, every head size the kernels
/// take (8, 16, 24, 32), one and several samples, and series large enough that the forward finds
/// each row's maximum instead of shifting by a bound.
@Suite struct LowRankAttentionTests {
    struct Case: CustomStringConvertible, Sendable {
        var batch: Int, time: Int, heads: Int, headSize: Int, amplitude: Double
        var description: String { "B\(batch) T\(time) \(heads)×\(headSize) ±\(amplitude)" }
    }

    static let cases: [Case] = [
        Case(batch: 1, time: 1, heads: 1, headSize: 8, amplitude: 2),
        Case(batch: 2, time: 7, heads: 2, headSize: 16, amplitude: 2),
        Case(batch: 3, time: 9, heads: 1, headSize: 24, amplitude: 2),
        Case(batch: 2, time: 47, heads: 2, headSize: 32, amplitude: 2),
        Case(batch: 3, time: 49, heads: 4, headSize: 16, amplitude: 2),
        Case(batch: 2, time: 97, heads: 2, headSize: 8, amplitude: 2),
        Case(batch: 2, time: 50, heads: 2, headSize: 16, amplitude: 60),
    ]

    @Test(arguments: cases)
    func matchesTheAttentionWrittenOut(_ shape: Case) throws {
        let (batch, time, heads, d) = (shape.batch, shape.time, shape.heads, shape.headSize)
        let model = heads * d, width = 3 * model
        var random = SeededRandom(seed: UInt64(time * 31 + d))
        let series = (0..<(batch * time)).map { _ in Float(random.uniform(-shape.amplitude, shape.amplitude)) }
        let shared = (0..<(time * width)).map { _ in Float(random.uniform(-1, 1)) }       // Ĉ
        let direction = (0..<width).map { _ in Float(random.uniform(-0.5, 0.5)) }         // Âᵀ
        let upstream = (0..<(batch * time * model)).map { _ in Float(random.uniform(-1, 1)) }
        let attention = LowRankSelfAttention<Float>(modelSize: model, heads: heads)

        var context = [Float](repeating: .nan, count: batch * time * model)
        var sums = [Float](repeating: 0, count: time * width), channelSums = [Float](repeating: 0, count: width)
        var inputGradient = [Float](repeating: 0, count: batch * time)
        shared.withUnsafeBufferPointer { c in direction.withUnsafeBufferPointer { a in
            attention.prepare(time: time, projectedShared: c.baseAddress!, projectedWeight: a.baseAddress!)
        } }
        series.withUnsafeBufferPointer { x in
            context.withUnsafeMutableBufferPointer { attention.forward(x.baseAddress!, batch: batch, context: $0.baseAddress!, keepWeights: true) }
            upstream.withUnsafeBufferPointer { g in
                sums.withUnsafeMutableBufferPointer { z in channelSums.withUnsafeMutableBufferPointer { r in
                    inputGradient.withUnsafeMutableBufferPointer { dx in
                        attention.backward(samples: 0..<batch, part: 0, series: x.baseAddress!, contextGradient: g.baseAddress!,
                                           projectedSums: z.baseAddress!, channelSums: r.baseAddress!, inputGradient: dx.baseAddress!)
                    }
                } }
            }
        }

        // The same in Double, written out.
        let s = 1 / Double(d).squareRoot()
        var expectedContext = [Double](repeating: 0, count: context.count)
        var expectedSums = [Double](repeating: 0, count: sums.count), expectedChannelSums = [Double](repeating: 0, count: width)
        var expectedInputGradient = [Double](repeating: 0, count: inputGradient.count)
        for b in 0..<batch {
            // [Q|K|V]_bt = x_bt·Âᵀ + Ĉ_t
            let packed = (0..<(time * width)).map { Double(series[b * time + $0 / width]) * Double(direction[$0 % width]) + Double(shared[$0]) }
            var packedGradient = [Double](repeating: 0, count: time * width)
            for h in 0..<heads {
                let q = { (t: Int, e: Int) in packed[t * width + h * d + e] }
                let k = { (t: Int, e: Int) in packed[t * width + model + h * d + e] }
                let v = { (t: Int, e: Int) in packed[t * width + 2 * model + h * d + e] }
                for i in 0..<time {
                    let scores = (0..<time).map { j in s * (0..<d).reduce(0.0) { $0 + q(i, $1) * k(j, $1) } }
                    let top = scores.max()!
                    let exponentials = scores.map { Foundation.exp($0 - top) }
                    let total = exponentials.reduce(0, +)
                    let p = exponentials.map { $0 / total }
                    let dc = (0..<d).map { Double(upstream[(b * time + i) * model + h * d + $0]) }
                    for e in 0..<d { expectedContext[(b * time + i) * model + h * d + e] = (0..<time).reduce(0.0) { $0 + p[$1] * v($1, e) } }
                    // ∂P_ij = ∂C_i·V_j, ∂S = P ⊙ (∂P − ⟨P, ∂P⟩), ∂Q_i += s·Σ_j ∂S_ij K_j, ∂K_j += s·∂S_ij Q_i, ∂V_j += P_ij ∂C_i.
                    let dp = (0..<time).map { j in (0..<d).reduce(0.0) { $0 + dc[$1] * v(j, $1) } }
                    let shift = zip(p, dp).reduce(0.0) { $0 + $1.0 * $1.1 }
                    for j in 0..<time {
                        let ds = p[j] * (dp[j] - shift)
                        for e in 0..<d {
                            packedGradient[i * width + h * d + e] += s * ds * k(j, e)
                            packedGradient[j * width + model + h * d + e] += s * ds * q(i, e)
                            packedGradient[j * width + 2 * model + h * d + e] += p[j] * dc[e]
                        }
                    }
                }
            }
            for t in 0..<time {
                let x = Double(series[b * time + t])
                for o in 0..<width {
                    expectedSums[t * width + o] += packedGradient[t * width + o]
                    expectedChannelSums[o] += x * packedGradient[t * width + o]
                    expectedInputGradient[b * time + t] += packedGradient[t * width + o] * Double(direction[o])
                }
            }
        }
        for (what, ours, theirs) in [("context", context, expectedContext), ("Σ ∂[Q|K|V]", sums, expectedSums),
                                     ("Σ x·∂[Q|K|V]", channelSums, expectedChannelSums), ("∂x", inputGradient, expectedInputGradient)] {
            let scale = max(theirs.map(abs).max() ?? 0, 1e-30)
            let worst = zip(ours, theirs).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(worst <= 2e-5 * scale * Double(max(1, time / 16)), "\(shape) \(what): off by \(worst) of \(scale)")
        }
    }
}
