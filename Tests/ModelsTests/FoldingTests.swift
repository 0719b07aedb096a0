import Foundation
import Testing
@testable import Kernels
@testable import Layers
@testable import Models

/// `SequentialClassifier.foldsBatchNormReLU` and `writesInputGradients`: a model with each ReLU
/// folded into the batch norm before it, and with convolutions and batch norms writing their input
/// gradients into unzeroed buffers, must give the same logits, importance map, parameter gradients,
/// input gradient and running statistics as the cnn with separate ReLU layers adding into zeroed
/// buffers — bit for bit, since the kernels do the same arithmetic in the same order.
@Suite struct FoldingTests {
    struct Pass: Equatable {
        var logits: [Float], importance: [Float], gradients: [Float], inputGradient: [Float], state: [Float]
    }

    static func pass(
        _ name: String, folded: Bool, writes: Bool, training: Bool, threads: Int, evaluationFold: Bool = true
    ) throws -> Pass {
        let batch = 5, time = 37, channels = 2
        let model: SequentialClassifier<Float> = try ModelCatalog.make(name, inputChannels: channels, classCount: 2, length: time, pluginDirectories: [])
        model.initialize(seed: 3)
        model.foldsBatchNormReLU = folded
        model.writesInputGradients = writes
        model.foldsEvaluationBatchNorm = evaluationFold
        model.threads = threads
        defer { model.threads = 1 }
        var random = SeededRandom(seed: 5)
        // Non-trivial batch-norm affine parameters, so the ReLUs cut in different places per channel.
        for index in 0..<model.parameters.count { model.parameters.values.storage[index] += Float(random.uniform(-0.3, 0.3)) }
        let input = (0..<(batch * time * channels)).map { _ in Float(random.uniform(-1, 1)) }
        let upstream = (0..<batch).map { _ in Float(random.uniform(-1, 1)) }
        return try input.withUnsafeBufferPointer { x in
            // Garbage in every gradient buffer, which a written gradient must ignore.
            _ = try model.forward(x.baseAddress!, batch: batch, time: time, training: false)
            let garbage = [Float](repeating: .nan, count: batch)
            _ = garbage.withUnsafeBufferPointer { model.backward(logitGradient: $0.baseAddress!, inputGradient: true) }
            let logits = try model.forward(x.baseAddress!, batch: batch, time: time, training: training)
            let logitValues = Array(UnsafeBufferPointer(start: logits, count: batch))
            let importance = model.importance.map { Array(UnsafeBufferPointer(start: $0, count: batch * time)) } ?? []
            model.parameters.zeroGradients()
            let dx = upstream.withUnsafeBufferPointer { model.backward(logitGradient: $0.baseAddress!, inputGradient: true)! }
            return Pass(logits: logitValues, importance: importance, gradients: model.parameters.gradients.array,
                        inputGradient: Array(UnsafeBufferPointer(start: dx, count: input.count)), state: model.parameters.state.array)
        }
    }

    /// The cnn (folding, convolutions and batch norms writing), the seed model (attention writing),
    /// posenc-attention (the encoder writing) and ffn (dense layers writing). The reference also runs
    /// its evaluation batch norms as passes of their own (`foldsEvaluationBatchNorm` off); the cnn's
    /// first convolution is direct and the others Winograd, so both apply a folded batch norm, and
    /// an evaluation forward's backward runs after the fold.
    @Test(arguments: ["cnn", "bilstm-attention", "posenc-attention", "ffn"], [(true, 1), (false, 1), (true, 2), (false, 2)])
    func foldedAndWrittenGiveTheSameBits(model: String, mode: (training: Bool, threads: Int)) throws {
        let (training, threads) = mode
        let separate = try Self.pass(model, folded: false, writes: false, training: training, threads: threads, evaluationFold: false)
        #expect(separate.gradients.contains { $0 != 0 } && !separate.inputGradient.contains { $0.isNaN }, "a clean reference")
        for (folded, writes) in [(false, false), (true, false), (false, true), (true, true)] {
            let fast = try Self.pass(model, folded: folded, writes: writes, training: training, threads: threads)
            let what = "\(model) folded \(folded), written \(writes), training \(training), threads \(threads)"
            #expect(fast.logits == separate.logits, "logits, \(what)")
            #expect(fast.importance == separate.importance, "class activation map, \(what)")
            #expect(fast.gradients == separate.gradients, "parameter gradients, \(what)")
            #expect(fast.inputGradient == separate.inputGradient, "input gradient, \(what)")
            #expect(fast.state == separate.state, "running statistics after the forward, \(what)")
        }
    }

    /// The thread count never changes a bit, for every built-in model.
    @Test(arguments: ["cnn", "bilstm-attention", "bilstm-multihead", "posenc-attention", "ffn"], [true, false])
    func oneAndTwoThreadsGiveTheSameBits(model: String, training: Bool) throws {
        let one = try Self.pass(model, folded: true, writes: true, training: training, threads: 1)
        let two = try Self.pass(model, folded: true, writes: true, training: training, threads: 2)
        #expect(one == two, "\(model), training \(training)")
    }

    /// `foldsEmbeddingIntoEncoder`: posenc-attention with its embedding and positions folded into the
    /// encoder computes the same logits, parameter gradients and input gradient as the three layers
    /// run one after another — in Double to 1e-12 relative, since the folded block sums in another
    /// order — for one channel, several, and the widest that folds (C = D/4 = 16), training and
    /// evaluating, adding into and writing the input gradient, on one and two threads.
    @Test(arguments: [1, 3, 16], [(true, 1), (false, 2), (true, 2)])
    func embeddingFoldedIntoTheEncoderComputesTheSameFunction(channels: Int, mode: (training: Bool, threads: Int)) throws {
        let batch = 3, time = 29
        func pass(folded: Bool, writes: Bool) throws -> (logits: [Double], gradients: [Double], inputGradient: [Double]) {
            let model: SequentialClassifier<Double> = try ModelCatalog.make(
                "posenc-attention", inputChannels: channels, length: time, as: Double.self)
            model.initialize(seed: 7)
            model.foldsEmbeddingIntoEncoder = folded
            model.writesInputGradients = writes
            model.threads = mode.threads
            defer { model.threads = 1 }
            #expect(model.foldedInto(0) == (folded ? 2 : nil) && model.foldedInto(1) == (folded ? 2 : nil))
            var random = SeededRandom(seed: 9)
            // Non-zero biases everywhere (PyTorch starts the attention's at zero).
            for index in 0..<model.parameters.count { model.parameters.values.storage[index] += random.uniform(-0.2, 0.2) }
            let input = (0..<(batch * time * channels)).map { _ in random.uniform(-2, 2) }
            let upstream = (0..<batch).map { _ in random.uniform(-1, 1) }
            return try input.withUnsafeBufferPointer { x in
                let logits = try model.forward(x.baseAddress!, batch: batch, time: time, training: mode.training)
                let values = Array(UnsafeBufferPointer(start: logits, count: batch))
                model.parameters.zeroGradients()
                let dx = upstream.withUnsafeBufferPointer { model.backward(logitGradient: $0.baseAddress!, inputGradient: true)! }
                return (values, model.parameters.gradients.array, Array(UnsafeBufferPointer(start: dx, count: input.count)))
            }
        }
        let reference = try pass(folded: false, writes: false)
        for writes in [false, true] {
            let folded = try pass(folded: true, writes: writes)
            for (what, ours, theirs) in [("logits", folded.logits, reference.logits), ("parameter gradients", folded.gradients, reference.gradients),
                                         ("input gradient", folded.inputGradient, reference.inputGradient)] {
                let scale = theirs.map(abs).max() ?? 0
                let worst = zip(ours, theirs).map { abs($0 - $1) }.max() ?? 0
                #expect(ours.count == theirs.count && scale > 0 && worst <= 1e-12 * scale,
                        "C \(channels), \(mode), writes \(writes): \(what) off by \(worst) of \(scale)")
            }
        }
    }

    /// The low-rank attention core (Float, one channel: `LowRankSelfAttention`) against the folded
    /// block's general core, which projects Q, K and V: both against the unfolded model in Double
    /// with the same parameters, over two blocks of query rows and a partial one (T = 61 > 48), odd
    /// lengths, training and evaluation forwards (the backward then runs the forward again), one and
    /// two threads; series of ±2, whose rows of scores the forward shifts by a bound, and of ±60,
    /// where the bound is too loose and it finds each row's maximum. The low-rank path may differ
    /// from the Double values by at most 4× the general path's own Float error (plus 1e-6 of the
    /// largest value).
    @Test(arguments: [(true, 1), (false, 1), (true, 2), (false, 2)], [2.0, 60.0])
    func lowRankAttentionMatchesTheProjectedCore(mode: (training: Bool, threads: Int), amplitude: Double) throws {
        let batch = 5, time = 61
        var random = SeededRandom(seed: 21)
        let reference: SequentialClassifier<Double> = try ModelCatalog.make("posenc-attention", inputChannels: 1, length: time, as: Double.self)
        reference.initialize(seed: 4)
        reference.foldsEmbeddingIntoEncoder = false
        for index in 0..<reference.parameters.count {
            reference.parameters.values.storage[index] = Double(Float(reference.parameters.values.storage[index] + random.uniform(-0.2, 0.2)))
        }
        let input = (0..<(batch * time)).map { _ in Double(Float(random.uniform(-amplitude, amplitude))) }
        let upstream = (0..<batch).map { _ in Double(Float(random.uniform(-1, 1))) }
        typealias Pass = (logits: [Double], gradients: [Double], inputGradient: [Double])
        func run<Scalar: TensorScalar>(_ model: SequentialClassifier<Scalar>) throws -> Pass {
            model.threads = mode.threads
            defer { model.threads = 1 }
            let x = input.map { Scalar($0) }, dz = upstream.map { Scalar($0) }
            return try x.withUnsafeBufferPointer { x in
                let logits = try model.forward(x.baseAddress!, batch: batch, time: time, training: mode.training)
                let values = (0..<batch).map { Double(logits[$0]) }
                model.parameters.zeroGradients()
                let dx = dz.withUnsafeBufferPointer { model.backward(logitGradient: $0.baseAddress!, inputGradient: true)! }
                return (values, model.parameters.gradients.array.map { Double($0) }, (0..<input.count).map { Double(dx[$0]) })
            }
        }
        func floatModel(lowRank: Bool) throws -> SequentialClassifier<Float> {
            let model: SequentialClassifier<Float> = try ModelCatalog.make("posenc-attention", inputChannels: 1, length: time)
            for index in 0..<model.parameters.count { model.parameters.values.storage[index] = Float(reference.parameters.values.storage[index]) }
            let encoder = try #require(model.layers[2] as? TransformerEncoderLayer<Float>)
            let embedding = try #require(encoder.embedding)
            embedding.usesLowRankAttention = lowRank
            #expect((embedding.lowRankAttention(heads: encoder.heads) != nil) == lowRank)
            return model
        }
        let exact = try run(reference)
        let general = try run(try floatModel(lowRank: false)), lowRank = try run(try floatModel(lowRank: true))
        for (what, generalValues, lowRankValues, exactValues) in [
            ("logits", general.logits, lowRank.logits, exact.logits), ("parameter gradients", general.gradients, lowRank.gradients, exact.gradients),
            ("input gradient", general.inputGradient, lowRank.inputGradient, exact.inputGradient)
        ] {
            let scale = exactValues.map(abs).max() ?? 0
            let generalError = zip(generalValues, exactValues).map { abs($0 - $1) }.max() ?? 0
            let lowRankError = zip(lowRankValues, exactValues).map { abs($0 - $1) }.max() ?? 0
            #expect(scale > 0 && lowRankError <= 4 * generalError + 1e-6 * scale,
                    "\(what), \(mode), ±\(amplitude): low-rank error \(lowRankError), general \(generalError), largest value \(scale)")
        }
    }

    /// Only a narrow embedding folds: at C > D/4 each row's C multiply-adds per projected value
    /// approach the D of the projection they replace.
    @Test func onlyNarrowEmbeddingsFold() throws {
        let wide: SequentialClassifier<Float> = try ModelCatalog.make("posenc-attention", inputChannels: 17, pluginDirectories: [])
        #expect(wide.foldedInto(0) == nil && wide.foldedInto(1) == nil)
        let narrow: SequentialClassifier<Float> = try ModelCatalog.make("posenc-attention", inputChannels: 1, pluginDirectories: [])
        #expect(narrow.foldedInto(0) == 2 && narrow.foldedInto(1) == 2 && narrow.foldedInto(2) == nil)
        narrow.foldsEmbeddingIntoEncoder = false
        #expect(narrow.foldedInto(0) == nil)
    }

    /// With `foldsEvaluationBatchNorm` an evaluation forward runs the cnn's batch norms inside the
    /// convolutions before them, so they take no time of their own; training forwards, and
    /// evaluation with the fold off, run them as layers.
    @Test func evaluationRunsTheBatchNormsInsideTheConvolutions() throws {
        let batch = 4, time = 41
        let model: SequentialClassifier<Float> = try ModelCatalog.make("cnn", inputChannels: 1, classCount: 2, length: time, pluginDirectories: [])
        model.initialize(seed: 1)
        let batchNorms = model.layers.indices.filter { model.layers[$0] is BatchNorm1D<Float> }
        let input = (0..<(batch * time)).map { Float(sin(Double($0) * 0.3)) }
        for (fold, training) in [(true, false), (false, false), (true, true)] {
            model.foldsEvaluationBatchNorm = fold
            let timings = LayerTimings(layers: model.layers.count)
            model.layerTimings = timings
            _ = try input.withUnsafeBufferPointer { try model.forward($0.baseAddress!, batch: batch, time: time, training: training) }
            model.layerTimings = nil
            let ranAsLayers = batchNorms.map { timings.forwardNanoseconds[$0] > 0 }
            #expect(ranAsLayers == Array(repeating: !fold || training, count: 3), "fold \(fold), training \(training)")
        }
    }

    @Test func foldingFindsEveryBatchNormReLUPair() throws {
        let model: SequentialClassifier<Float> = try ModelCatalog.make("cnn", inputChannels: 1, pluginDirectories: [])
        let batchNorms = model.layers.compactMap { $0 as? BatchNorm1D<Float> }
        #expect(batchNorms.count == 3 && batchNorms.allSatisfy(\.rectifiesOutput))
        model.foldsBatchNormReLU = false
        #expect(batchNorms.allSatisfy { !$0.rectifiesOutput })
    }
}
