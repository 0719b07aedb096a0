import Kernels

/// The loss for a classifier with `outputs` logits per series: binary cross-entropy on one logit
/// (K = 2, targets 0/1) or softmax cross-entropy on K logits (K > 2, targets = class indices), both
/// the mean over the batch. The trainer calls this so one code path serves both.
public enum ClassificationLoss {
    public static func loss<Scalar: TensorScalar>(logits: UnsafePointer<Scalar>, targets: UnsafePointer<Scalar>, count: Int, outputs: Int) -> Double {
        outputs == 1
            ? BinaryCrossEntropy.loss(logits: logits, targets: targets, count: count)
            : SoftmaxCrossEntropy.loss(logits: logits, targets: targets, count: count, classes: outputs)
    }

    /// Adds ∂L/∂logits (count × outputs) into `logitGradient`.
    public static func backward<Scalar: TensorScalar>(
        logits: UnsafePointer<Scalar>, targets: UnsafePointer<Scalar>, addingInto logitGradient: UnsafeMutablePointer<Scalar>,
        count: Int, outputs: Int
    ) {
        if outputs == 1 {
            BinaryCrossEntropy.backward(logits: logits, targets: targets, addingInto: logitGradient, count: count)
        } else {
            SoftmaxCrossEntropy.backward(logits: logits, targets: targets, addingInto: logitGradient, count: count, classes: outputs)
        }
    }

    /// The predicted class of each series: logit > 0 for one output, else the largest logit.
    public static func predictions<Scalar: TensorScalar>(logits: UnsafePointer<Scalar>, count: Int, outputs: Int) -> [Int] {
        (0..<count).map { b in
            if outputs == 1 { return logits[b] > 0 ? 1 : 0 }
            var best = 0
            for k in 1..<outputs where logits[b * outputs + k] > logits[b * outputs + best] { best = k }
            return best
        }
    }
}
