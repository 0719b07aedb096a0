/// A metric that is either a finite number or explicitly undefined, with the reason.
///
/// Metrics are ratios, and ratios divide by counts that can be zero on real evaluation sets
/// (no predicted positives, a class missing from the test set, an empty set). Instead of NaN,
/// a silent 0, or a crash, such a metric is `.undefined(reason:)` so the report can say why.
///
/// JSON form (one object, so a reader never has to guess which case it sees):
/// ```json
/// {"value": 0.8125}
/// {"value": null, "reason": "no predicted positives (TP + FP = 0)"}
/// ```
/// A `.value` that is not finite (which the metric code never produces) is encoded as
/// `null` with a reason rather than as NaN, so the JSON is always valid.
public enum MetricValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case value(Double)
    case undefined(reason: String)

    /// The number, or nil when undefined.
    public var value: Double? {
        if case .value(let number) = self, number.isFinite { return number }
        return nil
    }

    /// Why the metric is undefined, or nil when it has a value.
    public var undefinedReason: String? {
        switch self {
        case .value(let number):
            return number.isFinite ? nil : Self.nonFiniteReason
        case .undefined(let reason):
            return reason
        }
    }

    public var isDefined: Bool { value != nil }

    /// `numerator / denominator`, or undefined with `reason` when the denominator is zero.
    static func ratio(
        _ numerator: Int, _ denominator: Int, undefinedBecause reason: @autoclosure () -> String
    ) -> MetricValue {
        denominator == 0 ? .undefined(reason: reason()) : .value(Double(numerator) / Double(denominator))
    }

    /// The value, or 0 when undefined: scikit-learn's `zero_division=0` convention, used only
    /// inside macro and weighted averages (see `MulticlassClassificationMetrics`).
    var valueOrZero: Double { value ?? 0 }

    /// `"0.8125"` with four decimals, or `"undefined (reason)"`.
    public var description: String {
        if let number = value { return Self.formatted(number) }
        return "undefined (\(undefinedReason ?? ""))"
    }

    /// Fixed four decimals, without Foundation's locale-dependent formatters.
    static func formatted(_ number: Double) -> String {
        let scaled = (abs(number) * 10_000).rounded()
        guard scaled < 1e15 else { return "\(number)" }
        let whole = Int(scaled) / 10_000
        let fraction = Int(scaled) % 10_000
        let digits = String(fraction)
        let padded = String(repeating: "0", count: 4 - digits.count) + digits
        let sign = number < 0 && scaled != 0 ? "-" : ""
        return "\(sign)\(whole).\(padded)"
    }

    static let nonFiniteReason = "computed value was not a finite number"

    private enum CodingKeys: String, CodingKey { case value, reason }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let number = try container.decodeIfPresent(Double.self, forKey: .value) {
            self = .value(number)
        } else {
            self = .undefined(reason: try container.decode(String.self, forKey: .reason))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        if let number = value {
            try container.encode(number, forKey: .value)
        } else {
            try container.encodeNil(forKey: .value)
            try container.encode(undefinedReason ?? Self.nonFiniteReason, forKey: .reason)
        }
    }
}
