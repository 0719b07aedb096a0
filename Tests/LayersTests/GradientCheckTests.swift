import Foundation
import Testing
@testable import Kernels
@testable import Layers

@Suite struct GradientCheckTests {
    @Test(arguments: [(1, 1, 1), (2, 3, 4), (3, 17, 5)])
    func dense(batch: Int, inputs: Int, outputs: Int) throws {
        try GradientCheck.run(Dense<Double>(name: "dense", inputFeatures: inputs, outputFeatures: outputs),
                              inputShape: ActivationShape(time: nil, features: inputs), batch: batch)
        try GradientCheck.run(Dense<Double>(name: "dense.time", inputFeatures: inputs, outputFeatures: outputs),
                              inputShape: ActivationShape(time: 3, features: inputs), batch: batch)
    }

    @Test func activations() throws {
        for features in [1, 7, 17] {
            try GradientCheck.run(Tanh<Double>(name: "tanh"), inputShape: ActivationShape(time: 2, features: features), batch: 3)
            try GradientCheck.run(Sigmoid<Double>(name: "sigmoid"), inputShape: ActivationShape(time: nil, features: features), batch: 2)
        }
    }

    @Test(arguments: [(1, 1, 1, 1), (2, 5, 3, 4), (3, 6, 2, 17)])
    func bidirectionalLSTM(batch: Int, time: Int, channels: Int, hidden: Int) throws {
        try GradientCheck.run(LSTM<Double>(name: "lstm", inputSize: channels, hiddenSize: hidden),
                              inputShape: ActivationShape(time: time, features: channels), batch: batch)
    }

    @Test func unidirectionalLSTM() throws {
        try GradientCheck.run(LSTM<Double>(name: "lstm", inputSize: 2, hiddenSize: 3, bidirectional: false),
                              inputShape: ActivationShape(time: 4, features: 2), batch: 2)
    }

    /// Evaluation mode keeps no per-step state; a backward pass after it (saliency) recomputes it.
    @Test func lstmBackwardAfterAnEvaluationForward() throws {
        try GradientCheck.run(LSTM<Double>(name: "lstm", inputSize: 2, hiddenSize: 5),
                              inputShape: ActivationShape(time: 6, features: 2), batch: 3, training: false)
    }

    @Test func lstmDirectionsOnTwoThreadsMatchOneThread() throws {
        let layer = LSTM<Double>(name: "lstm", inputSize: 2, hiddenSize: 5)
        layer.threads = 2
        try GradientCheck.run(layer, inputShape: ActivationShape(time: 7, features: 2), batch: 3)
    }

    @Test(arguments: [(1, 1, 1, 1), (2, 5, 4, 3), (3, 9, 6, 17)])
    func additiveAttention(batch: Int, time: Int, features: Int, attention: Int) throws {
        try GradientCheck.run(AdditiveAttention<Double>(name: "attention", inputFeatures: features, attentionSize: attention),
                              inputShape: ActivationShape(time: time, features: features), batch: batch)
    }

    @Test func binaryCrossEntropy() {
        var random = SeededRandom(seed: 9)
        for count in [1, 2, 5, 33] {
            var logits = (0..<count).map { _ in random.uniform(-30, 30) }
            let targets = (0..<count).map { _ in Double(random.integer(in: 0..<2)) }
            var gradient = [Double](repeating: 0, count: count)
            BinaryCrossEntropy.backward(logits: logits, targets: targets, addingInto: &gradient, count: count)
            for index in 0..<count {
                let original = logits[index]
                logits[index] = original + GradientCheck.epsilon
                let plus = BinaryCrossEntropy.loss(logits: logits, targets: targets, count: count)
                logits[index] = original - GradientCheck.epsilon
                let minus = BinaryCrossEntropy.loss(logits: logits, targets: targets, count: count)
                logits[index] = original
                let numeric = (plus - minus) / (2 * GradientCheck.epsilon)
                #expect(abs(gradient[index] - numeric) <= 1e-6 * max(abs(numeric), 1e-2), "count \(count) index \(index)")
            }
        }
    }

    @Test func binaryCrossEntropyMatchesDefinitionAndNeverOverflows() {
        let logits: [Double] = [0, 2, -3, 800, -800]
        let targets: [Double] = [1, 0, 1, 0, 1]
        let loss = BinaryCrossEntropy.loss(logits: logits, targets: targets, count: 5)
        let expected = (Foundation.log(2.0) + (2 + Foundation.log1p(Foundation.exp(-2.0))) + (3 + Foundation.log1p(Foundation.exp(-3.0))) + 800 + 800) / 5
        #expect(abs(loss - expected) < 1e-12)
    }
}
