import Kernels

/// Softmax cross-entropy on logits, mean over the batch, PyTorch `nn.CrossEntropyLoss()` with class
/// indices as targets:
///   L = (1/B) Σ_b [logsumexp(z_b) − z_{b, y_b}],   logsumexp(z) = m + log Σ_k e^{z_k − m}, m = max z
/// (shifting by the maximum keeps every exponential ≤ 1, so no logit overflows).
/// Gradient: ∂L/∂z_{b,k} = (softmax(z_b)_k − [k = y_b])/B.
///
/// Shapes: logits z (B, K) row-major, targets y (B) holding class indices 0..<K as scalars. Sums run
/// in Double, as in `BinaryCrossEntropy`.
public enum SoftmaxCrossEntropy {
    public static func loss<Scalar: TensorScalar>(
        logits: UnsafePointer<Scalar>, targets: UnsafePointer<Scalar>, count: Int, classes: Int
    ) -> Double {
        guard count > 0, classes > 0 else { return 0 }
        var total = 0.0
        for b in 0..<count {
            let row = logits + b * classes
            total += logSumExp(row, classes: classes) - Double(row[targetIndex(targets[b], classes: classes)])
        }
        return total / Double(count)
    }

    /// Adds ∂L/∂z into `logitGradient` (B, K).
    public static func backward<Scalar: TensorScalar>(
        logits: UnsafePointer<Scalar>, targets: UnsafePointer<Scalar>, addingInto logitGradient: UnsafeMutablePointer<Scalar>,
        count: Int, classes: Int
    ) {
        guard count > 0, classes > 0 else { return }
        let scale = 1 / Double(count)
        for b in 0..<count {
            let row = logits + b * classes
            let normalizer = logSumExp(row, classes: classes)
            let target = targetIndex(targets[b], classes: classes)
            for k in 0..<classes {
                let probability = Double.scalarExp(Double(row[k]) - normalizer)
                logitGradient[b * classes + k] += Scalar((probability - (k == target ? 1 : 0)) * scale)
            }
        }
    }

    static func logSumExp<Scalar: TensorScalar>(_ row: UnsafePointer<Scalar>, classes: Int) -> Double {
        var maximum = Double(row[0])
        for k in 1..<classes { maximum = max(maximum, Double(row[k])) }
        var sum = 0.0
        for k in 0..<classes { sum += Double.scalarExp(Double(row[k]) - maximum) }
        return maximum + Double.scalarLog(sum)
    }

    static func targetIndex<Scalar: TensorScalar>(_ target: Scalar, classes: Int) -> Int {
        let index = target.isFinite && abs(target) < 1e9 ? Int(target) : -1
        precondition(Scalar(index) == target && (0..<classes).contains(index), "target \(target) is not a class index in 0..<\(classes)")
        return index
    }
}
