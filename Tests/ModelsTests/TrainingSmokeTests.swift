import Foundation
import Testing
@testable import Kernels
@testable import Layers
@testable import Models

/// End to end: every built-in learns a small synthetic task with 2 and 3 classes. The class is the
/// shape of a 4-step pattern at a random place in channel 0 (a rise, a dip, or an oscillation; 2
/// classes use the first two) — a shape, not a position, which a pooling CNN cannot see; channel 1
/// is noise. After 80 full-batch Adam steps (lr 1e-2) on 48 series each model
/// must classify ≥ 90% of 48 fresh series — chance is 50% / 33%, and a model whose backward pass
/// is wrong does not get there.
@Suite struct TrainingSmokeTests {
    static func data(count: Int, classes: Int, time: Int, seed: UInt64) -> (x: [Float], y: [Float]) {
        var random = SeededRandom(seed: seed)
        var x = [Float](), y = [Float]()
        for index in 0..<count {
            let label = index % classes
            let start = random.integer(in: 0..<(time - 4))
            for t in 0..<time {
                var bump = 0.0
                if (start..<(start + 4)).contains(t) { bump = [1.5, -1.5, t % 2 == 0 ? 1.5 : -1.5][label] }
                x.append(Float(bump + 0.3 * random.normal()))
                x.append(Float(0.3 * random.normal()))
            }
            y.append(Float(label))
        }
        return (x, y)
    }

    @Test(arguments: ["bilstm-attention", "bilstm-multihead", "posenc-attention", "ffn", "cnn"], [2, 3])
    func learnsTheShapeOfAPattern(name: String, classes: Int) throws {
        let time = 24, count = 48
        let model: SequentialClassifier<Float> = try ModelCatalog.make(name, inputChannels: 2, classCount: classes, length: time, pluginDirectories: [])
        model.initialize(seed: 7)
        let outputs = model.outputCount
        let train = Self.data(count: count, classes: classes, time: time, seed: 1)
        let adam = Adam<Float>(parameterCount: model.parameters.count, settings: .init(learningRate: 1e-2))
        var gradient = [Float](repeating: 0, count: count * outputs)
        for _ in 0..<80 {
            let logits = try model.forward(train.x, batch: count, time: time, training: true)
            model.parameters.zeroGradients()
            for index in gradient.indices { gradient[index] = 0 }
            ClassificationLoss.backward(logits: logits, targets: train.y, addingInto: &gradient, count: count, outputs: outputs)
            model.backward(logitGradient: gradient)
            adam.update(model.parameters)
        }
        let test = Self.data(count: count, classes: classes, time: time, seed: 2)
        let logits = try model.forward(test.x, batch: count, time: time, training: false)
        let predicted = ClassificationLoss.predictions(logits: logits, count: count, outputs: outputs)
        let accuracy = Double(zip(predicted, test.y).filter { Float($0.0) == $0.1 }.count) / Double(count)
        #expect(accuracy >= 0.9, "\(name) with \(classes) classes: held-out accuracy \(accuracy)")
    }
}
