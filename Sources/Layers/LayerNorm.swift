import Kernels

/// Layer normalisation over the features of each step, PyTorch `nn.LayerNorm(features)` (ε = 1e-5,
/// elementwise affine):
///   y = (x − μ)/√(σ² + ε) ⊙ γ + β,  μ and σ² (biased) over the F features of one row.
///
/// Shapes: x and y are (B, [T,] F). Parameters `<name>.weight` γ (F), initialised to 1, and
/// `<name>.bias` β (F), initialised to 0. Backward (derived in `Normalization.layerNormBackward`)
/// uses the normalised rows and 1/√(σ² + ε) kept by the forward.
public final class LayerNorm<Scalar: TensorScalar>: Layer, InputGradientWriting, @unchecked Sendable {
    public let name: String
    public let features: Int
    public let epsilon: Double
    private var weightID = ParameterID(index: -1)
    private var biasID = ParameterID(index: -1)
    private let normalized = Buffer<Scalar>()   // (rows, F): x̂
    private let inverseStandardDeviation = Buffer<Scalar>()  // (rows)
    public var writesInputGradient = false

    public init(name: String, features: Int, epsilon: Double = 1e-5) {
        self.name = name
        self.features = features
        self.epsilon = epsilon
    }

    public func declareParameters(in layout: inout ParameterLayout) {
        weightID = layout.add("\(name).weight", shape: [features])
        biasID = layout.add("\(name).bias", shape: [features])
    }

    public func initializeParameters(_ parameters: ParameterStore<Scalar>, random: inout SeededRandom) {
        parameters.value(weightID).update(repeating: 1, count: features)
        parameters.value(biasID).update(repeating: 0, count: features)
    }

    public func outputShape(for input: ActivationShape) throws -> ActivationShape {
        guard input.features == features else {
            throw ShapeError(layer: name, "expects \(features) features, got \(input.features)")
        }
        return input
    }

    /// Mean, variance, normalise and the affine map: about 8 operations per element.
    public func forwardFLOPs(for input: ActivationShape) -> Int { 8 * input.elementCount }

    public func forward(
        _ input: UnsafePointer<Scalar>, shape: ActivationShape, batch: Int,
        output: UnsafeMutablePointer<Scalar>, parameters: ParameterStore<Scalar>, training: Bool
    ) {
        let rows = batch * shape.rowsPerSample
        normalized.resize(rows * features)
        inverseStandardDeviation.resize(rows)
        Scalar.layerNormForward(
            input, rows: rows, columns: features, epsilon: Scalar(epsilon),
            gamma: parameters.value(weightID), beta: parameters.value(biasID),
            normalized: normalized.pointer, inverseStandardDeviation: inverseStandardDeviation.pointer, output: output)
    }

    public func backward(
        input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>,
        inputGradient: UnsafeMutablePointer<Scalar>?, shape: ActivationShape, batch: Int,
        parameters: ParameterStore<Scalar>
    ) {
        Scalar.layerNormBackward(
            normalized: normalized.pointer, inverseStandardDeviation: inverseStandardDeviation.pointer,
            outputGradient: outputGradient, gamma: parameters.value(weightID), rows: batch * shape.rowsPerSample,
            columns: features, gammaGradient: parameters.gradient(weightID), betaGradient: parameters.gradient(biasID),
            addingInto: inputGradient, accumulate: !writesInputGradient)
    }
}
