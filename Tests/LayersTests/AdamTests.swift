import Foundation
import Testing
@testable import Layers

@Suite struct AdamTests {
    /// Three steps on a 2-element parameter with a fixed gradient, against the update written out by
    /// hand from torch.optim.Adam's source (bias corrections, ε outside the square root).
    @Test func matchesPyTorchFormula() {
        var layout = ParameterLayout()
        _ = layout.add("p", shape: [2])
        let store = ParameterStore<Double>(layout: layout)
        store.values.storage[0] = 0.5
        store.values.storage[1] = -1
        let adam = Adam<Double>(parameterCount: 2, settings: .init(learningRate: 0.1))
        var expected: [Double] = [0.5, -1]
        var m: [Double] = [0, 0], v: [Double] = [0, 0]
        let gradients: [[Double]] = [[0.2, -3], [0.1, 1e-9], [-0.4, 2]]
        for (step, gradient) in gradients.enumerated() {
            store.gradients.storage[0] = gradient[0]
            store.gradients.storage[1] = gradient[1]
            adam.update(store)
            let t = Double(step + 1)
            for i in 0..<2 {
                m[i] = 0.9 * m[i] + 0.1 * gradient[i]
                v[i] = 0.999 * v[i] + 0.001 * gradient[i] * gradient[i]
                let denominator = v[i].squareRoot() / (1 - pow(0.999, t)).squareRoot() + 1e-8
                expected[i] -= 0.1 / (1 - pow(0.9, t)) * m[i] / denominator
            }
            #expect(abs(store.values.storage[0] - expected[0]) < 1e-15)
            #expect(abs(store.values.storage[1] - expected[1]) < 1e-15)
        }
    }

    /// torch.optim.SGD(lr=0.1, momentum=0.9, weight_decay=0.01) for three steps, written out by hand.
    @Test func sgdMatchesPyTorchFormula() {
        var layout = ParameterLayout()
        _ = layout.add("p", shape: [1])
        let store = ParameterStore<Double>(layout: layout)
        store.values.storage[0] = 1
        let sgd = SGD<Double>(parameterCount: 1, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)
        var theta = 1.0, buffer = 0.0
        for (step, gradient) in [0.5, -0.2, 0.3].enumerated() {
            store.gradients.storage[0] = gradient
            sgd.update(store, learningRate: nil)
            let g = gradient + 0.01 * theta
            buffer = step == 0 ? g : 0.9 * buffer + g
            theta -= 0.1 * buffer
            #expect(abs(store.values.storage[0] - theta) < 1e-15)
        }
    }

    @Test func weightDecayVariants() {
        var layout = ParameterLayout()
        _ = layout.add("p", shape: [1])
        let coupled = ParameterStore<Double>(layout: layout), decoupled = ParameterStore<Double>(layout: layout)
        coupled.values.storage[0] = 2
        decoupled.values.storage[0] = 2
        let adam = Adam<Double>(parameterCount: 1, settings: .init(learningRate: 0.1, weightDecay: 0.5))
        let adamW = Adam<Double>(parameterCount: 1, settings: .init(learningRate: 0.1, weightDecay: 0.5, decoupledWeightDecay: true))
        adam.update(coupled)    // g = 0 + 0.5·2 = 1 → first step moves by lr·sign = 0.1
        adamW.update(decoupled) // θ·(1 − 0.05) = 1.9, zero gradient → no Adam move
        #expect(abs(coupled.values.storage[0] - 1.9) < 1e-7)
        #expect(abs(decoupled.values.storage[0] - 1.9) < 1e-12)
    }
}
