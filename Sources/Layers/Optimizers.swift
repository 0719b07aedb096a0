import Foundation
import Kernels

/// An optimizer updates a `ParameterStore` from its accumulated gradients and can export and
/// restore its state by name (checkpoints resume bit for bit).
public protocol Optimizer<Scalar>: AnyObject {
    associatedtype Scalar: TensorScalar
    /// Updates taken so far.
    var step: Int { get }
    func update(_ parameters: ParameterStore<Scalar>, learningRate: Double?)
    /// Named state buffers, each with the parameter store's flat layout (e.g. "exp_avg").
    var stateBuffers: [(name: String, buffer: Buffer<Scalar>)] { get }
    func restore(step: Int)
}

extension Adam: Optimizer {
    public var stateBuffers: [(name: String, buffer: Buffer<Scalar>)] {
        [("exp_avg", firstMoment), ("exp_avg_sq", secondMoment)]
    }
}

/// Stochastic gradient descent with PyTorch's semantics (`torch.optim.SGD`, dampening 0):
///   g ← g + λθ;   b ← μb + g (b = g on the first step);   θ ← θ − lr·b   (plain SGD when μ = 0).
public final class SGD<Scalar: TensorScalar>: Optimizer, @unchecked Sendable {
    public var learningRate: Double
    public var momentum: Double
    public var weightDecay: Double
    public private(set) var step = 0
    public let momentumBuffer: Buffer<Scalar>

    public init(parameterCount: Int, learningRate: Double, momentum: Double = 0.9, weightDecay: Double = 0) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        momentumBuffer = Buffer(count: parameterCount)
    }

    public var stateBuffers: [(name: String, buffer: Buffer<Scalar>)] { [("momentum_buffer", momentumBuffer)] }

    public func restore(step: Int) { self.step = step }

    public func update(_ parameters: ParameterStore<Scalar>, learningRate: Double? = nil) {
        let lr = Scalar(learningRate ?? self.learningRate), mu = Scalar(momentum), decay = Scalar(weightDecay)
        let first = step == 0
        step += 1
        Scalar.sgdUpdate(
            parameters: parameters.values.pointer, gradients: parameters.gradients.pointer, momentumBuffer: momentumBuffer.pointer,
            count: parameters.count, learningRate: lr, momentum: mu, weightDecay: decay, firstStep: first)
    }
}

/// Gradient-norm clipping as `torch.nn.utils.clip_grad_norm_` (L2 over all parameters): when the
/// norm exceeds `maximum`, every gradient is scaled by maximum / (norm + 1e-6). Returns the norm.
@discardableResult
public func clipGradientNorm<Scalar: TensorScalar>(_ parameters: ParameterStore<Scalar>, maximum: Double) -> Double {
    let gradients = parameters.gradients.pointer
    let norm = Double(Scalar.dot(gradients, gradients, count: parameters.count)).squareRoot()
    let coefficient = maximum / (norm + 1e-6)
    if coefficient < 1 {
        Scalar.scale(gradients, by: Scalar(coefficient), count: parameters.count)
    }
    return norm
}
