import Kernels

/// One-dimensional convolution over time with "same" padding, PyTorch
/// `nn.Conv1d(C, O, K, padding=K // 2)` for odd K (and `padding="same"` for any K: (K−1)/2 zeros
/// before the series, the rest after), but channels-last:
///   y[b, t, o] = bias[o] + Σ_{c,k} W[o, c, k] · x[b, t + k − (K−1)/2, c]   (x = 0 outside 0..<T)
///
/// Shapes: x is (B, T, C), y is (B, T, O). Parameters `<name>.weight` (O, C, K) and `<name>.bias`
/// (O), initialised as PyTorch: U(−1/√(C·K), 1/√(C·K)) for both.
///
/// Computed as im2col + one GEMM: the (B·T, C·K) column matrix X̃ holds the receptive field of each
/// output step in the weight's (c, k) order, so y = X̃·Wᵀ + b. Backward: ∂L/∂W += ∂L/∂yᵀ·X̃,
/// ∂L/∂b += Σ_rows ∂L/∂y, ∂L/∂X̃ = ∂L/∂y·W, and col2im scatters ∂L/∂X̃ back onto ∂L/∂x.
public final class Conv1D<Scalar: TensorScalar>: Layer, @unchecked Sendable {
    public let name: String
    public let inputChannels: Int
    public let outputChannels: Int
    public let kernelSize: Int
    private var weightID = ParameterID(index: -1)
    private var biasID = ParameterID(index: -1)
    private let columns = Buffer<Scalar>()          // (B·T, C·K)
    private let columnGradient = Buffer<Scalar>()   // (B·T, C·K)
    private let product = LinearProduct<Scalar>()

    public init(name: String, inputChannels: Int, outputChannels: Int, kernelSize: Int) {
        precondition(kernelSize >= 1, "kernel size must be at least 1")
        self.name = name
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
    }

    /// Zeros before the series; (K − 1) − leftPadding after it.
    public var leftPadding: Int { (kernelSize - 1) / 2 }

    public func declareParameters(in layout: inout ParameterLayout) {
        weightID = layout.add("\(name).weight", shape: [outputChannels, inputChannels, kernelSize])
        biasID = layout.add("\(name).bias", shape: [outputChannels])
    }

    public func initializeParameters(_ parameters: ParameterStore<Scalar>, random: inout SeededRandom) {
        let fanIn = inputChannels * kernelSize
        let bound = fanIn > 0 ? 1 / Double(fanIn).squareRoot() : 0
        fillUniform(parameters.value(weightID), count: outputChannels * fanIn, bound: bound, random: &random)
        fillUniform(parameters.value(biasID), count: outputChannels, bound: bound, random: &random)
    }

    public func outputShape(for input: ActivationShape) throws -> ActivationShape {
        guard let time = input.time else { throw ShapeError(layer: name, "convolves over time and needs a time axis, got \(input)") }
        guard input.features == inputChannels else {
            throw ShapeError(layer: name, "expects \(inputChannels) input channels, got \(input.features)")
        }
        return ActivationShape(time: time, features: outputChannels)
    }

    public func forwardFLOPs(for input: ActivationShape) -> Int {
        input.rowsPerSample * outputChannels * (2 * inputChannels * kernelSize + 1)
    }

    public func forward(
        _ input: UnsafePointer<Scalar>, shape: ActivationShape, batch: Int,
        output: UnsafeMutablePointer<Scalar>, parameters: ParameterStore<Scalar>, training: Bool
    ) {
        let time = shape.time ?? 0, width = inputChannels * kernelSize, rows = batch * time
        columns.resize(rows * width)
        Scalar.im2col(input, batch: batch, time: time, channels: inputChannels, kernel: kernelSize,
                      leftPadding: leftPadding, outputTime: time, columns: columns.pointer)
        product.forward(
            columns.pointer, rows: rows, inputFeatures: width, outputFeatures: outputChannels,
            weight: parameters.value(weightID), bias: parameters.value(biasID), output: output)
    }

    public func backward(
        input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>,
        inputGradient: UnsafeMutablePointer<Scalar>?, shape: ActivationShape, batch: Int,
        parameters: ParameterStore<Scalar>
    ) {
        let time = shape.time ?? 0, width = inputChannels * kernelSize, rows = batch * time
        product.addWeightGradient(
            outputGradient, input: columns.pointer, rows: rows, inputFeatures: width, outputFeatures: outputChannels,
            into: parameters.gradient(weightID))
        Scalar.addColumnSums(of: outputGradient, rows: rows, columns: outputChannels, into: parameters.gradient(biasID))
        guard let inputGradient else { return }
        columnGradient.resize(rows * width, zeroed: true)
        product.addInputGradient(
            outputGradient, rows: rows, inputFeatures: width, outputFeatures: outputChannels,
            weight: parameters.value(weightID), into: columnGradient.pointer)
        Scalar.col2imAdding(columnGradient.pointer, batch: batch, time: time, channels: inputChannels, kernel: kernelSize,
                            leftPadding: leftPadding, outputTime: time, into: inputGradient)
    }
}
