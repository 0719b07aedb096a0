import Foundation
import Testing
@testable import Kernels
@testable import Layers

/// Double central-difference checks (see `GradientCheck`) of the layers the five built-in models
/// add, on tiny shapes including single steps, odd widths and even kernels.
@Suite struct NewLayerGradientTests {
    @Test func elementwiseAndReshapingLayers() throws {
        for (time, features) in [(1, 1), (3, 7), (5, 17)] {
            let shape = ActivationShape(time: time, features: features)
            try GradientCheck.run(ReLU<Double>(name: "relu"), inputShape: shape, batch: 2)
            try GradientCheck.run(Flatten<Double>(name: "flatten"), inputShape: shape, batch: 2)
            try GradientCheck.run(GlobalAveragePooling<Double>(name: "pool"), inputShape: shape, batch: 3)
            try GradientCheck.run(PositionalEncoding<Double>(name: "posenc", features: features), inputShape: shape, batch: 2)
        }
        try GradientCheck.run(ReLU<Double>(name: "relu"), inputShape: ActivationShape(time: nil, features: 9), batch: 1)
    }

    @Test(arguments: [(1, 1, 1), (2, 3, 5), (3, 1, 17)])
    func layerNorm(batch: Int, time: Int, features: Int) throws {
        try GradientCheck.run(LayerNorm<Double>(name: "norm", features: features), inputShape: ActivationShape(time: time, features: features), batch: batch)
        try GradientCheck.run(LayerNorm<Double>(name: "norm", features: features), inputShape: ActivationShape(time: nil, features: features), batch: batch)
    }

    @Test(arguments: [(1, 1, 1, 1, 1), (2, 5, 3, 4, 3), (2, 6, 2, 3, 4), (1, 9, 1, 2, 7), (3, 2, 3, 2, 5)])
    func conv1D(batch: Int, time: Int, channels: Int, outputs: Int, kernel: Int) throws {
        try GradientCheck.run(Conv1D<Double>(name: "conv", inputChannels: channels, outputChannels: outputs, kernelSize: kernel),
                              inputShape: ActivationShape(time: time, features: channels), batch: batch)
    }

    @Test(arguments: [(2, 3, 1), (3, 4, 5), (2, 1, 17)])
    func batchNormTrainingAndEvaluation(batch: Int, time: Int, features: Int) throws {
        let shape = ActivationShape(time: time, features: features)
        try GradientCheck.run(BatchNorm1D<Double>(name: "bn", features: features), inputShape: shape, batch: batch)
        try GradientCheck.run(BatchNorm1D<Double>(name: "bn", features: features), inputShape: shape, batch: batch, training: false)
        try GradientCheck.run(BatchNorm1D<Double>(name: "bn", features: features), inputShape: ActivationShape(time: nil, features: features), batch: 4)
    }

    @Test(arguments: [(1, 1, 4, 1), (2, 5, 4, 2), (3, 7, 8, 4)])
    func multiHeadAttentionPooling(batch: Int, time: Int, modelSize: Int, heads: Int) throws {
        try GradientCheck.run(MultiHeadAttentionPooling<Double>(name: "attention", modelSize: modelSize, heads: heads),
                              inputShape: ActivationShape(time: time, features: modelSize), batch: batch)
    }

    @Test(arguments: [(1, 1, 4, 1, 3), (2, 5, 4, 2, 8), (2, 6, 6, 3, 5)])
    func transformerEncoderLayer(batch: Int, time: Int, modelSize: Int, heads: Int, feedForward: Int) throws {
        try GradientCheck.run(TransformerEncoderLayer<Double>(name: "encoder", modelSize: modelSize, heads: heads, feedForwardSize: feedForward),
                              inputShape: ActivationShape(time: time, features: modelSize), batch: batch)
    }

    @Test(arguments: [(1, 1, 1, 1), (2, 5, 3, 1), (3, 4, 6, 3)])
    func classActivationHead(batch: Int, time: Int, features: Int, outputs: Int) throws {
        try GradientCheck.run(ClassActivationHead<Double>(name: "classifier", features: features, outputs: outputs),
                              inputShape: ActivationShape(time: time, features: features), batch: batch)
    }

    @Test func softmaxCrossEntropy() {
        var random = SeededRandom(seed: 10)
        for (count, classes) in [(1, 2), (2, 3), (5, 4), (17, 7)] {
            var logits = (0..<(count * classes)).map { _ in random.uniform(-30, 30) }
            let targets = (0..<count).map { _ in Double(random.integer(in: 0..<classes)) }
            var gradient = [Double](repeating: 0, count: logits.count)
            SoftmaxCrossEntropy.backward(logits: logits, targets: targets, addingInto: &gradient, count: count, classes: classes)
            for index in logits.indices {
                let original = logits[index]
                logits[index] = original + GradientCheck.epsilon
                let plus = SoftmaxCrossEntropy.loss(logits: logits, targets: targets, count: count, classes: classes)
                logits[index] = original - GradientCheck.epsilon
                let minus = SoftmaxCrossEntropy.loss(logits: logits, targets: targets, count: count, classes: classes)
                logits[index] = original
                let numeric = (plus - minus) / (2 * GradientCheck.epsilon)
                #expect(abs(gradient[index] - numeric) <= 1e-6 * max(abs(numeric), 1e-2), "B \(count) K \(classes) index \(index)")
            }
        }
    }

    /// The definition by hand for 2 samples, 3 classes, including logits of ±800 that would overflow
    /// an unshifted exp; with K = 2 it equals BCE on the logit difference.
    @Test func softmaxCrossEntropyMatchesDefinition() {
        let logits: [Double] = [1, 2, 3, 800, -800, 0]
        let targets: [Double] = [0, 2]
        let first = Foundation.log(Foundation.exp(1.0) + Foundation.exp(2.0) + Foundation.exp(3.0)) - 1
        let second = 800.0 - 0
        #expect(abs(SoftmaxCrossEntropy.loss(logits: logits, targets: targets, count: 2, classes: 3) - (first + second) / 2) < 1e-9)
        let pair: [Double] = [0.3, 1.7], label: [Double] = [1]
        var difference = [1.7 - 0.3], one = [1.0]
        #expect(abs(SoftmaxCrossEntropy.loss(logits: pair, targets: label, count: 1, classes: 2)
                    - BinaryCrossEntropy.loss(logits: &difference, targets: &one, count: 1)) < 1e-12)
    }

    /// Running statistics are state, not parameters: Adam and the gradient checks never see them, a
    /// copy carries them, and they follow PyTorch's update (momentum 0.1, unbiased variance).
    @Test func batchNormStateIsSeparateFromParameters() throws {
        let layer = BatchNorm1D<Double>(name: "features.1", features: 2)
        var layout = ParameterLayout()
        layer.declareParameters(in: &layout)
        #expect(layout.specs.map(\.name) == ["features.1.weight", "features.1.bias"])
        #expect(layout.stateSpecs.map(\.name) == ["features.1.running_mean", "features.1.running_var", "features.1.num_batches_tracked"])
        #expect(layout.stateSpecs.map(\.integer) == [false, false, true])
        let parameters = ParameterStore<Double>(layout: layout)
        var random = SeededRandom(seed: 1)
        layer.initializeParameters(parameters, random: &random)
        let x: [Double] = [1, 10, 3, 20, 8, 60]  // (B=1, T=3, F=2)
        var y = [Double](repeating: 0, count: 6)
        layer.forward(x, shape: ActivationShape(time: 3, features: 2), batch: 1, output: &y, parameters: parameters, training: true)
        #expect(parameters.tensor(named: "features.1.running_mean")! == [0.1 * 4, 0.1 * 30])
        #expect(abs(parameters.tensor(named: "features.1.running_var")![0] - (0.9 + 0.1 * 13)) < 1e-12)  // unbiased var of 1,3,8 = 13
        #expect(parameters.tensor(named: "features.1.num_batches_tracked")! == [1])
        let copy = parameters.copy()
        #expect(copy.tensor(named: "features.1.running_var") == parameters.tensor(named: "features.1.running_var"))
        let adam = Adam<Double>(parameterCount: parameters.count)
        parameters.gradients.storage[0] = 1
        let before = parameters.state.array
        adam.update(parameters)
        #expect(parameters.state.array == before)
        // Evaluation uses the running statistics: (x − 0.4)/√(2.2 + 1e-5) for the first channel.
        layer.forward(x, shape: ActivationShape(time: 3, features: 2), batch: 1, output: &y, parameters: parameters, training: false)
        #expect(abs(y[0] - (1 - 0.4) / (2.2 + 1e-5).squareRoot() * parameters.tensor(named: "features.1.weight")![0]) < 1e-12)
    }

    /// `sinusoidal_encoding(3, 4)` of reference/models.py, evaluated by hand.
    @Test func positionalEncodingMatchesReference() {
        let pe = PositionalEncoding<Float>.encoding(time: 3, features: 4)
        let div1 = Foundation.exp(-Foundation.log(10000.0) * 2 / 4)
        let expected: [Double] = [0, 1, 0, 1,
                                  Foundation.sin(1), Foundation.cos(1), Foundation.sin(div1), Foundation.cos(div1),
                                  Foundation.sin(2), Foundation.cos(2), Foundation.sin(2 * div1), Foundation.cos(2 * div1)]
        for (ours, theirs) in zip(pe, expected) { #expect(abs(Double(ours) - theirs) < 1e-6) }
    }
}
