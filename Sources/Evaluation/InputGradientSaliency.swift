import Datasets
import Kernels
import Models

/// Input-gradient saliency ("gradient × input"), a map for every model, attention or not.
///
/// For series n with input x (T, C) and the explained logit z (the single logit of a binary model;
/// the predicted class's logit for K > 2):
///
///     s[n, t] = Σ_c | ∂z/∂x[t, c] · x[t, c] |        (N, T)
///
/// The gradient comes from the model's own backward pass: after an eval-mode forward on a batch of
/// B series, `backward(logitGradient:)` with ∂L/∂z = 1 for each series' explained logit (0 for the
/// others) returns ∂L/∂x = ∂z_b/∂x_b for every series b at once, because series never interact in a
/// forward pass (eval mode: batch-norm uses its running statistics). The sign of the logit does not
/// matter (absolute value), so "normal" and "anomalous" evidence both show.
///
/// Side effect: the backward pass adds into the parameter gradients; they are zeroed again before
/// returning, so a following training step starts clean.
public enum InputGradientSaliency {
    /// (N, T) saliency maps for `count` series of `time` steps and `model.inputChannels` channels in
    /// `values` (N, T, C), `batchSize` series per forward/backward pass.
    public static func maps<Scalar: TensorScalar>(
        model: SequentialClassifier<Scalar>, values: [Scalar], count: Int, time: Int, batchSize: Int = 64
    ) throws -> [Scalar] {
        let channels = model.inputChannels
        precondition(values.count == count * time * channels, "values must be (N, T, C) with C = model.inputChannels")
        let batchSize = max(1, batchSize)
        let outputs = model.outputCount
        var result = [Scalar](repeating: 0, count: count * time)
        var logitGradient = [Scalar](repeating: 0, count: batchSize * outputs)
        try values.withUnsafeBufferPointer { values in
            for start in stride(from: 0, to: count, by: batchSize) {
                let batch = min(batchSize, count - start)
                let input = values.baseAddress! + start * time * channels
                let logits = try model.forward(input, batch: batch, time: time, training: false)
                for series in 0..<batch {
                    let row = series * outputs
                    var explained = 0
                    for output in 1..<max(outputs, 1) where logits[row + output] > logits[row + explained] { explained = output }
                    for output in 0..<outputs { logitGradient[row + output] = output == explained ? 1 : 0 }
                }
                let gradient = logitGradient.withUnsafeBufferPointer { model.backward(logitGradient: $0.baseAddress!, inputGradient: true)! }
                for series in 0..<batch {
                    for step in 0..<time {
                        var sum: Scalar = 0
                        let base = (series * time + step) * channels
                        for channel in 0..<channels { sum += abs(gradient[base + channel] * input[base + channel]) }
                        result[(start + series) * time + step] = sum
                    }
                }
            }
        }
        model.parameters.zeroGradients()
        return result
    }

    /// (N, T) saliency maps of a Float model on a data set.
    public static func maps(model: SequentialClassifier<Float>, dataset: SeriesDataset, batchSize: Int = 64) throws -> [Float] {
        FloatingPointEnvironment.enableFlushToZero()
        return try maps(model: model, values: dataset.values, count: dataset.count, time: dataset.length, batchSize: batchSize)
    }
}
