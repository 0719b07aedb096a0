import Foundation
import Testing
@testable import Kernels

@Suite struct ElementwiseTests {
    static let edgeSizes = [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 48, 64, 80, 100, 500]

    /// The generic Swift row softmax, or the C kernel behind `Float.softmaxRows` (CKernels).
    enum SoftmaxKernel: CaseIterable { case swiftGeneric, cVectorExtensions }

    @Test(arguments: SoftmaxKernel.allCases)
    func softmaxMatchesReferenceAndIsStable(kernel: SoftmaxKernel) {
        var random = SeededRandom(seed: 2)
        for count in Self.edgeSizes {
            // Offsets of ±1000 would overflow a naive exp; the max-shift keeps it finite.
            for offset in [0.0, 1000.0, -1000.0] {
                let row = (0..<count).map { _ in random.uniform(-5, 5) + offset }
                var values = row.map(Float.init)
                values.withUnsafeMutableBufferPointer { buffer in
                    guard let pointer = buffer.baseAddress else { return }
                    switch kernel {
                    case .swiftGeneric: Elementwise.softmaxInPlace(pointer, count: count)
                    case .cVectorExtensions: Float.softmaxRows(pointer, rows: 1, columns: count)
                    }
                }
                let reference = Elementwise.naiveSoftmax(row.map { Double(Float($0)) })
                for index in 0..<count {
                    #expect(abs(Double(values[index]) - reference[index]) <= 1e-6 * max(reference[index], 1e-3),
                            "count \(count) offset \(offset) index \(index)")
                }
                if count > 0 { #expect(abs(values.reduce(0, +) - 1) < 1e-5, "count \(count) sums to \(values.reduce(0, +))") }
            }
        }
    }

    @Test func softmaxRowsAreIndependentAndKeepNaN() {
        var matrix: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        Float.softmaxRows(&matrix, rows: 2, columns: 10)
        #expect(abs(matrix[0..<10].reduce(0, +) - 1) < 1e-6 && matrix[0..<10].allSatisfy { !$0.isNaN })
        #expect(matrix[10..<20].allSatisfy { $0 == 0.1 })
        var diverged: [Float] = [1, .nan, 3]
        Float.softmaxRows(&diverged, rows: 1, columns: 3)
        #expect(diverged.allSatisfy { $0.isNaN }, "a NaN input must not give finite probabilities")
    }

    @Test func softmaxBackwardMatchesJacobian() {
        var random = SeededRandom(seed: 3)
        for count in Self.edgeSizes where count > 0 {
            var probabilities = (0..<count).map { _ in random.uniform(-2, 2) }
            probabilities.withUnsafeMutableBufferPointer { Elementwise.softmaxInPlace($0.baseAddress!, count: count) }
            let upstream = (0..<count).map { _ in random.uniform(-1, 1) }
            var gradient = [Double](repeating: 0.5, count: count)
            Elementwise.softmaxBackward(probabilities: probabilities, outputGradient: upstream, addingInto: &gradient, count: count)
            for i in 0..<count {
                var expected = 0.5
                for j in 0..<count { expected += upstream[j] * probabilities[j] * ((i == j ? 1 : 0) - probabilities[i]) }
                #expect(abs(gradient[i] - expected) < 1e-12, "count \(count) index \(i)")
            }
        }
    }

    @Test func reductionsOverEdgeShapes() {
        var random = SeededRandom(seed: 4)
        for rows in [0, 1, 3, 17] {
            for columns in Self.edgeSizes {
                let matrix = (0..<(rows * columns)).map { _ in Float(random.uniform(-1, 1)) }
                var sums = [Float](repeating: 1, count: columns)
                Elementwise.addColumnSums(of: matrix, rows: rows, columns: columns, into: &sums)
                for column in 0..<columns {
                    var expected = 1.0
                    for row in 0..<rows { expected += Double(matrix[row * columns + column]) }
                    #expect(abs(Double(sums[column]) - expected) < 1e-5, "rows \(rows) columns \(columns)")
                }
                // Float sums of n terms: error ~ n·ulp of the running magnitude, so relative to Σ|x|.
                let magnitude = matrix.reduce(0.0) { $0 + abs(Double($1)) }
                let total = Elementwise.sum(matrix, count: matrix.count)
                #expect(abs(Double(total) - matrix.reduce(0.0) { $0 + Double($1) }) < 1e-5 + 1e-6 * magnitude, "sum rows \(rows) columns \(columns)")
                let dot = Elementwise.dot(matrix, matrix, count: matrix.count)
                #expect(abs(Double(dot) - matrix.reduce(0.0) { $0 + Double($1) * Double($1) }) < 1e-5 + 1e-6 * magnitude,
                        "dot rows \(rows) columns \(columns)")
            }
        }
    }

    /// Strided row copies over edge widths: each row's values land exactly, nothing between rows
    /// (target stride > width) is touched, against an element-by-element reference.
    @Test func copyRowsOverEdgeShapes() {
        var random = SeededRandom(seed: 11)
        for width in Self.edgeSizes where width <= 100 {
            for rows in [0, 1, 3, 32] {
                let sourceStride = width + 5, targetStride = 2 * width + 3
                let source = (0..<(rows * sourceStride)).map { _ in Float(random.uniform(-1, 1)) }
                var target = [Float](repeating: -9, count: rows * targetStride + 1)
                var expected = target
                for row in 0..<rows {
                    for column in 0..<width { expected[row * targetStride + column] = source[row * sourceStride + column] }
                }
                source.withUnsafeBufferPointer { from in
                    target.withUnsafeMutableBufferPointer { to in
                        Float.copyRows(from: from.baseAddress!, sourceRowStride: sourceStride, rows: rows, width: width,
                                       into: to.baseAddress!, targetRowStride: targetStride)
                    }
                }
                #expect(target.map(\.bitPattern) == expected.map(\.bitPattern), "rows \(rows) width \(width)")
            }
        }
    }

    @Test func flushToZeroCanBeEnabled() {
        FloatingPointEnvironment.enableFlushToZero()
        #expect(FloatingPointEnvironment.flushToZeroEnabled)
        let tiny = Float.leastNormalMagnitude
        let product = tiny * Float(0.5)
        #expect(product == 0, "denormal result should flush to zero")
    }
}
