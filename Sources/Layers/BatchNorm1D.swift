import Kernels

/// Batch normalisation of each channel, PyTorch `nn.BatchNorm1d(F)` (ε = 1e-5, momentum 0.1,
/// affine, tracking running statistics), channels-last:
///   training:   μ, σ² over all B·T rows (σ² biased), y = (x − μ)/√(σ² + ε)·γ + β, and
///               running_mean ← 0.9·running_mean + 0.1·μ,
///               running_var  ← 0.9·running_var + 0.1·σ²·N/(N − 1)   (unbiased, N = B·T),
///               num_batches_tracked += 1;
///   evaluation: y = (x − running_mean)/√(running_var + ε)·γ + β.
///
/// Shapes: x and y are (B, T, F) or (B, F). Parameters `<name>.weight` γ (F) = 1 and `<name>.bias`
/// β (F) = 0; state tensors (saved, never trained) `<name>.running_mean` (F) = 0,
/// `<name>.running_var` (F) = 1 and `<name>.num_batches_tracked` (a scalar, int64 in PyTorch) = 0.
/// Backward (derived in `Normalization.batchNormBackward`) differentiates through the batch
/// statistics after a training forward and treats the running ones as constants after an
/// evaluation forward.
public final class BatchNorm1D<Scalar: TensorScalar>: Layer, InputGradientWriting, @unchecked Sendable {
    public let name: String
    public let features: Int
    public let epsilon: Double
    public let momentum: Double
    private var weightID = ParameterID(index: -1)
    private var biasID = ParameterID(index: -1)
    private var runningMeanID = StateID(index: -1)
    private var runningVarianceID = StateID(index: -1)
    private var batchesTrackedID = StateID(index: -1)
    private let mean = Buffer<Scalar>()                      // (F): statistics the last forward used
    private let inverseStandardDeviation = Buffer<Scalar>()  // (F)
    private let evaluationCoefficients = Buffer<Scalar>()    // (2F): scale, shift of `evaluationAffine`
    private var usedBatchStatistics = true
    /// Writes max(y, 0) and back-propagates through it: the ReLU that follows, folded in by the model
    /// (`SequentialClassifier.foldsBatchNormReLU`), so its pass and its gradient buffer disappear.
    public var rectifiesOutput = false
    public var writesInputGradient = false

    public init(name: String, features: Int, epsilon: Double = 1e-5, momentum: Double = 0.1) {
        self.name = name
        self.features = features
        self.epsilon = epsilon
        self.momentum = momentum
    }

    public func declareParameters(in layout: inout ParameterLayout) {
        weightID = layout.add("\(name).weight", shape: [features])
        biasID = layout.add("\(name).bias", shape: [features])
        runningMeanID = layout.addState("\(name).running_mean", shape: [features])
        runningVarianceID = layout.addState("\(name).running_var", shape: [features])
        batchesTrackedID = layout.addState("\(name).num_batches_tracked", shape: [], integer: true)
    }

    public func initializeParameters(_ parameters: ParameterStore<Scalar>, random: inout SeededRandom) {
        parameters.value(weightID).update(repeating: 1, count: features)
        parameters.value(biasID).update(repeating: 0, count: features)
        parameters.value(runningMeanID).update(repeating: 0, count: features)
        parameters.value(runningVarianceID).update(repeating: 1, count: features)
        parameters.value(batchesTrackedID).pointee = 0
    }

    public func outputShape(for input: ActivationShape) throws -> ActivationShape {
        guard input.features == features else {
            throw ShapeError(layer: name, "expects \(features) channels, got \(input.features)")
        }
        return input
    }

    /// Statistics (≈4 per element in training) and the affine normalisation (2 per element).
    public func forwardFLOPs(for input: ActivationShape) -> Int { 2 * input.elementCount }

    public func forward(
        _ input: UnsafePointer<Scalar>, shape: ActivationShape, batch: Int,
        output: UnsafeMutablePointer<Scalar>, parameters: ParameterStore<Scalar>, training: Bool
    ) {
        let rows = batch * shape.rowsPerSample
        mean.resize(features)
        inverseStandardDeviation.resize(features)
        usedBatchStatistics = training
        if training {
            Scalar.batchNormStatistics(
                input, rows: rows, columns: features, epsilon: Scalar(epsilon), momentum: Scalar(momentum),
                mean: mean.pointer, inverseStandardDeviation: inverseStandardDeviation.pointer,
                runningMean: parameters.value(runningMeanID), runningVariance: parameters.value(runningVarianceID))
            parameters.value(batchesTrackedID).pointee += 1
        } else {
            loadRunningStatistics(parameters)
        }
        Scalar.batchNormApply(
            input, rows: rows, columns: features, mean: mean.pointer, inverseStandardDeviation: inverseStandardDeviation.pointer,
            gamma: parameters.value(weightID), beta: parameters.value(biasID), rectify: rectifiesOutput, output: output)
    }

    private func loadRunningStatistics(_ parameters: ParameterStore<Scalar>) {
        mean.pointer.update(from: parameters.value(runningMeanID), count: features)
        Scalar.inverseStandardDeviation(
            parameters.value(runningVarianceID), epsilon: Scalar(epsilon), into: inverseStandardDeviation.pointer, count: features)
    }

    /// The evaluation forward as one affine map per channel (with the folded ReLU), for the
    /// convolution before it to apply to its output while that is still in cache
    /// (`SequentialClassifier.foldsEvaluationBatchNorm`): computed as `forward` computes it, so the
    /// result has the same bits. Valid until the next call.
    public func evaluationAffine(parameters: ParameterStore<Scalar>) -> ChannelAffine<Scalar> {
        mean.resize(features)
        inverseStandardDeviation.resize(features)
        evaluationCoefficients.resize(2 * features)
        loadRunningStatistics(parameters)
        let scale = evaluationCoefficients.pointer, shift = scale + features
        Normalization.batchNormCoefficients(
            mean: mean.pointer, inverseStandardDeviation: inverseStandardDeviation.pointer, gamma: parameters.value(weightID),
            beta: parameters.value(biasID), columns: features, scale: scale, shift: shift)
        return ChannelAffine(scale: UnsafePointer(scale), shift: UnsafePointer(shift), rectify: rectifiesOutput)
    }

    public func backward(
        input: UnsafePointer<Scalar>, output: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>,
        inputGradient: UnsafeMutablePointer<Scalar>?, shape: ActivationShape, batch: Int,
        parameters: ParameterStore<Scalar>
    ) {
        Scalar.batchNormBackward(
            input, outputGradient: outputGradient, rows: batch * shape.rowsPerSample, columns: features,
            mean: mean.pointer, inverseStandardDeviation: inverseStandardDeviation.pointer, gamma: parameters.value(weightID),
            gammaGradient: parameters.gradient(weightID), betaGradient: parameters.gradient(biasID),
            rectifiedOutput: rectifiesOutput ? output : nil, addingInto: inputGradient, accumulate: !writesInputGradient,
            batchStatistics: usedBatchStatistics)
    }
}

/// y_j = shift_j + x_j·scale_j per channel j, then max(y, 0) with `rectify`: an evaluation batch
/// norm (and the ReLU folded into it) applied by the layer that produced x (`Conv1D.outputAffine`).
public struct ChannelAffine<Scalar: TensorScalar> {
    public let scale: UnsafePointer<Scalar>
    public let shift: UnsafePointer<Scalar>
    public let rectify: Bool

    /// Rows × channels of x in place, on this thread (`Normalization.applyChannelAffine`).
    func apply(to rows: UnsafeMutablePointer<Scalar>, count: Int, channels: Int) {
        Scalar.applyChannelAffine(rows, rows: count, columns: channels, scale: scale, shift: shift, rectify: rectify, output: rows)
    }
}
