import Testing
@testable import Kernels

/// im2col + GEMM against the direct definition of PyTorch's Conv1d (weight (O, C, K), zero padding),
/// and col2im as its exact adjoint: ⟨im2col(x), G⟩ = ⟨x, col2im(G)⟩ for every x and G.
@Suite struct ConvolutionTests {
    @Test func im2colGEMMIsConvolutionAndCol2imIsItsAdjoint() {
        var random = SeededRandom(seed: 14)
        for batch in [0, 1, 2] {
            for time in [0, 1, 2, 3, 7, 9] {
                for channels in [1, 2, 3, 17] {
                    for kernel in [1, 2, 3, 5, 8] {
                        let left = (kernel - 1) / 2, outputTime = time  // "same" padding
                        let outputs = 3, width = channels * kernel, shape = "B\(batch) T\(time) C\(channels) K\(kernel)"
                        let x = (0..<(batch * time * channels)).map { _ in random.uniform(-1, 1) }
                        let w = (0..<(outputs * width)).map { _ in random.uniform(-1, 1) }
                        var columns = [Double](repeating: .nan, count: batch * outputTime * width)
                        Convolution.im2col(x, batch: batch, time: time, channels: channels, kernel: kernel,
                                           leftPadding: left, outputTime: outputTime, columns: &columns)
                        var y = [Double](repeating: 0, count: batch * outputTime * outputs)
                        GEMM.multiply(transposeB: true, m: batch * outputTime, n: outputs, k: width, a: columns, lda: width,
                                      b: w, ldb: width, c: &y, ldc: outputs)
                        for b in 0..<batch {
                            for t in 0..<outputTime {
                                for o in 0..<outputs {
                                    var expected = 0.0
                                    for c in 0..<channels {
                                        for k in 0..<kernel where (0..<time).contains(t + k - left) {
                                            expected += w[(o * channels + c) * kernel + k] * x[(b * time + t + k - left) * channels + c]
                                        }
                                    }
                                    #expect(abs(y[(b * outputTime + t) * outputs + o] - expected) < 1e-12, "conv \(shape)")
                                }
                            }
                        }
                        let upstream = (0..<columns.count).map { _ in random.uniform(-1, 1) }
                        var dx = [Double](repeating: 0, count: x.count)
                        Convolution.col2imAdding(upstream, batch: batch, time: time, channels: channels, kernel: kernel,
                                                 leftPadding: left, outputTime: outputTime, into: &dx)
                        let lhs = zip(columns, upstream).map(*).reduce(0, +), rhs = zip(x, dx).map(*).reduce(0, +)
                        #expect(abs(lhs - rhs) < 1e-10, "col2im adjoint \(shape)")
                    }
                }
            }
        }
    }
}
