import Foundation
import Testing
@testable import Kernels
@testable import Layers

/// Central-difference gradient checks in Double: with a fixed random projection r of the output,
/// L = Σ r ⊙ layer(x; θ), compares backward's ∂L/∂θ and ∂L/∂x with (L(·+ε) − L(·−ε)) / 2ε.
/// ε = 1e-6 balances truncation (ε²·f''' ≈ 1e-12) against rounding (1e-16/ε ≈ 1e-10), so agreement to
/// 1e-6 relative (with an absolute floor of 1e-8 for near-zero entries) means the backward is right.
enum GradientCheck {
    static let epsilon = 1e-6

    static func run(
        _ layer: any Layer<Double>, inputShape: ActivationShape, batch: Int, seed: UInt64 = 1,
        tolerance: Double = 1e-6, training: Bool = true, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        var layout = ParameterLayout()
        layer.declareParameters(in: &layout)
        let parameters = ParameterStore<Double>(layout: layout)
        var random = SeededRandom(seed: seed)
        layer.initializeParameters(parameters, random: &random)
        // Nudge every parameter off PyTorch's symmetric init so no gradient is zero by accident.
        for index in 0..<parameters.count { parameters.values.storage[index] += random.uniform(-0.1, 0.1) }
        // State tensors (running statistics) too, so evaluation-mode checks see non-trivial values.
        for index in 0..<layout.stateCount { parameters.state.storage[index] += random.uniform(0, 0.5) }
        let outputShape = try layer.outputShape(for: inputShape)
        var input = (0..<(batch * inputShape.elementCount)).map { _ in random.uniform(-1, 1) }
        let projection = (0..<(batch * outputShape.elementCount)).map { _ in random.uniform(-1, 1) }
        var output = [Double](repeating: 0, count: projection.count)

        func loss() -> Double {
            input.withUnsafeBufferPointer { x in
                output.withUnsafeMutableBufferPointer { y in
                    layer.forward(x.baseAddress!, shape: inputShape, batch: batch, output: y.baseAddress!, parameters: parameters, training: training)
                }
            }
            return zip(output, projection).reduce(0) { $0 + $1.0 * $1.1 }
        }

        _ = loss()
        parameters.zeroGradients()
        var inputGradient = [Double](repeating: 0, count: input.count)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeBufferPointer { y in
                projection.withUnsafeBufferPointer { r in
                    inputGradient.withUnsafeMutableBufferPointer { dx in
                        layer.backward(input: x.baseAddress!, output: y.baseAddress!, outputGradient: r.baseAddress!,
                                       inputGradient: dx.baseAddress!, shape: inputShape, batch: batch, parameters: parameters)
                    }
                }
            }
        }
        let analytic = parameters.gradients.array

        func compare(_ what: String, _ analyticValue: Double, _ numeric: Double) {
            let scale = max(abs(analyticValue), abs(numeric), 1e-2)
            #expect(abs(analyticValue - numeric) <= tolerance * scale,
                    "\(layer.name) \(what): analytic \(analyticValue) vs numeric \(numeric), input \(inputShape) batch \(batch)",
                    sourceLocation: sourceLocation)
        }

        for spec in layout.specs {
            for element in 0..<spec.count {
                let index = spec.offset + element
                let original = parameters.values.storage[index]
                parameters.values.storage[index] = original + epsilon
                let plus = loss()
                parameters.values.storage[index] = original - epsilon
                let minus = loss()
                parameters.values.storage[index] = original
                compare("∂\(spec.name)[\(element)]", analytic[index], (plus - minus) / (2 * epsilon))
            }
        }
        for index in input.indices {
            let original = input[index]
            input[index] = original + epsilon
            let plus = loss()
            input[index] = original - epsilon
            let minus = loss()
            input[index] = original
            compare("∂input[\(index)]", inputGradient[index], (plus - minus) / (2 * epsilon))
        }
    }
}
