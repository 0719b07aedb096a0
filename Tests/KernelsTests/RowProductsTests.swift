import Testing
@testable import Kernels

/// The one-vector row products against Double references over edge shapes: widths around the
/// 16-lane blocks, zero or one row, and rows further apart than their width (strided views).
@Suite struct RowProductsTests {
    struct Case: CustomStringConvertible {
        var count, width, rowStride: Int
        var description: String { "count \(count) width \(width) stride \(rowStride)" }
    }

    static var cases: [Case] {
        var cases: [Case] = []
        for count in [0, 1, 3, 4, 5, 17] {
            for width in [1, 7, 16, 17, 33, 64, 80, 130] {
                for padding in [0, 5] { cases.append(Case(count: count, width: width, rowStride: width + padding)) }
            }
        }
        return cases
    }

    /// Dots with several vectors in one pass (four at a time, a short last group) give each score
    /// the bits of the one-vector `rowDots`, which is checked against Double below. For Float with
    /// sixteen lanes, widths that are multiples of 16 and four or eight vectors, that is the C kernel
    /// (`serieslens_row_dots_f32`, 4 rows × 4 vectors with their lane sums transposed), rows in
    /// groups of four with a short last one.
    @Test func severalVectorsGiveTheBitsOfOneAtATime() {
        var random = SeededRandom(seed: 22)
        for shape in Self.cases {
            let (count, width, stride) = (shape.count, shape.width, shape.rowStride)
            let matrix = (0..<max(count * stride, 1)).map { _ in Float(random.uniform(-1, 1)) }
            for vectorCount in [1, 2, 3, 4, 5, 8] {
                let vectorStride = width + 3, scoreStride = count + 2
                let vectors = (0..<(vectorCount * vectorStride)).map { _ in Float(random.uniform(-1, 1)) }
                var together = [Float](repeating: .nan, count: vectorCount * scoreStride)
                Float.rowDots(matrix, count: count, width: width, rowStride: stride, vectors: vectors, vectorCount: vectorCount,
                              vectorStride: vectorStride, bias: 0.5, into: &together, scoreStride: scoreStride)
                for v in 0..<vectorCount {
                    var alone = [Float](repeating: .nan, count: count)
                    Array(vectors[(v * vectorStride)...]).withUnsafeBufferPointer { vector in
                        Float.rowDots(matrix, count: count, width: width, rowStride: stride, vector: vector.baseAddress!, bias: 0.5, into: &alone)
                    }
                    let scores = Array(together[(v * scoreStride)..<(v * scoreStride + count)])
                    #expect(scores.map(\.bitPattern) == alone.map(\.bitPattern), "\(shape) vector \(v) of \(vectorCount)")
                    #expect(together[v * scoreStride + count].isNaN, "\(shape): nothing written past row \(count) of vector \(v)")
                }
            }
        }
    }

    @Test func matchDoubleReferences() {
        var random = SeededRandom(seed: 21)
        for shape in Self.cases {
            let (count, width, stride) = (shape.count, shape.width, shape.rowStride)
            let matrix = (0..<max(count * stride, 1)).map { _ in Float(random.uniform(-1, 1)) }
            let vector = (0..<width).map { _ in Float(random.uniform(-1, 1)) }
            let weights = (0..<count).map { _ in Float(random.uniform(-1, 1)) }
            let tolerance = 1e-5 * Double(max(width, count, 1))
            func element(_ t: Int, _ j: Int) -> Double { Double(matrix[t * stride + j]) }

            var dots = [Float](repeating: .nan, count: count)
            Float.rowDots(matrix, count: count, width: width, rowStride: stride, vector: vector, bias: 0.25, into: &dots)
            for t in 0..<count {
                let expected = 0.25 + (0..<width).reduce(0.0) { $0 + element(t, $1) * Double(vector[$1]) }
                #expect(abs(Double(dots[t]) - expected) < tolerance, "rowDots \(shape) row \(t)")
            }

            var sum = [Float](repeating: 1, count: width)
            Float.addWeightedRowSum(weights: weights, rows: matrix, count: count, width: width, rowStride: stride, into: &sum)
            for j in 0..<width {
                let expected = 1 + (0..<count).reduce(0.0) { $0 + Double(weights[$1]) * element($1, j) }
                #expect(abs(Double(sum[j]) - expected) < tolerance, "addWeightedRowSum \(shape) column \(j)")
            }

            var target = matrix
            Float.addOuterProduct(weights: weights, vector: vector, count: count, width: width, rowStride: stride, into: &target)
            for t in 0..<count {
                for j in 0..<stride {
                    // Inside each row's width: + w_t·v_j; the padding between rows is left alone.
                    let expected = element(t, j) + (j < width ? Double(weights[t]) * Double(vector[j]) : 0)
                    #expect(abs(Double(target[t * stride + j]) - expected) < 1e-6, "addOuterProduct \(shape) (\(t), \(j))")
                }
            }
            // The writing form ignores NaN garbage inside the rows and leaves the padding alone.
            var written = (0..<matrix.count).map { $0 % stride < width ? Float.nan : matrix[$0] }
            Float.outerProduct(weights: weights, vector: vector, count: count, width: width, rowStride: stride, into: &written)
            for t in 0..<count {
                for j in 0..<stride {
                    let expected = j < width ? Double(weights[t]) * Double(vector[j]) : element(t, j)
                    #expect(abs(Double(written[t * stride + j]) - expected) < 1e-6, "outerProduct \(shape) (\(t), \(j))")
                }
            }

            if stride == width {
                var gradient = [Float](repeating: .nan, count: count * width)
                Float.tanhScoreBackward(scoreGradient: weights, vector: vector, squashed: matrix, count: count, width: width, into: &gradient)
                for t in 0..<count {
                    for j in 0..<width {
                        let expected = Double(weights[t]) * Double(vector[j]) * (1 - element(t, j) * element(t, j))
                        #expect(abs(Double(gradient[t * width + j]) - expected) < 1e-6, "tanhScoreBackward \(shape) (\(t), \(j))")
                    }
                }
            }
        }
    }
}
