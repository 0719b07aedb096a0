import Testing
@testable import Kernels

/// The register-blocked recurrence product against the Double definition, over shapes that cross
/// every tile boundary: rows around the 6-row tile, columns around the 16- and 8-wide tiles and the
/// scalar tail, padded leading dimensions; C accumulated onto, or started from a bias row.
@Suite struct SmallGEMMTests {
    @Test func matchesDoubleReferenceOverEdgeShapes() {
        var random = SeededRandom(seed: 7)
        for m in [0, 1, 2, 4, 5, 6, 7, 10, 12, 13, 32, 61] {
            for n in [0, 1, 7, 8, 9, 15, 16, 17, 24, 31, 32, 128] {
                for k in [0, 1, 3, 32, 128] {
                    let padding = 3
                    let lda = k + padding, ldb = n + padding, ldc = n + padding
                    let a = (0..<max(m * lda, 1)).map { _ in Float(random.uniform(-1, 1)) }
                    let b = (0..<max(k * ldb, 1)).map { _ in Float(random.uniform(-1, 1)) }
                    let start = (0..<max(m * ldc, 1)).map { _ in Float(random.uniform(-1, 1)) }
                    let bias = (0..<max(n, 1)).map { _ in Float(random.uniform(-1, 1)) }
                    for startsFromBias in [false, true] {
                    var fast = start, reference = start
                    fast.withUnsafeMutableBufferPointer { c in
                        if startsFromBias {
                            SmallGEMM.multiplyAddingBias(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, bias: bias, c: c.baseAddress!, ldc: ldc)
                        } else {
                            SmallGEMM.multiplyAdd(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c.baseAddress!, ldc: ldc)
                        }
                    }
                    if startsFromBias {
                        for row in 0..<m { for column in 0..<n { reference[row * ldc + column] = bias[column] } }
                    }
                    reference.withUnsafeMutableBufferPointer { c in
                        GEMM.naiveGEMM(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: 1, c: c.baseAddress!, ldc: ldc)
                    }
                    // k ≤ 128 Float products of magnitude ≤ 1: error ≤ k·2^-24·Σ|terms| ≲ 1e-3 in the worst
                    // case; in practice ~1e-5.
                    var worst: Float = 0
                    for index in 0..<fast.count { worst = max(worst, abs(fast[index] - reference[index])) }
                    #expect(worst <= 5e-5, "m=\(m) n=\(n) k=\(k) bias=\(startsFromBias): max error \(worst)")
                    for row in 0..<m {
                        for column in n..<ldc {
                            #expect(fast[row * ldc + column] == start[row * ldc + column], "padding written for m=\(m) n=\(n) k=\(k)")
                        }
                    }
                    }
                }
            }
        }
    }

    /// bias + A₀·B₀ + A·B in one pass: the same bits as the two products in sequence (what the LSTM
    /// step did before and the Double path still does), and within rounding of the Double definition.
    @Test func leadingProductMatchesTwoProductsBitForBit() {
        var random = SeededRandom(seed: 8)
        for m in [0, 1, 4, 5, 6, 7, 10, 32] {
            for n in [1, 7, 8, 9, 16, 17, 128] {
                for (leadingK, k) in [(0, 3), (1, 0), (1, 32), (3, 7), (6, 33)] {
                    let lda0 = leadingK + 1, lda = k + 2, ldb0 = n + 1, ldb = n + 3, ldc = n + 2
                    let a0 = (0..<max(m * lda0, 1)).map { _ in Float(random.uniform(-1, 1)) }
                    let b0 = (0..<max(leadingK * ldb0, 1)).map { _ in Float(random.uniform(-1, 1)) }
                    let a = (0..<max(m * lda, 1)).map { _ in Float(random.uniform(-1, 1)) }
                    let b = (0..<max(k * ldb, 1)).map { _ in Float(random.uniform(-1, 1)) }
                    let bias = (0..<n).map { _ in Float(random.uniform(-1, 1)) }
                    let start = (0..<max(m * ldc, 1)).map { _ in Float(random.uniform(-1, 1)) }
                    var fused = start, sequential = start, reference = start
                    fused.withUnsafeMutableBufferPointer { c in
                        SmallGEMM.multiplyAddingBias(
                            m: m, n: n, leading: SmallGEMM.LeadingProduct(k: leadingK, a: a0, lda: lda0, b: b0, ldb: ldb0),
                            k: k, a: a, lda: lda, b: b, ldb: ldb, bias: bias, c: c.baseAddress!, ldc: ldc)
                    }
                    sequential.withUnsafeMutableBufferPointer { c in
                        SmallGEMM.multiplyAddingBias(m: m, n: n, k: leadingK, a: a0, lda: lda0, b: b0, ldb: ldb0, bias: bias, c: c.baseAddress!, ldc: ldc)
                        SmallGEMM.multiplyAdd(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c.baseAddress!, ldc: ldc)
                    }
                    for row in 0..<m { for column in 0..<n { reference[row * ldc + column] = bias[column] } }
                    reference.withUnsafeMutableBufferPointer { c in
                        GEMM.naiveGEMM(m: m, n: n, k: leadingK, a: a0, lda: lda0, b: b0, ldb: ldb0, beta: 1, c: c.baseAddress!, ldc: ldc)
                        GEMM.naiveGEMM(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: 1, c: c.baseAddress!, ldc: ldc)
                    }
                    let shape = "m=\(m) n=\(n) k₀=\(leadingK) k=\(k)"
                    #expect(fused == sequential, "\(shape): fused product differs from the two products")
                    let worst = zip(fused, reference).map { abs($0 - $1) }.max() ?? 0
                    #expect(worst <= 5e-5, "\(shape): max error \(worst)")
                }
            }
        }
    }

    @Test func transposedAMatchesDoubleReference() {
        var random = SeededRandom(seed: 9)
        // k crosses the 256-row chunk; m and n cross the tiles.
        for (m, n, k) in [(1, 1, 1), (5, 7, 3), (6, 16, 255), (7, 17, 256), (13, 32, 257), (128, 32, 600), (64, 64, 513), (3, 9, 0)] {
            let lda = m + 2, ldb = n + 1, ldc = n + 3
            let a = (0..<max(k * lda, 1)).map { _ in Float(random.uniform(-1, 1)) }
            let b = (0..<max(k * ldb, 1)).map { _ in Float(random.uniform(-1, 1)) }
            let start = (0..<max(m * ldc, 1)).map { _ in Float(random.uniform(-1, 1)) }
            var fast = start, reference = start
            fast.withUnsafeMutableBufferPointer { c in
                SmallGEMM.multiplyAddTransposedA(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c.baseAddress!, ldc: ldc)
            }
            reference.withUnsafeMutableBufferPointer { c in
                GEMM.naiveGEMM(transposeA: true, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: 1, c: c.baseAddress!, ldc: ldc)
            }
            var worst: Float = 0
            for index in 0..<fast.count { worst = max(worst, abs(fast[index] - reference[index])) }
            // k ≤ 600 products of magnitude ≤ 1 summed in Float: ~k·2^-24·√k in practice.
            #expect(worst <= 2e-4, "m=\(m) n=\(n) k=\(k): max error \(worst)")
            for row in 0..<m {
                for column in n..<ldc { #expect(fast[row * ldc + column] == start[row * ldc + column]) }
            }
        }
    }

    /// Operands past 2 MiB (an LSTM's ∂W_hh over B·T rows) go through packed panels of A: the same
    /// sums in the same order as the in-place chunks, so the same bits, and right against Double.
    @Test func packedPanelsMatchInPlaceChunksAndDoubleReference() {
        var random = SeededRandom(seed: 11)
        for (m, n, k) in [(7, 9, 1), (13, 37, 100), (128, 32, 256), (61, 17, 255), (12, 8, 3)] {
            let lda = m + 2, ldb = n + 1, ldc = n + 3
            let a = (0..<(k * lda)).map { _ in Float(random.uniform(-1, 1)) }
            let b = (0..<(k * ldb)).map { _ in Float(random.uniform(-1, 1)) }
            let start = (0..<(m * ldc)).map { _ in Float(random.uniform(-1, 1)) }
            var packed = start, inPlace = start
            var panels = [Float](repeating: .nan, count: (m + 5) / 6 * SmallGEMM.panelStride(k: k))
            panels.withUnsafeMutableBufferPointer { SmallGEMM.packTransposedPanels(m: m, k: k, a: a, lda: lda, into: $0.baseAddress!) }
            packed.withUnsafeMutableBufferPointer { c in
                SmallGEMM.transposedPackedChunk(m: m, n: n, k: k, panels: panels, b: b, ldb: ldb, c: c.baseAddress!, ldc: ldc)
            }
            inPlace.withUnsafeMutableBufferPointer { c in
                SmallGEMM.transposedChunk(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c.baseAddress!, ldc: ldc)
            }
            #expect(packed == inPlace, "m=\(m) n=\(n) k=\(k): packed panels differ from the in-place chunk")
        }
        // Each half of k (the sum splits at 2048 rows) past 2 MiB of A and B rows, so it streams.
        for (m, n, k) in [(13, 37, 22_000), (128, 32, 8_400), (7, 9, 80_000)] {
            let lda = m + 2, ldb = n + 1, ldc = n + 3
            #expect(SmallGEMM.streams(k: k / 2, lda: lda, ldb: ldb), "m=\(m) n=\(n) k=\(k) must stream")
            let a = (0..<(k * lda)).map { _ in Float(random.uniform(-1, 1)) }
            let b = (0..<(k * ldb)).map { _ in Float(random.uniform(-1, 1)) }
            var fast = [Float](repeating: 0.5, count: m * ldc)
            fast.withUnsafeMutableBufferPointer { c in
                SmallGEMM.multiplyAddTransposedA(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c.baseAddress!, ldc: ldc)
            }
            var worst = 0.0
            for row in 0..<m {
                for column in 0..<ldc {
                    var expected = 0.5
                    if column < n { for inner in 0..<k { expected += Double(a[inner * lda + row]) * Double(b[inner * ldb + column]) } }
                    worst = max(worst, abs(Double(fast[row * ldc + column]) - expected))
                }
            }
            // Sums of k products of magnitude ≤ 1, |sum| ≈ √k / 3: Float rounding stays far below 5e-7·k,
            // while a wrong or missing term is off by ~0.3 or more.
            #expect(worst <= 5e-7 * Double(k), "m=\(m) n=\(n) k=\(k): max error \(worst)")
        }
    }

    /// The C tiles (`SmallGEMM.usesCTiles`) against the Swift tiles they replace: the same sums in
    /// the same order, so the same bits, for A·B from C or from a bias row, in rows-outer order and in
    /// row blocks over overlapping windows (lda < k, a convolution's), and for Aᵀ·B chunks, in place
    /// and from packed panels. With AVX-512 the C tiles take 32-column panels of sixteen lanes, then
    /// a 16-column one of eight (n = 48, 80 mix the two).
    @Test func cTilesMatchSwiftTilesBitForBit() {
        var random = SeededRandom(seed: 12)
        for m in [1, 4, 5, 6, 7, 13, 61, 125] {
            for n in [16, 17, 24, 32, 47, 48, 64, 80, 128] {
                for (k, lda) in [(1, 1), (7, 9), (16, 16), (32, 35), (64, 64), (160, 32), (192, 64)] {
                    let ldb = n + 1, ldc = n + 2
                    let a = (0..<((m - 1) * lda + k)).map { _ in Float(random.uniform(-1, 1)) }
                    let b = (0..<(k * ldb)).map { _ in Float(random.uniform(-1, 1)) }
                    let bias = (0..<n).map { _ in Float(random.uniform(-1, 1)) }
                    let start = (0..<(m * ldc)).map { _ in Float(random.uniform(-1, 1)) }
                    for startsFromBias in [false, true] {
                        var viaC = start, viaSwift = start
                        for (useC, target) in [(true, 0), (false, 1)] {
                            var c = target == 0 ? viaC : viaSwift
                            c.withUnsafeMutableBufferPointer { c in
                                bias.withUnsafeBufferPointer { bias in
                                    SmallGEMM.multiplyRows(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                                                           rowInitial: startsFromBias ? bias.baseAddress! : nil, leading: nil,
                                                           c: c.baseAddress!, ldc: ldc, cTiles: useC)
                                }
                            }
                            if target == 0 { viaC = c } else { viaSwift = c }
                        }
                        #expect(viaC == viaSwift, "A·B m=\(m) n=\(n) k=\(k) lda=\(lda) bias=\(startsFromBias)")
                    }
                    // Aᵀ·B: A (k × m) with rows m + 3 apart.
                    let transposedA = (0..<(k * (m + 3))).map { _ in Float(random.uniform(-1, 1)) }
                    var viaC = start, viaSwift = start
                    viaC.withUnsafeMutableBufferPointer { c in
                        SmallGEMM.transposedChunk(m: m, n: n, k: k, a: transposedA, lda: m + 3, b: b, ldb: ldb, c: c.baseAddress!, ldc: ldc, cTiles: true)
                    }
                    viaSwift.withUnsafeMutableBufferPointer { c in
                        SmallGEMM.transposedChunk(m: m, n: n, k: k, a: transposedA, lda: m + 3, b: b, ldb: ldb, c: c.baseAddress!, ldc: ldc, cTiles: false)
                    }
                    #expect(viaC == viaSwift, "Aᵀ·B m=\(m) n=\(n) k=\(k)")
                    var panels = [Float](repeating: .nan, count: (m + 5) / 6 * SmallGEMM.panelStride(k: k))
                    panels.withUnsafeMutableBufferPointer {
                        SmallGEMM.packTransposedPanels(m: m, k: k, a: transposedA, lda: m + 3, into: $0.baseAddress!)
                    }
                    var packedC = start, packedSwift = start
                    packedC.withUnsafeMutableBufferPointer { c in
                        SmallGEMM.transposedPackedChunk(m: m, n: n, k: k, panels: panels, b: b, ldb: ldb, c: c.baseAddress!, ldc: ldc, cTiles: true)
                    }
                    packedSwift.withUnsafeMutableBufferPointer { c in
                        SmallGEMM.transposedPackedChunk(m: m, n: n, k: k, panels: panels, b: b, ldb: ldb, c: c.baseAddress!, ldc: ldc, cTiles: false)
                    }
                    #expect(packedC == viaSwift && packedSwift == viaSwift, "packed Aᵀ·B m=\(m) n=\(n) k=\(k)")
                }
            }
        }
    }

    @Test func floatAndDoubleRouteThroughTheProtocol() {
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [5, 6, 7, 8]
        var c: [Float] = [1, 1, 1, 1]
        c.withUnsafeMutableBufferPointer { c in
            Float.smallMultiplyAdd(m: 2, n: 2, k: 2, a: a, lda: 2, b: b, ldb: 2, c: c.baseAddress!, ldc: 2)
        }
        #expect(c == [20, 23, 44, 51])
        let ad: [Double] = [1, 2, 3, 4], bd: [Double] = [5, 6, 7, 8]
        var cd: [Double] = [1, 1, 1, 1]
        cd.withUnsafeMutableBufferPointer { c in
            Double.smallMultiplyAdd(m: 2, n: 2, k: 2, a: ad, lda: 2, b: bd, ldb: 2, c: c.baseAddress!, ldc: 2)
        }
        #expect(cd == [20, 23, 44, 51])
    }
}
