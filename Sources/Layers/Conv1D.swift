import Kernels

/// How `Conv1D` computes its products.
public enum ConvolutionAlgorithm: Equatable, Sendable {
    /// The sliding-window product: the same sums, in the same order, as the definition.
    case direct
    /// Winograd's F(m, K) with m = `outputsPerTile` (`Winograd`).
    case winograd(outputsPerTile: Int)

    /// Winograd where it was measured to pay: kernels of 3 and 5 taps over at least 8 input
    /// channels (the layers whose products dominate; a single-channel first layer is a thin product
    /// either way), with F(4, K): 6 or 8 products per 4 steps, transforms written out in C and exact
    /// in binary (points 0, ±1, ±2, ±½). docs/PERFORMANCE.md ("ninth pass") has the measurements.
    /// Other kernels take Winograd only when asked (`ConvolutionChoice.winograd`): their
    /// transforms run as dense matrices, unmeasured against the direct product.
    public static func automatic(inputChannels: Int, kernelSize: Int) -> ConvolutionAlgorithm {
        (kernelSize == 3 || kernelSize == 5) && inputChannels >= 8 ? .winograd(outputsPerTile: 4) : .direct
    }

    /// Kernels up to this size take Winograd with at most n = 8 points, 0, ±1, ±2, ±½ and ∞.
    /// More points bring in ±3, and the rounding error grows tenfold (measured at F(4, 7):
    /// 0.8–1.7e-5 relative, against 0.4–0.8e-6 for the direct sum; `WinogradConvolutionTests`).
    public static let largestWinogradKernel = 7

    /// F(m, K) with the most outputs per tile, up to 4, that keeps n = m + K − 1 ≤ 8.
    public static func winogradOutputsPerTile(kernelSize: Int) -> Int { max(1, min(4, 9 - kernelSize)) }

    /// The algorithm a user's choice means for a layer; nil when Winograd is asked for a kernel
    /// larger than `largestWinogradKernel`.
    public init?(_ choice: ConvolutionChoice, inputChannels: Int, kernelSize: Int) {
        switch choice {
        case .auto: self = .automatic(inputChannels: inputChannels, kernelSize: kernelSize)
        case .direct: self = .direct
        case .winograd:
            guard kernelSize <= Self.largestWinogradKernel else { return nil }
            self = .winograd(outputsPerTile: Self.winogradOutputsPerTile(kernelSize: kernelSize))
        }
    }
}

/// What a user asks for (`--convolution`, or a conv1d layer's "algorithm" field).
public enum ConvolutionChoice: String, Codable, Sendable, CaseIterable {
    /// `ConvolutionAlgorithm.automatic`.
    case auto
    /// The sliding-window product, which sums in the definition's order.
    case direct
    /// Winograd for every kernel up to `ConvolutionAlgorithm.largestWinogradKernel`: F(4, K) to
    /// K = 5, then F(3, 6) and F(2, 7).
    case winograd
}

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
///
/// With `algorithm` `.winograd(outputsPerTile: m)` the products are Winograd's F(m, K) instead
/// (`Winograd`): per tile of m steps, n = m + K − 1 products of depth C against the transformed
/// filter, 2·n·C·O FLOPs where the sliding window takes 2·m·K·C·O. The input gradient is the same
/// algorithm on ∂ŷ with the flipped filter, and the weight gradient is taken in the transformed
/// domain (∂U_i += V_iᵀ·∂M_i, then ∂W = Gᵀ·∂U). It rounds differently from the direct sum (bounded
/// in `WinogradConvolutionTests`), so `.direct` stays available (`--convolution direct`).
public final class Conv1D<Scalar: TensorScalar>: Layer, InputGradientWriting, @unchecked Sendable {
    public let name: String
    public let inputChannels: Int
    public let outputChannels: Int
    public let kernelSize: Int
    private var weightID = ParameterID(index: -1)
    private var biasID = ParameterID(index: -1)
    private let paddedInput = Buffer<Scalar>()       // (B, T + K − 1, C), direct only
    private let paddedGradient = Buffer<Scalar>()    // (B, T + K − 1, O), direct only
    private let forwardWeight = Buffer<Scalar>()     // Ŵ (K·C, O)
    private let flippedWeight = Buffer<Scalar>()     // W̃ (K·O, C)
    private let windowGradients = Buffer<Scalar>()   // 2 × (K·C, O) (Winograd: 2 × ∂U (n, C, O)), then 2 × O bias sums
    private let zeros = Buffer<Scalar>()             // (max(C, O)): the "bias" of a written product
    public var writesInputGradient = false
    /// Set by the model around an evaluation forward whose next layer is a batch norm
    /// (`SequentialClassifier.foldsEvaluationBatchNorm`): each block of output rows gets that batch
    /// norm (and its ReLU) right after it is computed, in cache, instead of in a pass of its own.
    public var outputAffine: ChannelAffine<Scalar>?
    public let algorithm: ConvolutionAlgorithm
    private let winograd: WinogradPlan?
    private let transformedFilter = Buffer<Scalar>() // U (n, C, O)
    private let flippedFilter = Buffer<Scalar>()     // U' (n, O, C), of the flipped weight
    private let tileScratch = Buffer<Scalar>()       // per half: transformed tiles, products, an edge tile

    /// `algorithm` nil: `ConvolutionAlgorithm.automatic`.
    public init(name: String, inputChannels: Int, outputChannels: Int, kernelSize: Int, algorithm: ConvolutionAlgorithm? = nil) {
        precondition(kernelSize >= 1, "kernel size must be at least 1")
        self.name = name
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        let algorithm = algorithm ?? .automatic(inputChannels: inputChannels, kernelSize: kernelSize)
        self.algorithm = algorithm
        if case .winograd(let outputsPerTile) = algorithm {
            winograd = WinogradPlan(WinogradTransform(outputs: outputsPerTile, taps: kernelSize))
        } else {
            winograd = nil
        }
    }

    /// "direct" or "winograd F(m, K)", for tables.
    public var algorithmDescription: String {
        switch algorithm {
        case .direct: "direct"
        case .winograd(let m): "winograd F(\(m), \(kernelSize))"
        }
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
        if let winograd {
            forwardWinograd(winograd, input, time: shape.time ?? 0, batch: batch, output: output, parameters: parameters)
            return
        }
        let time = shape.time ?? 0, channels = inputChannels, outputs = outputChannels, kernel = kernelSize
        let paddedTime = time + kernel - 1
        paddedInput.resize(batch * paddedTime * channels)
        forwardWeight.resize(kernel * channels * outputs)
        Scalar.windowWeights(parameters.value(weightID), outputChannels: outputs, channels: channels, kernel: kernel,
                             flipped: false, into: forwardWeight.pointer)
        let padded = paddedInput.pointer, weight = forwardWeight.pointer, bias = parameters.value(biasID)
        let before = leftPadding, after = rightPadding, affine = outputAffine
        Parallelism.splitInHalves(batch) { series, _ in
            // Each thread pads its own series: in parallel, and still in its cache for the product.
            Scalar.padSeries(input + series.lowerBound * time * channels, batch: series.count, time: time, channels: channels,
                             before: before, after: after, into: padded + series.lowerBound * paddedTime * channels)
            for b in series {
                Scalar.smallMultiplyAddingBias(
                    m: time, n: outputs, k: kernel * channels, a: padded + b * paddedTime * channels, lda: channels,
                    b: weight, ldb: outputs, bias: bias, c: output + b * time * outputs, ldc: outputs)
                affine?.apply(to: output + b * time * outputs, count: time, channels: outputs)
            }
        }
    }

    public func backward(
        input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>,
        inputGradient: UnsafeMutablePointer<Scalar>?, shape: ActivationShape, batch: Int,
        parameters: ParameterStore<Scalar>
    ) {
        if let winograd {
            backwardWinograd(winograd, input: input, outputGradient: outputGradient, inputGradient: inputGradient, time: shape.time ?? 0,
                             batch: batch, parameters: parameters)
            return
        }
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

    // MARK: Winograd

    /// The transform's coefficients in Scalar: Bᵀ (n × n), Aᵀ (m × n), A (n × m) and G (n × K).
    struct WinogradPlan {
        let transform: WinogradTransform
        let input = Buffer<Scalar>(), output = Buffer<Scalar>(), outputTransposed = Buffer<Scalar>(), filter = Buffer<Scalar>()
        /// Tiles transformed and multiplied at a time, a whole series up to T = 512: the depth of
        /// the weight-gradient products (at 64 they ran at 36 against 44 GFLOP/s, one thread).
        /// Transformed rows and products, n·max(C, O) each per tile, mostly stay in L2.
        static var tilesPerBlock: Int { 128 }

        init(_ transform: WinogradTransform) {
            self.transform = transform
            let m = transform.outputs, n = transform.points
            input.resize(n * n)
            output.resize(m * n)
            outputTransposed.resize(n * m)
            for index in 0..<(n * n) { input.pointer[index] = Scalar(transform.inputTransform[index]) }
            filter.resize(n * transform.taps)
            for index in 0..<(n * transform.taps) { filter.pointer[index] = Scalar(transform.filterTransform[index]) }
            for j in 0..<m {
                for i in 0..<n {
                    output.pointer[j * n + i] = Scalar(transform.outputTransform[j * n + i])
                    outputTransposed.pointer[i * m + j] = Scalar(transform.outputTransform[j * n + i])
                }
            }
        }

        func tiles(_ time: Int) -> Int { (time + transform.outputs - 1) / transform.outputs }
    }

    /// One half of the batch's scratch: transformed tiles and products, tilesPerBlock × n × max(C, O)
    /// each, and an edge tile, n × max(C, O).
    private func scratch(_ plan: WinogradPlan, part: Int) -> WinogradScratch {
        let width = max(inputChannels, outputChannels), block = WinogradPlan.tilesPerBlock * plan.transform.points * width
        let start = tileScratch.pointer + part * (2 * block + plan.transform.points * width)
        return WinogradScratch(transformed: start, products: start + block, edge: start + 2 * block)
    }

    struct WinogradScratch {
        let transformed: UnsafeMutablePointer<Scalar>, products: UnsafeMutablePointer<Scalar>, edge: UnsafeMutablePointer<Scalar>
    }

    private func reserveScratch(_ plan: WinogradPlan) {
        let width = max(inputChannels, outputChannels)
        tileScratch.resize(2 * (2 * WinogradPlan.tilesPerBlock + 1) * plan.transform.points * width)
        zeros.resize(width, zeroed: true)
    }

    /// y_b = Aᵀ·[U ⊙ Bᵀ·x̂_b] + bias per block of tiles: the input transform (x̂ never materialised),
    /// n products of depth C written over the products buffer, and the output transform starting
    /// from the bias.
    private func forwardWinograd(
        _ plan: WinogradPlan, _ input: UnsafePointer<Scalar>, time: Int, batch: Int, output: UnsafeMutablePointer<Scalar>,
        parameters: ParameterStore<Scalar>
    ) {
        let channels = inputChannels, outputs = outputChannels, kernel = kernelSize
        transformedFilter.resize(plan.transform.points * channels * outputs)
        reserveScratch(plan)
        Scalar.winogradFilter(parameters.value(weightID), outputChannels: outputs, channels: channels, kernel: kernel, flipped: false,
                              points: plan.transform.points, filterTransform: plan.filter.pointer, into: transformedFilter.pointer)
        let filter = transformedFilter.pointer, bias = parameters.value(biasID), before = leftPadding, affine = outputAffine
        Parallelism.splitInHalves(batch) { series, part in
            let scratch = scratch(plan, part: part)
            for b in series {
                winogradCorrelate(plan, input + b * time * channels, time: time, before: before, channels: channels, outputs: outputs,
                                  filter: filter, bias: bias, accumulate: false, affine: affine, scratch: scratch,
                                  into: output + b * time * outputs)
            }
        }
    }

    /// One series: y (T × outputs) = [bias +] the correlation of x (T × channels, read as padded by
    /// `before` zeros) with the transformed filter (n × channels × outputs); added to y with
    /// `accumulate`; then `affine` applied to each block of rows as it is written.
    private func winogradCorrelate(
        _ plan: WinogradPlan, _ series: UnsafePointer<Scalar>, time: Int, before: Int, channels: Int, outputs: Int,
        filter: UnsafePointer<Scalar>, bias: UnsafePointer<Scalar>?, accumulate: Bool, affine: ChannelAffine<Scalar>? = nil,
        scratch: WinogradScratch, into output: UnsafeMutablePointer<Scalar>
    ) {
        let m = plan.transform.outputs, n = plan.transform.points, zeros = zeros.pointer
        var firstTile = 0
        let tiles = plan.tiles(time)
        while firstTile < tiles {
            let count = min(WinogradPlan.tilesPerBlock, tiles - firstTile)
            Winograd.transformSeriesInput(series, time: time, channels: channels, before: before, firstTile: firstTile, count: count,
                                          outputs: m, points: n, coefficients: plan.input.pointer, edge: scratch.edge,
                                          into: scratch.transformed)
            for i in 0..<n {
                Scalar.smallMultiplyAddingBias(
                    m: count, n: outputs, k: channels, a: scratch.transformed + i * count * channels, lda: channels,
                    b: filter + i * channels * outputs, ldb: outputs, bias: zeros, c: scratch.products + i * count * outputs, ldc: outputs)
            }
            let rows = min(count * m, time - firstTile * m)
            Scalar.winogradOutput(scratch.products, rows: rows, channels: outputs, outputs: m, points: n,
                                  coefficients: plan.output.pointer, bias: bias, accumulate: accumulate,
                                  into: output + firstTile * m * outputs)
            affine?.apply(to: output + firstTile * m * outputs, count: rows, channels: outputs)
            firstTile += count
        }
    }

    /// Per half of the batch, per series: ∂U_i += V_iᵀ·∂M_i over blocks of tiles (V recomputed from
    /// the padded input kept by the forward pass, ∂M = A·∂y), and ∂x = the correlation of ∂ŷ with
    /// the flipped filter. ∂W = Gᵀ·(∂U of the first half + ∂U of the second).
    private func backwardWinograd(
        _ plan: WinogradPlan, input: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>,
        inputGradient: UnsafeMutablePointer<Scalar>?, time: Int, batch: Int, parameters: ParameterStore<Scalar>
    ) {
        let channels = inputChannels, outputs = outputChannels, kernel = kernelSize
        let m = plan.transform.outputs, n = plan.transform.points
        let filterSize = n * channels * outputs, tiles = plan.tiles(time)
        windowGradients.resize(2 * (filterSize + outputs), zeroed: true)
        reserveScratch(plan)
        if inputGradient != nil {
            flippedFilter.resize(filterSize)
            Scalar.winogradFilter(parameters.value(weightID), outputChannels: outputs, channels: channels, kernel: kernel, flipped: true,
                                  points: n, filterTransform: plan.filter.pointer, into: flippedFilter.pointer)
        }
        let gradients = windowGradients.pointer, flipped = flippedFilter.pointer
        let before = leftPadding, gradientBefore = rightPadding, writes = writesInputGradient
        Parallelism.forBothHalves(batch) { series, part in
            let scratch = scratch(plan, part: part)
            Scalar.addColumnSums(of: outputGradient + series.lowerBound * time * outputs, rows: series.count * time, columns: outputs,
                                 into: gradients + 2 * filterSize + part * outputs)
            for b in series {
                let seriesInput = input + b * time * channels, seriesGradient = outputGradient + b * time * outputs
                var firstTile = 0
                while firstTile < tiles {
                    let count = min(WinogradPlan.tilesPerBlock, tiles - firstTile)
                    Winograd.transformSeriesInput(seriesInput, time: time, channels: channels, before: before, firstTile: firstTile,
                                                  count: count, outputs: m, points: n, coefficients: plan.input.pointer,
                                                  edge: scratch.edge, into: scratch.transformed)
                    Scalar.winogradOutputGradient(seriesGradient + firstTile * m * outputs, rows: min(count * m, time - firstTile * m),
                                                  channels: outputs, outputs: m, points: n, coefficients: plan.outputTransposed.pointer,
                                                  into: scratch.products)
                    for i in 0..<n {
                        Scalar.smallMultiplyAddTransposedA(
                            m: channels, n: outputs, k: count, a: scratch.transformed + i * count * channels, lda: channels,
                            b: scratch.products + i * count * outputs, ldb: outputs,
                            c: gradients + part * filterSize + i * channels * outputs, ldc: outputs)
                    }
                    firstTile += count
                }
                if let inputGradient {
                    // ∂x = ∂y read as padded by K − 1 − P zeros, correlated with the flipped filter.
                    winogradCorrelate(plan, seriesGradient, time: time, before: gradientBefore, channels: outputs, outputs: channels,
                                      filter: flipped, bias: writes ? zeros.pointer : nil, accumulate: !writes, scratch: scratch,
                                      into: inputGradient + b * time * channels)
                }
            }
        }
        Scalar.addWinogradFilterGradient(gradients, parts: 2, outputChannels: outputs, channels: channels, kernel: kernel,
                                         points: n, filterTransform: plan.filter.pointer, into: parameters.gradient(weightID))
        let biasGradient = parameters.gradient(biasID), biasSums = gradients + 2 * filterSize
        for o in 0..<outputs { biasGradient[o] += biasSums[o] + biasSums[outputs + o] }
    }
}
