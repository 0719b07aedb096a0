import Foundation

/// Learning rate per optimizer step, as the matching PyTorch schedulers stepped once per batch.
public enum LearningRateSchedule: String, Codable, Sendable, CaseIterable {
    /// The base rate throughout.
    case constant
    /// `CosineAnnealingLR(T_max = total steps, eta_min = 0)`: lr·½(1 + cos(π·s/S)).
    case cosine
    /// `OneCycleLR(max_lr = lr, total_steps = S)` with PyTorch's defaults: warm up from lr/25 to lr
    /// over the first 30 % of steps, then anneal (cosine) to lr/(25·10⁴).
    case onecycle

    /// The rate for step `step` (0-based) of `totalSteps`.
    public func rate(base: Double, step: Int, totalSteps: Int) -> Double {
        let total = max(totalSteps, 1)
        switch self {
        case .constant:
            return base
        case .cosine:
            return base * 0.5 * (1 + cos(Double.pi * Double(min(step, total)) / Double(total)))
        case .onecycle:
            let initial = base / 25, final = initial / 1e4
            let warmupEnd = 0.3 * Double(total) - 1
            func anneal(_ start: Double, _ end: Double, _ fraction: Double) -> Double {
                end + (start - end) / 2 * (1 + cos(Double.pi * fraction))
            }
            let s = Double(step)
            if s <= warmupEnd {
                return anneal(initial, base, warmupEnd > 0 ? s / warmupEnd : 1)
            }
            let remaining = Double(total - 1) - warmupEnd
            return anneal(base, final, remaining > 0 ? min((s - warmupEnd) / remaining, 1) : 1)
        }
    }
}
