import Foundation
import Kernels

/// Adam and AdamW with PyTorch's semantics (`torch.optim.Adam` / `AdamW`, default `foreach=False`
/// arithmetic): for step t = 1, 2, …
///   g ← g + λθ                      (Adam's L2 weight decay; AdamW instead does θ ← θ(1 − lr·λ))
///   m ← β₁m + (1−β₁)g,   v ← β₂v + (1−β₂)g²
///   θ ← θ − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε)
/// Note ε is added after the square root and the bias correction, as PyTorch does.
///
/// Moments live in flat buffers with the parameter store's layout, so one loop updates everything.
public final class Adam<Scalar: TensorScalar>: @unchecked Sendable {
    public struct Settings: Codable, Sendable, Equatable {
        public var learningRate: Double
        public var beta1: Double
        public var beta2: Double
        public var epsilon: Double
        public var weightDecay: Double
        /// Decoupled weight decay (AdamW) instead of L2 added to the gradient.
        public var decoupledWeightDecay: Bool

        public init(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
                    weightDecay: Double = 0, decoupledWeightDecay: Bool = false) {
            self.learningRate = learningRate
            self.beta1 = beta1
            self.beta2 = beta2
            self.epsilon = epsilon
            self.weightDecay = weightDecay
            self.decoupledWeightDecay = decoupledWeightDecay
        }
    }

    public var settings: Settings
    public private(set) var step = 0
    public let firstMoment: Buffer<Scalar>
    public let secondMoment: Buffer<Scalar>

    public init(parameterCount: Int, settings: Settings = Settings()) {
        self.settings = settings
        firstMoment = Buffer(count: parameterCount)
        secondMoment = Buffer(count: parameterCount)
    }

    /// Applies one update to `parameters` from their accumulated gradients, at `learningRate` when
    /// given (schedules), else the configured one.
    public func update(_ parameters: ParameterStore<Scalar>, learningRate: Double? = nil) {
        step += 1
        let lr = learningRate ?? settings.learningRate
        let beta1 = Scalar(settings.beta1), beta2 = Scalar(settings.beta2)
        let biasCorrection1 = 1 - Foundation.pow(settings.beta1, Double(step))
        let biasCorrection2 = 1 - Foundation.pow(settings.beta2, Double(step))
        let stepSize = Scalar(lr / biasCorrection1)
        let inverseRootCorrection2 = Scalar(1 / biasCorrection2.squareRoot())
        let epsilon = Scalar(settings.epsilon)
        let decay = Scalar(settings.weightDecay)
        let decoupled = settings.decoupledWeightDecay
        let decoupledFactor = Scalar(1 - lr * settings.weightDecay)
        Scalar.adamUpdate(
            parameters: parameters.values.pointer, gradients: parameters.gradients.pointer,
            firstMoment: firstMoment.pointer, secondMoment: secondMoment.pointer, count: parameters.count,
            coefficients: AdamCoefficients(
                beta1: beta1, beta2: beta2, stepSize: stepSize, inverseRootCorrection2: inverseRootCorrection2,
                epsilon: epsilon, weightDecay: decay, decoupled: decoupled, decoupledFactor: decoupledFactor))
    }

    public func restore(step: Int) {
        self.step = step
    }
}
