import Foundation
import Testing
@testable import Kernels

/// The fused per-head attention kernels (CKernels/Attention.c) against a Double reference of the
/// separate products: P = softmax(s·QKᵀ), C = PV, and ∂Q, ∂K, ∂V added into existing gradients.
@Suite struct FusedAttentionTests {
    /// (Tq, Tk): one row and one key, fewer rows than a register tile (6), keys off the 8- and
    /// 16-column vector widths, rows off the 48-row backward block, and T ≠ T' (cross-attention).
    static let shapes = [(1, 1), (1, 7), (5, 3), (7, 17), (13, 16), (6, 33), (50, 49), (49, 100), (97, 23)]

    struct Head {
        var queryTime: Int, keyTime: Int, headSize: Int
        // Q, K, V as column blocks of packed rows (stride 3·width + 5), like an in-projection's output.
        var width: Int { headSize + 3 }
        var stride: Int { 3 * width + 5 }
        var queries: [Float], keys: [Float], values: [Float], upstream: [Float]
        let scale: Float

        init(queryTime: Int, keyTime: Int, headSize: Int, random: inout SeededRandom) {
            self.queryTime = queryTime; self.keyTime = keyTime; self.headSize = headSize
            let stride = 3 * (headSize + 3) + 5
            queries = (0..<(queryTime * stride)).map { _ in Float(random.uniform(-2, 2)) }
            keys = (0..<(keyTime * stride)).map { _ in Float(random.uniform(-2, 2)) }
            values = (0..<(keyTime * stride)).map { _ in Float(random.uniform(-1, 1)) }
            upstream = (0..<(queryTime * (headSize + 3))).map { _ in Float(random.uniform(-1, 1)) }
            scale = 1 / Float(headSize).squareRoot()
        }

        // Element j of row t of the head, which starts `offset` columns into each packed row.
        func q(_ t: Int, _ j: Int) -> Double { Double(queries[t * stride + 1 + j]) }
        func k(_ t: Int, _ j: Int) -> Double { Double(keys[t * stride + width + 1 + j]) }
        func v(_ t: Int, _ j: Int) -> Double { Double(values[t * stride + 2 * width + 1 + j]) }
        func g(_ t: Int, _ j: Int) -> Double { Double(upstream[t * width + 2 + j]) }

        /// Double reference: P (Tq·Tk), context (Tq·d), ∂Q (Tq·d), ∂K and ∂V (Tk·d).
        func reference() -> (p: [Double], context: [Double], dq: [Double], dk: [Double], dv: [Double]) {
            let d = headSize, s = Double(scale)
            var p = [Double](repeating: 0, count: queryTime * keyTime)
            var context = [Double](repeating: 0, count: queryTime * d)
            var dq = [Double](repeating: 0, count: queryTime * d)
            var dk = [Double](repeating: 0, count: keyTime * d), dv = dk
            for r in 0..<queryTime {
                let scores = (0..<keyTime).map { c in s * (0..<d).reduce(0.0) { $0 + q(r, $1) * k(c, $1) } }
                let top = scores.max() ?? 0
                let exps = scores.map { Foundation.exp($0 - top) }
                let total = exps.reduce(0, +)
                for c in 0..<keyTime { p[r * keyTime + c] = exps[c] / total }
                for j in 0..<d { context[r * d + j] = (0..<keyTime).reduce(0.0) { $0 + p[r * keyTime + $1] * v($1, j) } }
                let dp = (0..<keyTime).map { c in (0..<d).reduce(0.0) { $0 + g(r, $1) * v(c, $1) } }
                let dot = (0..<keyTime).reduce(0.0) { $0 + p[r * keyTime + $1] * dp[$1] }
                for c in 0..<keyTime {
                    let ds = s * p[r * keyTime + c] * (dp[c] - dot)
                    for j in 0..<d {
                        dq[r * d + j] += ds * k(c, j)
                        dk[c * d + j] += ds * q(r, j)
                        dv[c * d + j] += p[r * keyTime + c] * g(r, j)
                    }
                }
            }
            return (p, context, dq, dk, dv)
        }
    }

    static func expectClose(_ ours: Float, _ reference: Double, scale: Double, _ what: @autoclosure () -> String) {
        #expect(abs(Double(ours) - reference) <= 2e-5 * max(scale, 1), "\(what()): \(ours) vs \(reference)")
    }

    /// Adding into gradients of 0.25, or writing gradients that hold NaN (which must be ignored).
    @Test(arguments: [8, 16, 24, 32], [true, false])
    func forwardAndBackwardMatchDoubleReference(headSize d: Int, accumulates: Bool) {
        var random = SeededRandom(seed: UInt64(d))
        let initial: Float = accumulates ? 0.25 : .nan, base: Double = accumulates ? 0.25 : 0
        for (queryTime, keyTime) in Self.shapes {
            let head = Head(queryTime: queryTime, keyTime: keyTime, headSize: d, random: &random)
            let reference = head.reference()
            let width = head.width, stride = head.stride
            let sentinel: Float = -7
            // Outputs one column in from the left of rows `width` wide, so writes past d show.
            var weights = [Float](repeating: sentinel, count: queryTime * keyTime + 1)
            var context = [Float](repeating: sentinel, count: queryTime * width)
            var gradients = [Float](repeating: initial, count: max(queryTime, keyTime) * stride)
            var scratch = [Float](repeating: .nan, count: Float.fusedAttentionScratchCount(keyTime: keyTime, headSize: d))
            let handled = head.queries.withUnsafeBufferPointer { q in head.keys.withUnsafeBufferPointer { k in
                head.values.withUnsafeBufferPointer { v in head.upstream.withUnsafeBufferPointer { g in
                    weights.withUnsafeMutableBufferPointer { w in context.withUnsafeMutableBufferPointer { c in
                        gradients.withUnsafeMutableBufferPointer { grad in scratch.withUnsafeMutableBufferPointer { s in
                            let problem = AttentionHeadProblem(
                                query: q.baseAddress! + 1, queryStride: stride, key: k.baseAddress! + width + 1, keyStride: stride,
                                value: v.baseAddress! + 2 * width + 1, valueStride: stride, queryTime: queryTime, keyTime: keyTime,
                                headSize: d, scale: head.scale)
                            let forward = Float.fusedAttentionForward(problem, weights: w.baseAddress!, context: c.baseAddress! + 1,
                                                                      contextStride: width, scratch: s.baseAddress!)
                            let backward = Float.fusedAttentionBackward(
                                problem, weights: w.baseAddress!, contextGradient: g.baseAddress! + 2, contextGradientStride: width,
                                gradients: AttentionHeadGradients(
                                    query: grad.baseAddress! + 1, queryStride: stride, key: grad.baseAddress! + width + 1, keyStride: stride,
                                    value: grad.baseAddress! + 2 * width + 1, valueStride: stride, accumulates: accumulates),
                                scratch: s.baseAddress!)
                            return forward && backward
                        } }
                    } }
                } }
            } }
            #expect(handled, "d = \(d) must have a fused kernel")
            let shape = "Tq \(queryTime) Tk \(keyTime) d \(d)"
            for index in 0..<(queryTime * keyTime) { Self.expectClose(weights[index], reference.p[index], scale: 1, "\(shape) P[\(index)]") }
            #expect(weights[queryTime * keyTime] == sentinel, "\(shape): P written past its end")
            for r in 0..<queryTime {
                #expect(context[r * width] == sentinel && context[r * width + d + 1] == sentinel, "\(shape): context row \(r) outside its columns")
                for j in 0..<d { Self.expectClose(context[r * width + 1 + j], reference.context[r * d + j], scale: 1, "\(shape) context[\(r), \(j)]") }
            }
            let gradientScale = (reference.dq + reference.dk + reference.dv).map(abs).max() ?? 1
            for (rows, offset, expected, name) in [(queryTime, 1, reference.dq, "∂Q"), (keyTime, width + 1, reference.dk, "∂K"),
                                                   (keyTime, 2 * width + 1, reference.dv, "∂V")] {
                for t in 0..<rows {
                    #expect(gradients[t * stride + offset - 1].bitPattern == initial.bitPattern
                            && gradients[t * stride + offset + d].bitPattern == initial.bitPattern,
                            "\(shape): \(name) row \(t) outside its columns")
                    for j in 0..<d {
                        Self.expectClose(gradients[t * stride + offset + j], base + expected[t * d + j], scale: gradientScale,
                                         "\(shape) \(name)[\(t), \(j)] (accumulates \(accumulates))")
                    }
                }
            }
        }
    }

    @Test func headSizesWithoutAKernelAreDeclinedUntouched() {
        for d in [1, 4, 12, 20, 40, 64] {
            #expect(Float.fusedAttentionScratchCount(keyTime: 10, headSize: d) == 0)
            var weights = [Float](repeating: 3, count: 100), context = [Float](repeating: 3, count: 10 * d)
            let input = [Float](repeating: 1, count: 10 * d)
            var scratch = [Float](repeating: 0, count: 1)
            let handled = input.withUnsafeBufferPointer { x in
                Float.fusedAttentionForward(
                    AttentionHeadProblem(query: x.baseAddress!, queryStride: d, key: x.baseAddress!, keyStride: d, value: x.baseAddress!,
                                         valueStride: d, queryTime: 10, keyTime: 10, headSize: d, scale: 1),
                    weights: &weights, context: &context, contextStride: d, scratch: &scratch)
            }
            #expect(!handled && weights.allSatisfy { $0 == 3 } && context.allSatisfy { $0 == 3 }, "d = \(d)")
        }
        // Double (the gradient checks' type) always runs the separate products.
        #expect(Double.fusedAttentionScratchCount(keyTime: 10, headSize: 16) == 0)
    }
}
