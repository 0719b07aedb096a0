import Benchmark
import Foundation
import Kernels
import Layers

/// Kernels at the shapes the seed model uses (B = 32, T = 500, H = 32, C = 1), each fast kernel
/// beside its naive reference under a paired name (`sgemm/blas/…` vs `sgemm/naive/…`), with
/// GFLOP/s (or Melem/s) as a custom metric.
let gigaflops = BenchmarkMetric.custom("GFLOP/s", polarity: .prefersLarger, useScalingFactor: false)
let megaelements = BenchmarkMetric.custom("Melem/s", polarity: .prefersLarger, useScalingFactor: false)

func randomFloats(_ count: Int, seed: UInt64) -> [Float] {
    var random = SeededRandom(seed: seed)
    return (0..<count).map { _ in Float(random.uniform(-1, 1)) }
}

/// Records a rate for the whole measured region: `work` units per iteration, in units of 1e9
/// (GFLOP/s) or 1e6 (Melem/s) as the metric's name says.
func recordRate(_ benchmark: Benchmark, _ metric: BenchmarkMetric, work: Double, start: ContinuousClock.Instant) {
    let elapsed = ContinuousClock.now - start
    let seconds = Double(elapsed.components.attoseconds) * 1e-18 + Double(elapsed.components.seconds)
    let iterations = Double(benchmark.scaledIterations.count)
    let scale = metric == gigaflops ? 1e9 : 1e6
    benchmark.measurement(metric, Int((work * iterations / seconds / scale).rounded()))
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, gigaflops, megaelements],
        warmupIterations: 3, maxDuration: .seconds(2), maxIterations: 10_000)
    FloatingPointEnvironment.enableFlushToZero()

    // (m, n, k, transposeA, transposeB, what it is in the LSTM)
    let shapes: [(Int, Int, Int, Bool, Bool, String)] = [
        (32, 128, 32, false, true, "recurrent step h·W_hhᵀ"),
        (32, 32, 128, false, false, "backward step ∂gates·W_hh"),
        (16_000, 128, 1, false, true, "input projection x·W_ihᵀ"),
        (128, 32, 16_000, true, false, "∂W_hh over all steps"),
        (16_000, 64, 64, false, true, "attention Linear 64→64"),
        (125, 64, 64, false, false, "cnn's Winograd F(4, 3) product per point and series"),
        (64, 64, 125, true, false, "its weight gradient per point and series"),
    ]
    for (m, n, k, transposeA, transposeB, _) in shapes {
        let a = randomFloats(m * k, seed: 1), b = randomFloats(k * n, seed: 2)
        let lda = transposeA ? m : k, ldb = transposeB ? k : n
        let flops = 2.0 * Double(m * n * k)
        // `small` is the register-blocked SmallGEMM the layers use (`multiplyAddTransposedA` for the
        // weight gradients): B is laid out k×n (for h·W_hhᵀ the layer transposes W_hh once per pass,
        // outside the timed call).
        let smallB: [Float] = transposeB ? (0..<k * n).map { index in b[(index % n) * ldb + index / n] } : b
        // `small-swift` is SmallGEMM with its 16-column panels in the Swift tiles instead of the C ones.
        for variant in ["blas", "small", "small-swift", "naive"]
        where variant != "naive" || m * n * k <= 2_000_000 {
            Benchmark("sgemm/\(variant)/\(m)x\(n)x\(k)") { benchmark in
                SmallGEMM.usesCTiles = variant != "small-swift"
                defer { SmallGEMM.usesCTiles = true }
                var c = [Float](repeating: 0, count: m * n)
                let start = ContinuousClock.now
                for _ in benchmark.scaledIterations {
                    c.withUnsafeMutableBufferPointer { c in
                        if variant == "blas" {
                            GEMM.multiply(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                          a: a, lda: lda, b: b, ldb: ldb, c: c.baseAddress!, ldc: n)
                        } else if variant.hasPrefix("small") && transposeA {
                            SmallGEMM.multiplyAddTransposedA(m: m, n: n, k: k, a: a, lda: lda, b: smallB, ldb: n, c: c.baseAddress!, ldc: n)
                        } else if variant.hasPrefix("small") {
                            SmallGEMM.multiplyAdd(m: m, n: n, k: k, a: a, lda: lda, b: smallB, ldb: n, c: c.baseAddress!, ldc: n)
                        } else {
                            GEMM.naiveGEMM(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                           a: a, lda: lda, b: b, ldb: ldb, c: c.baseAddress!, ldc: n)
                        }
                    }
                    blackHole(c)
                }
                recordRate(benchmark, gigaflops, work: flops, start: start)
            }
        }
    }

    let count = 32 * 128
    let activations: [(String, (SIMD16<Float>) -> SIMD16<Float>, (Float) -> Float)] = [
        ("exp", VectorMath.exp, { Foundation.exp($0) }),
        ("sigmoid", VectorMath.sigmoid, { 1 / (1 + Foundation.exp(-$0)) }),
        ("tanh", VectorMath.tanh, { Foundation.tanh($0) }),
    ]
    let bulkKernels: [String: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void] = [
        "sigmoid": { Float.sigmoid($0, $1, count: $2) }, "tanh": { Float.tanh($0, $1, count: $2) },
    ]
    for (name, vector, scalar) in activations {
        let input = randomFloats(count, seed: 3).map { $0 * 8 }
        Benchmark("\(name)/simd16/\(count)") { benchmark in
            var output = [Float](repeating: 0, count: count)
            let start = ContinuousClock.now
            for _ in benchmark.scaledIterations {
                input.withUnsafeBufferPointer { input in
                    output.withUnsafeMutableBufferPointer { output in
                        Elementwise.map(input.baseAddress!, output.baseAddress!, count: count, vector)
                    }
                }
                blackHole(output)
            }
            recordRate(benchmark, megaelements, work: Double(count), start: start)
        }
        if let bulk = bulkKernels[name] {
            Benchmark("\(name)/c-vector/\(count)") { benchmark in
                var output = [Float](repeating: 0, count: count)
                let start = ContinuousClock.now
                for _ in benchmark.scaledIterations {
                    bulk(input, &output, count)
                    blackHole(output)
                }
                recordRate(benchmark, megaelements, work: Double(count), start: start)
            }
        }
        Benchmark("\(name)/libm/\(count)") { benchmark in
            var output = [Float](repeating: 0, count: count)
            let start = ContinuousClock.now
            for _ in benchmark.scaledIterations {
                for index in 0..<count { output[index] = scalar(input[index]) }
                blackHole(output)
            }
            recordRate(benchmark, megaelements, work: Double(count), start: start)
        }
    }

    let batch = 32, hidden = 32
    // The C kernel the Float models run, beside the generic Swift SIMD16 cell (Double's path).
    let forwardCells: [(String, (UnsafeMutablePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void)] = [
        ("c-vector", { Float.lstmCellForward(gates: $0, previousCell: $1, cell: $2, tanhCell: $3, hidden: $4, batch: batch, hiddenSize: hidden) }),
        ("swift-simd16", { LSTMCell.forward(gates: $0, previousCell: $1, cell: $2, tanhCell: $3, hidden: $4, batch: batch, hiddenSize: hidden) }),
    ]
    for (variant, cellForward) in forwardCells {
        Benchmark("lstm-cell/forward/\(variant)/B\(batch)xH\(hidden)") { benchmark in
            var gates = randomFloats(batch * 4 * hidden, seed: 4)
            let previous = randomFloats(batch * hidden, seed: 5)
            var cell = [Float](repeating: 0, count: batch * hidden), tanhCell = cell, h = cell
            let original = gates
            let start = ContinuousClock.now
            for _ in benchmark.scaledIterations {
                gates = original
                cellForward(&gates, previous, &cell, &tanhCell, &h)
                blackHole(h)
            }
            recordRate(benchmark, megaelements, work: Double(batch * hidden), start: start)
        }
    }
    // 100 chained steps of one direction (C = 1): the fused step (product and cell per register tile)
    // against the product for all rows followed by the cell, as the LSTM ran them before.
    let steps = 100
    for variant in ["fused", "product+cell"] {
        Benchmark("lstm-step/forward/\(variant)/B\(batch)xH\(hidden)xC1x\(steps)steps") { benchmark in
            let x = randomFloats(steps * batch, seed: 13), inputWeightT = randomFloats(4 * hidden, seed: 14)
            let hiddenWeightT = randomFloats(hidden * 4 * hidden, seed: 15).map { 0.2 * $0 }, bias = randomFloats(4 * hidden, seed: 16)
            var states = [Float](repeating: 0, count: (steps + 1) * batch * hidden), cells = states
            var gates = [Float](repeating: 0, count: steps * batch * 4 * hidden), tanhCell = [Float](repeating: 0, count: steps * batch * hidden)
            let slab = batch * hidden
            let start = ContinuousClock.now
            for _ in benchmark.scaledIterations {
                states.withUnsafeMutableBufferPointer { h in cells.withUnsafeMutableBufferPointer { c in
                    gates.withUnsafeMutableBufferPointer { g in tanhCell.withUnsafeMutableBufferPointer { tc in
                        for t in 0..<steps {
                            let stepGates = g.baseAddress! + t * batch * 4 * hidden
                            if variant == "fused" {
                                _ = Float.fusedLSTMStepForward(
                                    LSTMStepOperands(input: x.withUnsafeBufferPointer { $0.baseAddress! } + t * batch, channels: 1,
                                                     inputWeightTransposed: inputWeightT, previousHidden: h.baseAddress! + t * slab,
                                                     hiddenWeightTransposed: hiddenWeightT, bias: bias, previousCell: c.baseAddress! + t * slab,
                                                     gates: stepGates, cell: c.baseAddress! + (t + 1) * slab, tanhCell: tc.baseAddress! + t * slab,
                                                     hidden: h.baseAddress! + (t + 1) * slab),
                                    batch: batch, hiddenSize: hidden)
                            } else {
                                Float.smallMultiplyPairAddingBias(
                                    m: batch, n: 4 * hidden, leadingK: 1, leadingA: x.withUnsafeBufferPointer { $0.baseAddress! } + t * batch,
                                    leadingLDA: 1, leadingB: inputWeightT, leadingLDB: 4 * hidden, k: hidden, a: h.baseAddress! + t * slab, lda: hidden,
                                    b: hiddenWeightT, ldb: 4 * hidden, bias: bias, c: stepGates, ldc: 4 * hidden)
                                Float.lstmCellForward(gates: stepGates, previousCell: c.baseAddress! + t * slab, cell: c.baseAddress! + (t + 1) * slab,
                                                      tanhCell: tc.baseAddress! + t * slab, hidden: h.baseAddress! + (t + 1) * slab,
                                                      batch: batch, hiddenSize: hidden)
                            }
                        }
                    } }
                } }
                blackHole(states)
            }
            recordRate(benchmark, gigaflops, work: Double(steps * 2 * batch * 4 * hidden * (1 + hidden)), start: start)
        }
    }
    let backwardCells: [(String, (UnsafeMutablePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void)] = [
        ("c-vector", { Float.lstmCellBackward(gates: $0, previousCell: $1, tanhCell: $2, hiddenGradient: $3, cellGradient: $4, batch: batch, hiddenSize: hidden,
                                                gateSums: nil, scalarInput: nil, scalarInputWeightGradient: nil) }),
        ("swift-simd16", { LSTMCell.backward(gates: $0, previousCell: $1, tanhCell: $2, hiddenGradient: $3, cellGradient: $4, batch: batch, hiddenSize: hidden) }),
    ]
    for (variant, cellBackward) in backwardCells {
        Benchmark("lstm-cell/backward/\(variant)/B\(batch)xH\(hidden)") { benchmark in
            var gates = randomFloats(batch * 4 * hidden, seed: 4).map { 0.5 + 0.4 * $0 }
            let previous = randomFloats(batch * hidden, seed: 5), tanhCell = randomFloats(batch * hidden, seed: 6)
            let dh = randomFloats(batch * hidden, seed: 7)
            var dc = [Float](repeating: 0, count: batch * hidden)
            let original = gates
            let start = ContinuousClock.now
            for _ in benchmark.scaledIterations {
                gates = original
                cellBackward(&gates, previous, tanhCell, dh, &dc)
                blackHole(gates)
            }
            recordRate(benchmark, megaelements, work: Double(batch * hidden), start: start)
        }
    }

    Benchmark("softmax/rows/32x500") { benchmark in
        let original = randomFloats(32 * 500, seed: 8)
        var rows = original
        let start = ContinuousClock.now
        for _ in benchmark.scaledIterations {
            rows = original
            Float.softmaxRows(&rows, rows: 32, columns: 500)
            blackHole(rows)
        }
        recordRate(benchmark, megaelements, work: Double(32 * 500), start: start)
    }

    // bilstm-multihead's pooling scores for one sample (T = 500 rows of D = 64, 4 heads): the C kernel
    // (4 rows × 4 vectors, their lane sums transposed) against the Swift loop, whose SIMD16 `sum()`
    // is a chain of scalar adds per score. Both give the same bits.
    let (poolTime, poolWidth, poolHeads) = (500, 64, 4)
    let poolRows = randomFloats(poolTime * poolWidth, seed: 21), poolVectors = randomFloats(poolHeads * poolWidth, seed: 22)
    for variant in ["c-transposed-sums", "swift-simd16"] {
        Benchmark("row-dots/\(variant)/T\(poolTime)xD\(poolWidth)x\(poolHeads)vectors") { benchmark in
            var scores = [Float](repeating: 0, count: poolHeads * poolTime)
            let start = ContinuousClock.now
            for _ in benchmark.scaledIterations {
                if variant == "c-transposed-sums" {
                    Float.rowDots(poolRows, count: poolTime, width: poolWidth, rowStride: poolWidth, vectors: poolVectors,
                                  vectorCount: poolHeads, vectorStride: poolWidth, bias: 0, into: &scores, scoreStride: poolTime)
                } else {
                    RowProducts.rowDots(poolRows, count: poolTime, width: poolWidth, rowStride: poolWidth, vectors: poolVectors,
                                        vectorCount: poolHeads, vectorStride: poolWidth, bias: 0, into: &scores, scoreStride: poolTime)
                }
                blackHole(scores)
            }
            recordRate(benchmark, gigaflops, work: Double(2 * poolTime * poolWidth * poolHeads), start: start)
        }
    }

    // An evaluation batch norm + ReLU applied in place to a Winograd block of the cnn's output (512
    // rows of 64 channels, in L1/L2): the C kernel against the Swift loop, which LLVM does not
    // vectorise in place.
    let (affineRows, affineChannels) = (512, 64)
    let affineInput = randomFloats(affineRows * affineChannels, seed: 23)
    let affineScale = randomFloats(affineChannels, seed: 24), affineShift = randomFloats(affineChannels, seed: 25)
    for variant in ["c-vector", "swift-loop"] {
        Benchmark("channel-affine/\(variant)/in-place/\(affineRows)x\(affineChannels)") { benchmark in
            var block = affineInput
            let start = ContinuousClock.now
            for _ in benchmark.scaledIterations {
                block.withUnsafeMutableBufferPointer { rows in
                    let pointer = rows.baseAddress!
                    if variant == "c-vector" {
                        Float.applyChannelAffine(pointer, rows: affineRows, columns: affineChannels, scale: affineScale, shift: affineShift,
                                                 rectify: true, output: pointer)
                    } else {
                        Normalization.applyChannelAffine(pointer, rows: affineRows, columns: affineChannels, scale: affineScale,
                                                         shift: affineShift, rectify: true, output: pointer)
                    }
                }
                blackHole(block)
            }
            recordRate(benchmark, megaelements, work: Double(affineRows * affineChannels), start: start)
        }
    }

    // posenc-attention's self-attention (D = 64, 4 heads of 16, T = 500) over 4 series, forward and
    // backward: the per-head fused kernels against the separate products and softmax passes.
    let (attentionBatch, attentionTime, attentionModel) = (4, 500, 64)
    let packed = randomFloats(attentionBatch * attentionTime * 3 * attentionModel, seed: 11)
    let contextGradient = randomFloats(attentionBatch * attentionTime * attentionModel, seed: 12)
    for variant in ["fused", "separate"] {
        Benchmark("attention/forward+backward/\(variant)/B\(attentionBatch)xT\(attentionTime)xD\(attentionModel)x4heads") { benchmark in
            let core = MultiHeadAttentionCore<Float>(modelSize: attentionModel, heads: 4)
            core.usesFusedKernels = variant == "fused"
            var input = packed
            var gradients = [Float](repeating: 0, count: packed.count)
            var context = [Float](repeating: 0, count: contextGradient.count)
            let stride = 3 * attentionModel, sampleStride = attentionTime * stride
            let start = ContinuousClock.now
            for _ in benchmark.scaledIterations {
                input.withUnsafeMutableBufferPointer { x in
                    gradients.withUnsafeMutableBufferPointer { g in
                        context.withUnsafeMutableBufferPointer { c in
                            let views = (0..<3).map { StridedRows(x.baseAddress! + $0 * attentionModel, rowStride: stride, batchStride: sampleStride) }
                            let gradientViews = (0..<3).map { StridedRows(g.baseAddress! + $0 * attentionModel, rowStride: stride, batchStride: sampleStride) }
                            core.forward(query: views[0], key: views[1], value: views[2], batch: attentionBatch,
                                         queryTime: attentionTime, keyTime: attentionTime, context: c.baseAddress!)
                            core.backward(contextGradient: contextGradient, query: views[0], key: views[1], value: views[2],
                                          queryGradient: gradientViews[0], keyGradient: gradientViews[1], valueGradient: gradientViews[2],
                                          batch: attentionBatch, queryTime: attentionTime, keyTime: attentionTime)
                        }
                    }
                }
                blackHole(context)
            }
            // Two products forward, four backward, 2·T·T·(D/heads) FLOPs each, per head and series.
            recordRate(benchmark, gigaflops, work: 6 * 2 * Double(attentionBatch * attentionTime * attentionTime * attentionModel), start: start)
        }
    }

    // The cnn's second convolution (32 → 64 channels, kernel 5) over a batch of 32 series of 500:
    // the sliding-window products the layer runs (pad once, one product per series with
    // overlapping rows) against the direct definition, four nested loops.
    let (convBatch, convTime, convIn, convOut, convKernel) = (32, 500, 32, 64, 5)
    let convFLOPs = 2.0 * Double(convBatch * convTime * convOut * convIn * convKernel)
    let convInput = randomFloats(convBatch * convTime * convIn, seed: 9)
    let convWeight = randomFloats(convOut * convIn * convKernel, seed: 10)
    let left = (convKernel - 1) / 2, paddedTime = convTime + convKernel - 1
    Benchmark("conv1d/sliding-window/B\(convBatch)xT\(convTime)xC\(convIn)xO\(convOut)xK\(convKernel)") { benchmark in
        var padded = [Float](repeating: 0, count: convBatch * paddedTime * convIn)
        var window = [Float](repeating: 0, count: convKernel * convIn * convOut)
        var output = [Float](repeating: 0, count: convBatch * convTime * convOut)
        let bias = [Float](repeating: 0, count: convOut)
        let start = ContinuousClock.now
        for _ in benchmark.scaledIterations {
            Float.padSeries(convInput, batch: convBatch, time: convTime, channels: convIn, before: left, after: convKernel - 1 - left, into: &padded)
            Float.windowWeights(convWeight, outputChannels: convOut, channels: convIn, kernel: convKernel, flipped: false, into: &window)
            padded.withUnsafeBufferPointer { x in
                output.withUnsafeMutableBufferPointer { y in
                    for b in 0..<convBatch {
                        SmallGEMM.multiplyAddingBias(
                            m: convTime, n: convOut, k: convKernel * convIn, a: x.baseAddress! + b * paddedTime * convIn, lda: convIn,
                            b: window, ldb: convOut, bias: bias, c: y.baseAddress! + b * convTime * convOut, ldc: convOut)
                    }
                }
            }
            blackHole(output)
        }
        recordRate(benchmark, gigaflops, work: convFLOPs, start: start)
    }
    // The layer's forward pass with each algorithm, both rated by the direct definition's FLOPs:
    // Winograd F(4, 5) does 2/5 of those multiply-adds (plus its transforms), so its "GFLOP/s" is
    // the rate of the convolution, not of the arithmetic it runs.
    for algorithm in [ConvolutionAlgorithm.direct, .winograd(outputsPerTile: 4)] {
        let label = algorithm == .direct ? "direct-layer" : "winograd-F(4,\(convKernel))-layer"
        Benchmark("conv1d/\(label)/B\(convBatch)xT\(convTime)xC\(convIn)xO\(convOut)xK\(convKernel)") { benchmark in
            let layer = Conv1D<Float>(name: "conv", inputChannels: convIn, outputChannels: convOut, kernelSize: convKernel, algorithm: algorithm)
            var layout = ParameterLayout()
            layer.declareParameters(in: &layout)
            let parameters = ParameterStore<Float>(layout: layout)
            var random = SeededRandom(seed: 11)
            layer.initializeParameters(parameters, random: &random)
            var output = [Float](repeating: 0, count: convBatch * convTime * convOut)
            let shape = ActivationShape(time: convTime, features: convIn)
            let start = ContinuousClock.now
            for _ in benchmark.scaledIterations {
                convInput.withUnsafeBufferPointer { x in
                    output.withUnsafeMutableBufferPointer { y in
                        layer.forward(x.baseAddress!, shape: shape, batch: convBatch, output: y.baseAddress!, parameters: parameters, training: false)
                    }
                }
                blackHole(output)
            }
            recordRate(benchmark, gigaflops, work: convFLOPs, start: start)
        }
    }
    Benchmark("conv1d/naive/B\(convBatch)xT\(convTime)xC\(convIn)xO\(convOut)xK\(convKernel)",
              configuration: .init(metrics: [.wallClock, .throughput, gigaflops, megaelements], warmupIterations: 0,
                                   maxDuration: .seconds(2), maxIterations: 3)) { benchmark in
        var output = [Float](repeating: 0, count: convBatch * convTime * convOut)
        let start = ContinuousClock.now
        for _ in benchmark.scaledIterations {
            for b in 0..<convBatch {
                for t in 0..<convTime {
                    for o in 0..<convOut {
                        var sum: Float = 0
                        for c in 0..<convIn {
                            for k in 0..<convKernel where (0..<convTime).contains(t + k - left) {
                                sum += convWeight[(o * convIn + c) * convKernel + k] * convInput[(b * convTime + t + k - left) * convIn + c]
                            }
                        }
                        output[(b * convTime + t) * convOut + o] = sum
                    }
                }
            }
            blackHole(output)
        }
        recordRate(benchmark, gigaflops, work: convFLOPs, start: start)
    }
}
