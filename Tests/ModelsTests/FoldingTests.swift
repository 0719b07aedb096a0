import Foundation
import Testing
@testable import Kernels
@testable import Layers
@testable import Models

/// `SequentialClassifier.foldsBatchNormReLU`: the cnn with each ReLU folded into the batch norm
/// before it must give the same logits, importance map, parameter gradients, input gradient and
/// running statistics as the cnn with separate ReLU layers — bit for bit, since the folded kernels
/// do the same arithmetic in the same order.
@Suite struct FoldingTests {
    struct Pass: Equatable {
        var logits: [Float], importance: [Float], gradients: [Float], inputGradient: [Float], state: [Float]
    }

    static func pass(folded: Bool, training: Bool, threads: Int) throws -> Pass {
        let batch = 5, time = 37, channels = 2
        let model: SequentialClassifier<Float> = try ModelCatalog.make("cnn", inputChannels: channels, classCount: 2, length: time, pluginDirectories: [])
        model.initialize(seed: 3)
        model.foldsBatchNormReLU = folded
        model.threads = threads
        defer { model.threads = 1 }
        var random = SeededRandom(seed: 5)
        // Non-trivial batch-norm affine parameters, so the ReLUs cut in different places per channel.
        for index in 0..<model.parameters.count { model.parameters.values.storage[index] += Float(random.uniform(-0.3, 0.3)) }
        let input = (0..<(batch * time * channels)).map { _ in Float(random.uniform(-1, 1)) }
        let upstream = (0..<batch).map { _ in Float(random.uniform(-1, 1)) }
        return try input.withUnsafeBufferPointer { x in
            let logits = try model.forward(x.baseAddress!, batch: batch, time: time, training: training)
            let logitValues = Array(UnsafeBufferPointer(start: logits, count: batch))
            let importance = model.importance.map { Array(UnsafeBufferPointer(start: $0, count: batch * time)) } ?? []
            model.parameters.zeroGradients()
            let dx = upstream.withUnsafeBufferPointer { model.backward(logitGradient: $0.baseAddress!, inputGradient: true)! }
            return Pass(logits: logitValues, importance: importance, gradients: model.parameters.gradients.array,
                        inputGradient: Array(UnsafeBufferPointer(start: dx, count: input.count)), state: model.parameters.state.array)
        }
    }

    @Test(arguments: [true, false], [1, 2])
    func foldedReLUGivesTheSameBits(training: Bool, threads: Int) throws {
        let folded = try Self.pass(folded: true, training: training, threads: threads)
        let separate = try Self.pass(folded: false, training: training, threads: threads)
        #expect(folded.logits == separate.logits, "logits")
        #expect(folded.importance == separate.importance, "class activation map")
        #expect(folded.gradients == separate.gradients, "parameter gradients")
        #expect(folded.inputGradient == separate.inputGradient, "input gradient")
        #expect(folded.state == separate.state, "running statistics after the forward")
        #expect(folded.gradients.contains { $0 != 0 }, "the backward reached the parameters")
    }

    @Test func foldingFindsEveryBatchNormReLUPair() throws {
        let model: SequentialClassifier<Float> = try ModelCatalog.make("cnn", inputChannels: 1, pluginDirectories: [])
        let batchNorms = model.layers.compactMap { $0 as? BatchNorm1D<Float> }
        #expect(batchNorms.count == 3 && batchNorms.allSatisfy(\.rectifiesOutput))
        model.foldsBatchNormReLU = false
        #expect(batchNorms.allSatisfy { !$0.rectifiesOutput })
    }
}
