import Foundation
import Testing
@testable import Kernels
@testable import Layers

/// The Float layers with their fused C kernels on and off: the fused paths must give the same
/// outputs and gradients as the separate kernels (the Double gradient checks only ever see the
/// separate ones) — bit for bit where the kernels promise it (the LSTM step), else to rounding.
@Suite struct FusedPathTests {
    struct Pass {
        var output: [Float], inputGradient: [Float], parameterGradients: [Float], importance: [Float]
    }

    /// One forward (training or not) and backward of `layer` on seeded inputs and parameters.
    static func run(_ layer: any Layer<Float>, inputShape: ActivationShape, batch: Int, training: Bool) throws -> Pass {
        var layout = ParameterLayout()
        layer.declareParameters(in: &layout)
        let parameters = ParameterStore<Float>(layout: layout)
        var random = SeededRandom(seed: 9)
        layer.initializeParameters(parameters, random: &random)
        for index in 0..<parameters.count { parameters.values.storage[index] += Float(random.uniform(-0.1, 0.1)) }
        let outputShape = try layer.outputShape(for: inputShape)
        let input = (0..<(batch * inputShape.elementCount)).map { _ in Float(random.uniform(-1, 1)) }
        let upstream = (0..<(batch * outputShape.elementCount)).map { _ in Float(random.uniform(-1, 1)) }
        var output = [Float](repeating: 0, count: upstream.count)
        var inputGradient = [Float](repeating: 0, count: input.count)
        parameters.zeroGradients()
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                layer.forward(x.baseAddress!, shape: inputShape, batch: batch, output: y.baseAddress!, parameters: parameters, training: training)
            }
        }
        let importance = layer.importance.map { Array(UnsafeBufferPointer(start: $0, count: batch * (inputShape.time ?? 1))) } ?? []
        input.withUnsafeBufferPointer { x in output.withUnsafeBufferPointer { y in upstream.withUnsafeBufferPointer { g in
            inputGradient.withUnsafeMutableBufferPointer { dx in
                layer.backward(input: x.baseAddress!, output: y.baseAddress!, outputGradient: g.baseAddress!, inputGradient: dx.baseAddress!,
                               shape: inputShape, batch: batch, parameters: parameters)
            }
        } } }
        return Pass(output: output, inputGradient: inputGradient, parameterGradients: parameters.gradients.array, importance: importance)
    }

    static func expectClose(_ fused: Pass, _ separate: Pass, tolerance: Float, _ what: String) {
        for (name, a, b) in [("output", fused.output, separate.output), ("∂input", fused.inputGradient, separate.inputGradient),
                             ("∂parameters", fused.parameterGradients, separate.parameterGradients), ("importance", fused.importance, separate.importance)] {
            #expect(a.count == b.count, "\(what) \(name) sizes")
            let scale = max(b.map(abs).max() ?? 0, 1e-3)
            let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= tolerance * scale, "\(what) \(name): worst difference \(worst), scale \(scale)")
        }
    }

    /// (D, A) with A a multiple of 32 (fused) and one that is not (both paths separate).
    @Test(arguments: [(64, 64), (5, 32), (7, 48)])
    func additiveAttentionScores(features: Int, width: Int) throws {
        for training in [true, false] {
            for (batch, time) in [(1, 1), (2, 7), (3, 40)] {
                let shape = ActivationShape(time: time, features: features)
                let fused = AdditiveAttention<Float>(name: "attention", inputFeatures: features, attentionSize: width)
                let separate = AdditiveAttention<Float>(name: "attention", inputFeatures: features, attentionSize: width)
                separate.usesFusedScores = false
                // Not training: the fused forward keeps no tanh values and the backward recomputes them.
                Self.expectClose(try Self.run(fused, inputShape: shape, batch: batch, training: training),
                                 try Self.run(separate, inputShape: shape, batch: batch, training: training),
                                 tolerance: 2e-5, "D \(features) A \(width) B \(batch) T \(time) training \(training)")
            }
        }
    }

    @Test(arguments: [8, 16, 32])
    func lstmStepsGiveTheSameBits(hidden: Int) throws {
        for (batch, time, channels) in [(1, 1, 1), (5, 9, 1), (7, 4, 3)] {
            let shape = ActivationShape(time: time, features: channels)
            let fused = LSTM<Float>(name: "lstm", inputSize: channels, hiddenSize: hidden, bidirectional: true)
            let separate = LSTM<Float>(name: "lstm", inputSize: channels, hiddenSize: hidden, bidirectional: true)
            separate.usesFusedStep = false
            let a = try Self.run(fused, inputShape: shape, batch: batch, training: true)
            let b = try Self.run(separate, inputShape: shape, batch: batch, training: true)
            #expect(a.output.map(\.bitPattern) == b.output.map(\.bitPattern), "H \(hidden) B \(batch) T \(time) C \(channels): output")
            #expect(a.inputGradient.map(\.bitPattern) == b.inputGradient.map(\.bitPattern), "H \(hidden) B \(batch): ∂input")
            #expect(a.parameterGradients.map(\.bitPattern) == b.parameterGradients.map(\.bitPattern), "H \(hidden) B \(batch): ∂parameters")
            // Evaluation keeps only the last h and c (two slabs in turn) and a backward after it runs
            // the forward again keeping every step: the same bits either way, on both paths.
            for (layer, path) in [(fused, "fused"), (separate, "separate")] {
                let evaluation = try Self.run(layer, inputShape: shape, batch: batch, training: false)
                let training = path == "fused" ? a : b
                let what = "evaluation, \(path), H \(hidden) B \(batch) T \(time) C \(channels)"
                #expect(evaluation.output.map(\.bitPattern) == training.output.map(\.bitPattern), "\(what): output")
                #expect(evaluation.inputGradient.map(\.bitPattern) == training.inputGradient.map(\.bitPattern), "\(what): ∂input")
                #expect(evaluation.parameterGradients.map(\.bitPattern) == training.parameterGradients.map(\.bitPattern), "\(what): ∂parameters")
            }
        }
    }

    @Test(arguments: [(16, 2), (64, 4), (12, 3)])
    func selfAttentionCore(modelSize: Int, heads: Int) throws {
        for (batch, time) in [(1, 1), (2, 13), (2, 50)] {
            let shape = ActivationShape(time: time, features: modelSize)
            let fused = TransformerEncoderLayer<Float>(name: "encoder", modelSize: modelSize, heads: heads, feedForwardSize: 2 * modelSize)
            let separate = TransformerEncoderLayer<Float>(name: "encoder", modelSize: modelSize, heads: heads, feedForwardSize: 2 * modelSize)
            separate.core.usesFusedKernels = false
            let keeping = try Self.run(fused, inputShape: shape, batch: batch, training: true)
            Self.expectClose(keeping, try Self.run(separate, inputShape: shape, batch: batch, training: true),
                             tolerance: 2e-5, "D \(modelSize) heads \(heads) B \(batch) T \(time)")
            // Evaluation keeps no attention weights; a backward after it runs the forward again.
            let evaluation = try Self.run(fused, inputShape: shape, batch: batch, training: false)
            let what = "evaluation D \(modelSize) heads \(heads) B \(batch) T \(time)"
            #expect(evaluation.output == keeping.output, "\(what): output")
            #expect(evaluation.inputGradient == keeping.inputGradient, "\(what): ∂input")
            #expect(evaluation.parameterGradients == keeping.parameterGradients, "\(what): ∂parameters")
        }
    }
}
