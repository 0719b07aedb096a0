import Kernels

/// Binary cross-entropy on logits, mean over the batch, PyTorch `nn.BCEWithLogitsLoss()`:
///   L = (1/B) Σ_b [max(z_b, 0) − z_b·y_b + log(1 + e^{−|z_b|})]
/// which equals −[y log σ(z) + (1−y) log(1−σ(z))] without overflow for any z.
/// Gradient: ∂L/∂z_b = (σ(z_b) − y_b)/B.
///
/// Shapes: logits z (B), targets y (B) in [0, 1]. The sum runs in Double so the mean of a large batch
/// does not lose the small terms.
public enum BinaryCrossEntropy {
    public static func loss<Scalar: TensorScalar>(logits: UnsafePointer<Scalar>, targets: UnsafePointer<Scalar>, count: Int) -> Double {
        guard count > 0 else { return 0 }
        var total = 0.0
        for index in 0..<count {
            let z = Double(logits[index]), y = Double(targets[index])
            total += max(z, 0) - z * y + Double.scalarLog1p(Double.scalarExp(-abs(z)))
        }
        return total / Double(count)
    }

    /// Adds ∂L/∂z into `logitGradient`.
    public static func backward<Scalar: TensorScalar>(
        logits: UnsafePointer<Scalar>, targets: UnsafePointer<Scalar>, addingInto logitGradient: UnsafeMutablePointer<Scalar>, count: Int
    ) {
        guard count > 0 else { return }
        let scale = 1 / Double(count)
        for index in 0..<count {
            let z = Double(logits[index])
            let probability = z >= 0 ? 1 / (1 + Double.scalarExp(-z)) : Double.scalarExp(z) / (1 + Double.scalarExp(z))
            logitGradient[index] += Scalar((probability - Double(targets[index])) * scale)
        }
    }
}
