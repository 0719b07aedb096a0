/// Inputs that are malformed, as opposed to merely degenerate.
///
/// Degenerate but well-formed data (an empty set, one class only, constant scores) gives
/// `MetricValue.undefined` entries. Malformed data — arrays of different lengths, a label that
/// is not a class, a NaN score — is a bug upstream, so the metric functions throw one of these
/// instead of guessing.
public enum EvaluationError: Error, Sendable, Equatable, CustomStringConvertible {
    case countMismatch(scores: Int, labels: Int)
    case labelOutOfRange(index: Int, label: Int, classCount: Int)
    case nonFiniteScore(index: Int)
    case nonFiniteThreshold(Double)
    case raggedRow(index: Int, count: Int, expected: Int)
    case flatBufferSize(count: Int, classCount: Int)
    case tooFewClasses(Int)
    case classNameCount(names: Int, classes: Int)
    /// Explanation scores need the ground-truth anomaly mask, which real data sets do not have.
    case noAnomalyMask
    /// An importance-map buffer that is not (N, T) for the data set.
    case mapSize(count: Int, expected: Int)

    public var description: String {
        switch self {
        case .countMismatch(let scores, let labels):
            return "\(scores) score rows but \(labels) labels"
        case .labelOutOfRange(let index, let label, let classCount):
            return "label \(label) at index \(index) is not in 0..<\(classCount)"
        case .nonFiniteScore(let index):
            return "score at index \(index) is not finite"
        case .nonFiniteThreshold(let threshold):
            return "threshold \(threshold) is not finite"
        case .raggedRow(let index, let count, let expected):
            return "probability row \(index) has \(count) entries, expected \(expected)"
        case .flatBufferSize(let count, let classCount):
            return "flat probability buffer of \(count) values is not a multiple of \(classCount) classes"
        case .tooFewClasses(let count):
            return "need at least 2 classes, got \(count)"
        case .classNameCount(let names, let classes):
            return "\(names) class names for \(classes) classes"
        case .noAnomalyMask:
            return "the data set has no ground-truth anomaly mask, so explanations cannot be scored"
        case .mapSize(let count, let expected):
            return "importance maps hold \(count) values, expected N·T = \(expected)"
        }
    }
}

/// Checks shared by the binary and multi-class entry points.
enum InputValidation {
    static func checkBinary(scores: [Double], labels: [Int]) throws {
        guard scores.count == labels.count else {
            throw EvaluationError.countMismatch(scores: scores.count, labels: labels.count)
        }
        try checkLabels(labels, classCount: 2)
        if let index = scores.firstIndex(where: { !$0.isFinite }) {
            throw EvaluationError.nonFiniteScore(index: index)
        }
    }

    static func checkLabels(_ labels: [Int], classCount: Int) throws {
        if let index = labels.firstIndex(where: { $0 < 0 || $0 >= classCount }) {
            throw EvaluationError.labelOutOfRange(index: index, label: labels[index], classCount: classCount)
        }
    }

    static func checkClassNames(_ names: [String], classCount: Int) throws {
        guard names.count == classCount else {
            throw EvaluationError.classNameCount(names: names.count, classes: classCount)
        }
    }

    static func defaultClassNames(_ classCount: Int) -> [String] {
        (0..<classCount).map { String($0) }
    }
}
