import Foundation
import Testing

/// The reference values in Fixtures/sklearn_metrics.json, written by Fixtures/make_fixtures.py.
struct SklearnFixtures: Decodable {
    struct BinaryCase: Decodable, CustomTestStringConvertible {
        struct ROC: Decodable { let thresholds: [Double?]; let fpr: [Double]; let tpr: [Double] }
        struct PR: Decodable { let thresholds: [Double]; let precision: [Double]; let recall: [Double] }
        let name: String
        let labels: [Int]
        let scores: [Double]
        let threshold: Double
        let accuracy, precision, recall, f1, specificity, balancedAccuracy: Double
        let rocAuc, averagePrecision: Double
        let confusionMatrix: [[Int]]
        let rocCurve: ROC
        let prCurve: PR
        var testDescription: String { name }
    }

    struct MulticlassCase: Decodable, CustomTestStringConvertible {
        let name: String
        let labels: [Int]
        let probabilities: [[Double]]
        let accuracy: Double
        let perClassPrecision, perClassRecall, perClassF1, perClassRocAuc: [Double]
        let macroPrecision, macroRecall, macroF1: Double
        let weightedPrecision, weightedRecall, weightedF1: Double
        let macroRocAucOvr: Double
        let confusionMatrix: [[Int]]
        var testDescription: String { name }
    }

    let sklearnVersion: String
    let binary: [BinaryCase]
    let multiclass: [MulticlassCase]

    static func load() throws -> SklearnFixtures {
        guard let url = Bundle.module.url(
            forResource: "sklearn_metrics", withExtension: "json", subdirectory: "Fixtures"
        ) else {
            throw CocoaError(.fileNoSuchFile)
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(SklearnFixtures.self, from: Data(contentsOf: url))
    }

    /// Loaded once for the parameterised tests. If loading fails the parameter lists are empty,
    /// and `fixturesLoadWithEveryCase` fails instead, so the parity tests cannot pass vacuously.
    static let shared: SklearnFixtures? = try? load()
}

/// Tolerance for comparing with scikit-learn: relative 1e-12 (absolute near 0).
///
/// Both sides compute the same rational numbers from integer counts, but round differently:
/// sklearn sums rates that were each rounded (`tps / tps[-1]`, trapezoids in floating point),
/// we sum integers or unrounded terms and divide once. Each operation has relative error
/// ≤ 2⁻⁵³ ≈ 1.1e-16, and at most a few hundred terms are summed here, so the two agree to
/// ~1e-14. A real mistake is far larger: mishandling one tied pair in the n = 300 case moves
/// ROC-AUC by 1/(2·P·N) ≈ 2e-5, and one misclassified sample moves accuracy by 1/n.
func expectClose(
    _ actual: Double?, _ expected: Double, _ what: @autoclosure () -> String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard let actual else {
        Issue.record("\(what()): undefined, expected \(expected)", sourceLocation: sourceLocation)
        return
    }
    let tolerance = 1e-12 * max(1, abs(expected))
    #expect(abs(actual - expected) <= tolerance, "\(what()): \(actual) vs sklearn \(expected)",
            sourceLocation: sourceLocation)
}
