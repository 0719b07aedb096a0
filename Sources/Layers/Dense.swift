import Kernels

/// Fully connected layer on the last axis, PyTorch `nn.Linear(inputFeatures, outputFeatures)`:
/// y = x·Wᵀ + b.
///
/// Shapes: x is (B, [T,] inputFeatures) seen as N = B·T rows; W is (outputFeatures, inputFeatures);
/// b is (outputFeatures); y is (B, [T,] outputFeatures).
/// Initialisation (PyTorch default, kaiming_uniform with a = √5): W and b ~ U(−1/√in, 1/√in).
///
/// Backward: ∂L/∂W += ∂L/∂yᵀ·x, ∂L/∂b += Σ_rows ∂L/∂y, ∂L/∂x += ∂L/∂y·W.
public final class Dense<Scalar: TensorScalar>: Layer, InputGradientWriting, @unchecked Sendable {
    public let name: String
    public let inputFeatures: Int
    public let outputFeatures: Int
    public let hasBias: Bool
    /// state_dict names: `<name>.weight`/`<name>.bias` unless given (packed projections such as
    /// `self_attn.in_proj_weight`).
    public let weightName: String
    public let biasName: String
    private var weightID = ParameterID(index: -1)
    private var biasID = ParameterID(index: -1)
    private let product = LinearProduct<Scalar>()
    public var writesInputGradient = false

    public init(name: String, inputFeatures: Int, outputFeatures: Int, bias: Bool = true,
                weightName: String? = nil, biasName: String? = nil) {
        self.name = name
        self.inputFeatures = inputFeatures
        self.outputFeatures = outputFeatures
        self.hasBias = bias
        self.weightName = weightName ?? "\(name).weight"
        self.biasName = biasName ?? "\(name).bias"
    }

    public func declareParameters(in layout: inout ParameterLayout) {
        weightID = layout.add(weightName, shape: [outputFeatures, inputFeatures])
        if hasBias { biasID = layout.add(biasName, shape: [outputFeatures]) }
    }

    /// The weight (outputFeatures, inputFeatures) and bias, for composite layers that reuse them.
    public func weight(in parameters: ParameterStore<Scalar>) -> UnsafeMutablePointer<Scalar> { parameters.value(weightID) }
    public func weightGradient(in parameters: ParameterStore<Scalar>) -> UnsafeMutablePointer<Scalar> { parameters.gradient(weightID) }
    public func bias(in parameters: ParameterStore<Scalar>) -> UnsafeMutablePointer<Scalar> { parameters.value(biasID) }
    public func biasGradient(in parameters: ParameterStore<Scalar>) -> UnsafeMutablePointer<Scalar> { parameters.gradient(biasID) }

    public func forwardFLOPs(for input: ActivationShape) -> Int {
        input.rowsPerSample * outputFeatures * (2 * inputFeatures + (hasBias ? 1 : 0))
    }

    public func initializeParameters(_ parameters: ParameterStore<Scalar>, random: inout SeededRandom) {
        let bound = inputFeatures > 0 ? 1 / Double(inputFeatures).squareRoot() : 0
        fillUniform(parameters.value(weightID), count: outputFeatures * inputFeatures, bound: bound, random: &random)
        if hasBias { fillUniform(parameters.value(biasID), count: outputFeatures, bound: bound, random: &random) }
    }

    public func outputShape(for input: ActivationShape) throws -> ActivationShape {
        guard input.features == inputFeatures else {
            throw ShapeError(layer: name, "expects \(inputFeatures) input features, got \(input.features)")
        }
        return ActivationShape(time: input.time, features: outputFeatures)
    }

    public func forward(
        _ input: UnsafePointer<Scalar>, shape: ActivationShape, batch: Int,
        output: UnsafeMutablePointer<Scalar>, parameters: ParameterStore<Scalar>, training: Bool
    ) {
        product.forward(
            input, rows: batch * shape.rowsPerSample, inputFeatures: inputFeatures, outputFeatures: outputFeatures,
            weight: parameters.value(weightID), bias: hasBias ? parameters.value(biasID) : nil, output: output)
    }

    public func backward(
        input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>,
        inputGradient: UnsafeMutablePointer<Scalar>?, shape: ActivationShape, batch: Int,
        parameters: ParameterStore<Scalar>
    ) {
        let rows = batch * shape.rowsPerSample
        product.addWeightGradient(
            outputGradient, input: input, rows: rows, inputFeatures: inputFeatures, outputFeatures: outputFeatures,
            into: parameters.gradient(weightID))
        if hasBias {
            Scalar.addColumnSums(of: outputGradient, rows: rows, columns: outputFeatures, into: parameters.gradient(biasID))
        }
        if let inputGradient {
            product.addInputGradient(
                outputGradient, rows: rows, inputFeatures: inputFeatures, outputFeatures: outputFeatures,
                weight: parameters.value(weightID), into: inputGradient, accumulate: !writesInputGradient)
        }
    }
}
