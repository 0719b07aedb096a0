import Kernels

/// One-dimensional convolution over time with "same" padding, PyTorch
/// `nn.Conv1d(C, O, K, padding=K // 2)` for odd K (and `padding="same"` for any K: (K−1)/2 zeros
/// before the series, the rest after), but channels-last:
///   y[b, t, o] = bias[o] + Σ_{c,k} W[o, c, k] · x[b, t + k − (K−1)/2, c]   (x = 0 outside 0..<T)
///
/// Shapes: x is (B, T, C), y is (B, T, O). Parameters `<name>.weight` (O, C, K) and `<name>.bias`
/// (O), initialised as PyTorch: U(−1/√(C·K), 1/√(C·K)) for both.
///
/// Computed without im2col (`Convolution`): each series is padded once, and its sliding windows are
/// read in place as the rows of a product with overlapping rows, y_b = x̂_b[lda: C]·Ŵ + b. Backward:
/// ∂L/∂Ŵ += x̂_bᵀ·∂L/∂y_b, ∂L/∂b += Σ_rows ∂L/∂y, ∂L/∂x_b += ∂ŷ_b[lda: O]·W̃ (the padded output
/// gradient against the flipped weight). With two threads each takes half the batch (padding its
/// own series); the weight and bias gradients are summed per half and the halves added in a fixed
/// order, so one or two threads give the same bits.
public final class Conv1D<Scalar: TensorScalar>: Layer, InputGradientWriting, @unchecked Sendable {
    public let name: String
    public let inputChannels: Int
    public let outputChannels: Int
    public let kernelSize: Int
    private var weightID = ParameterID(index: -1)
    private var biasID = ParameterID(index: -1)
    private let paddedInput = Buffer<Scalar>()       // (B, T + K − 1, C)
    private let paddedGradient = Buffer<Scalar>()    // (B, T + K − 1, O)
    private let forwardWeight = Buffer<Scalar>()     // Ŵ (K·C, O)
    private let flippedWeight = Buffer<Scalar>()     // W̃ (K·O, C)
    private let windowGradients = Buffer<Scalar>()   // 2 × (K·C, O), one per half of the batch
    private let zeros = Buffer<Scalar>()             // (C): the "bias" of a written input gradient
    public var writesInputGradient = false

    public init(name: String, inputChannels: Int, outputChannels: Int, kernelSize: Int) {
        precondition(kernelSize >= 1, "kernel size must be at least 1")
        self.name = name
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
    }

    /// Zeros before the series; (K − 1) − leftPadding after it.
    public var leftPadding: Int { (kernelSize - 1) / 2 }
    public var rightPadding: Int { kernelSize - 1 - leftPadding }

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
        let time = shape.time ?? 0, channels = inputChannels, outputs = outputChannels, kernel = kernelSize
        let paddedTime = time + kernel - 1
        paddedInput.resize(batch * paddedTime * channels)
        forwardWeight.resize(kernel * channels * outputs)
        Scalar.windowWeights(parameters.value(weightID), outputChannels: outputs, channels: channels, kernel: kernel,
                             flipped: false, into: forwardWeight.pointer)
        let padded = paddedInput.pointer, weight = forwardWeight.pointer, bias = parameters.value(biasID)
        let before = leftPadding, after = rightPadding
        Parallelism.splitInHalves(batch) { series, _ in
            // Each thread pads its own series: in parallel, and still in its cache for the product.
            Scalar.padSeries(input + series.lowerBound * time * channels, batch: series.count, time: time, channels: channels,
                             before: before, after: after, into: padded + series.lowerBound * paddedTime * channels)
            for b in series {
                Scalar.smallMultiplyAddingBias(
                    m: time, n: outputs, k: kernel * channels, a: padded + b * paddedTime * channels, lda: channels,
                    b: weight, ldb: outputs, bias: bias, c: output + b * time * outputs, ldc: outputs)
            }
        }
    }

    public func backward(
        input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>,
        inputGradient: UnsafeMutablePointer<Scalar>?, shape: ActivationShape, batch: Int,
        parameters: ParameterStore<Scalar>
    ) {
        let time = shape.time ?? 0, channels = inputChannels, outputs = outputChannels, kernel = kernelSize
        let paddedTime = time + kernel - 1, windowSize = kernel * channels * outputs
        // Per half of the batch: the window gradient, then the bias gradient.
        windowGradients.resize(2 * (windowSize + outputs), zeroed: true)
        if inputGradient != nil {
            paddedGradient.resize(batch * paddedTime * outputs)
            flippedWeight.resize(kernel * outputs * channels)
            zeros.resize(channels, zeroed: true)
            Scalar.windowWeights(parameters.value(weightID), outputChannels: outputs, channels: channels, kernel: kernel,
                                 flipped: true, into: flippedWeight.pointer)
        }
        let padded = paddedInput.pointer, gradients = windowGradients.pointer
        let paddedOutputGradient = paddedGradient.pointer, flipped = flippedWeight.pointer
        let before = rightPadding, after = leftPadding, writes = writesInputGradient, zeros = zeros.pointer
        Parallelism.forBothHalves(batch) { series, part in
            let rows = series.lowerBound * time * outputs
            Scalar.addColumnSums(of: outputGradient + rows, rows: series.count * time, columns: outputs,
                                 into: gradients + 2 * windowSize + part * outputs)
            if inputGradient != nil {
                // ∂ŷ: K − 1 − P zeros before, P after (the mirror of the input's padding).
                Scalar.padSeries(outputGradient + rows, batch: series.count, time: time, channels: outputs, before: before, after: after,
                                 into: paddedOutputGradient + series.lowerBound * paddedTime * outputs)
            }
            for b in series {
                Scalar.smallMultiplyAddTransposedA(
                    m: kernel * channels, n: outputs, k: time, a: padded + b * paddedTime * channels, lda: channels,
                    b: outputGradient + b * time * outputs, ldb: outputs, c: gradients + part * windowSize, ldc: outputs)
                if let inputGradient, writes {
                    // C = 0ᵀ + A·B: the same sums as adding to zeros, without reading C.
                    Scalar.smallMultiplyAddingBias(
                        m: time, n: channels, k: kernel * outputs, a: paddedOutputGradient + b * paddedTime * outputs, lda: outputs,
                        b: flipped, ldb: channels, bias: zeros, c: inputGradient + b * time * channels, ldc: channels)
                } else if let inputGradient {
                    Scalar.smallMultiplyAdd(
                        m: time, n: channels, k: kernel * outputs, a: paddedOutputGradient + b * paddedTime * outputs, lda: outputs,
                        b: flipped, ldb: channels, c: inputGradient + b * time * channels, ldc: channels)
                }
            }
        }
        Scalar.addWindowWeightGradient(gradients, parts: 2, outputChannels: outputs, channels: channels, kernel: kernel,
                                       into: parameters.gradient(weightID))
        let biasGradient = parameters.gradient(biasID), biasSums = gradients + 2 * windowSize
        for o in 0..<outputs { biasGradient[o] += biasSums[o] + biasSums[outputs + o] }
    }
}
