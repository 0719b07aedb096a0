/// A K×K confusion matrix: `counts[t][p]` is the number of samples of true class `t` that were
/// predicted as class `p` — rows are the true class, columns the predicted class, as
/// scikit-learn's `confusion_matrix(y_true, y_pred, labels=range(K))`.
///
/// For binary problems (K = 2, class 1 positive) this is `[[TN, FP], [FN, TP]]`.
public struct ConfusionMatrix: Sendable, Hashable, Codable {
    public let classNames: [String]
    /// Row-major K×K counts, `counts[trueClass][predictedClass]`.
    public let counts: [[Int]]

    public var classCount: Int { classNames.count }

    /// Counts the pairs. `trueLabels` and `predictedLabels` must have equal length with every
    /// entry in `0..<classNames.count`.
    public init(classNames: [String], trueLabels: [Int], predictedLabels: [Int]) throws {
        guard classNames.count >= 2 else { throw EvaluationError.tooFewClasses(classNames.count) }
        guard trueLabels.count == predictedLabels.count else {
            throw EvaluationError.countMismatch(scores: predictedLabels.count, labels: trueLabels.count)
        }
        try InputValidation.checkLabels(trueLabels, classCount: classNames.count)
        try InputValidation.checkLabels(predictedLabels, classCount: classNames.count)
        var counts = [[Int]](repeating: [Int](repeating: 0, count: classNames.count), count: classNames.count)
        for (truth, prediction) in zip(trueLabels, predictedLabels) {
            counts[truth][prediction] += 1
        }
        self.classNames = classNames
        self.counts = counts
    }

    public subscript(trueClass: Int, predictedClass: Int) -> Int {
        counts[trueClass][predictedClass]
    }

    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }

    /// Samples whose true class is `classIndex` (the row sum; sklearn's "support").
    public func support(of classIndex: Int) -> Int { counts[classIndex].reduce(0, +) }

    /// Samples predicted as `classIndex` (the column sum).
    public func predictedCount(of classIndex: Int) -> Int { counts.reduce(0) { $0 + $1[classIndex] } }

    /// Samples of `classIndex` predicted as `classIndex`.
    public func correct(for classIndex: Int) -> Int { counts[classIndex][classIndex] }

    /// The matrix as a fixed-width text table, true classes down, predicted across:
    /// ```
    /// true \ predicted    cat    dog
    /// cat                   5      1
    /// dog                   2      7
    /// ```
    public func table() -> String {
        let corner = "true \\ predicted"
        let rowHeaderWidth = max(corner.count, classNames.map(\.count).max() ?? 0)
        let cellWidth = max(
            classNames.map(\.count).max() ?? 0,
            counts.flatMap { $0 }.map { String($0).count }.max() ?? 1
        )
        var lines = [pad(corner, rowHeaderWidth) + classNames.map { "  " + padLeft($0, cellWidth) }.joined()]
        for (name, row) in zip(classNames, counts) {
            lines.append(pad(name, rowHeaderWidth) + row.map { "  " + padLeft(String($0), cellWidth) }.joined())
        }
        return lines.joined(separator: "\n")
    }
}

/// Left-aligns `text` in `width` columns (never truncates).
func pad(_ text: String, _ width: Int) -> String {
    text + String(repeating: " ", count: max(0, width - text.count))
}

/// Right-aligns `text` in `width` columns (never truncates).
func padLeft(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - text.count)) + text
}
