/// The per-parameter loops of the optimizers. They live here, as `TensorScalar` requirements, for
/// the same reason as every other inner loop: written inside the generic optimizer classes they run
/// unspecialised, each `*` a protocol call (measured: 3.7 ms per Adam step of 36k parameters, 96 %
/// of an FFN training step; specialised it is microseconds).
public enum OptimizerKernels {
    /// Adam / AdamW (PyTorch's `torch.optim.Adam(W)` update order), in place on θ, m and v.
    @inlinable
    public static func adam<Scalar: TensorScalar>(
        parameters theta: UnsafeMutablePointer<Scalar>, gradients gradient: UnsafePointer<Scalar>,
        firstMoment m: UnsafeMutablePointer<Scalar>, secondMoment v: UnsafeMutablePointer<Scalar>, count: Int,
        coefficients: AdamCoefficients<Scalar>
    ) {
        let beta1 = coefficients.beta1, beta2 = coefficients.beta2, decay = coefficients.weightDecay
        // 16 lanes at a time with the same operations in the same order as the scalar tail (IEEE
        // sqrt and division are correctly rounded either way), so results do not depend on the split.
        typealias Vector = SIMD16<Scalar>
        let vectorCount = count - count % 16
        let beta1s = Vector(repeating: beta1), beta2s = Vector(repeating: beta2)
        let oneMinusBeta1 = Vector(repeating: 1 - beta1), oneMinusBeta2 = Vector(repeating: 1 - beta2)
        let correction = Vector(repeating: coefficients.inverseRootCorrection2), epsilon = Vector(repeating: coefficients.epsilon)
        let stepSize = Vector(repeating: coefficients.stepSize), decays = Vector(repeating: decay)
        let factor = Vector(repeating: coefficients.decoupledFactor)
        var start = 0
        while start < vectorCount {
            var g = Elementwise.load(gradient + start, count: 16)
            var parameter = Elementwise.load(theta + start, count: 16)
            if decay != 0 {
                if coefficients.decoupled { parameter *= factor } else { g += decays * parameter }
            }
            let first = beta1s * Elementwise.load(m + start, count: 16) + oneMinusBeta1 * g
            let second = beta2s * Elementwise.load(v + start, count: 16) + oneMinusBeta2 * g * g
            let denominator = second.squareRoot() * correction + epsilon
            parameter -= stepSize * first / denominator
            Elementwise.store(first, m + start, count: 16)
            Elementwise.store(second, v + start, count: 16)
            Elementwise.store(parameter, theta + start, count: 16)
            start += 16
        }
        for index in vectorCount..<count {
            var g = gradient[index]
            if decay != 0 {
                if coefficients.decoupled { theta[index] *= coefficients.decoupledFactor } else { g += decay * theta[index] }
            }
            m[index] = beta1 * m[index] + (1 - beta1) * g
            v[index] = beta2 * v[index] + (1 - beta2) * g * g
            let denominator = v[index].squareRoot() * coefficients.inverseRootCorrection2 + coefficients.epsilon
            theta[index] -= coefficients.stepSize * m[index] / denominator
        }
    }

    /// SGD with momentum (PyTorch's `torch.optim.SGD`: the first step seeds the buffer with g).
    @inlinable
    public static func sgd<Scalar: TensorScalar>(
        parameters theta: UnsafeMutablePointer<Scalar>, gradients gradient: UnsafePointer<Scalar>,
        momentumBuffer buffer: UnsafeMutablePointer<Scalar>, count: Int,
        learningRate: Scalar, momentum: Scalar, weightDecay: Scalar, firstStep: Bool
    ) {
        for index in 0..<count {
            var g = gradient[index]
            if weightDecay != 0 { g += weightDecay * theta[index] }
            if momentum != 0 {
                buffer[index] = firstStep ? g : momentum * buffer[index] + g
                g = buffer[index]
            }
            theta[index] -= learningRate * g
        }
    }

    /// x ← x · factor.
    @inlinable
    public static func scale<Scalar: TensorScalar>(_ values: UnsafeMutablePointer<Scalar>, by factor: Scalar, count: Int) {
        for index in 0..<count { values[index] *= factor }
    }
}

/// The step's scalars of an Adam update, computed once per step in Double and rounded as before.
public struct AdamCoefficients<Scalar: TensorScalar>: Sendable {
    public var beta1: Scalar
    public var beta2: Scalar
    public var stepSize: Scalar
    public var inverseRootCorrection2: Scalar
    public var epsilon: Scalar
    public var weightDecay: Scalar
    public var decoupled: Bool
    public var decoupledFactor: Scalar

    public init(beta1: Scalar, beta2: Scalar, stepSize: Scalar, inverseRootCorrection2: Scalar, epsilon: Scalar,
                weightDecay: Scalar, decoupled: Bool, decoupledFactor: Scalar) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.stepSize = stepSize
        self.inverseRootCorrection2 = inverseRootCorrection2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupled = decoupled
        self.decoupledFactor = decoupledFactor
    }
}
