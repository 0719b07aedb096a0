import Evaluation
import Foundation

extension ReportCharts {
    /// Test accuracy against training time, one labelled marker per model (marker shape and colour
    /// both identify it).
    public static func accuracyVersusTime(_ models: [ModelComparison], name: String = "accuracy-vs-training-time") -> Figure {
        let title = "Accuracy vs training time"
        let points = models.enumerated().compactMap { index, model -> (Int, ModelComparison, Double, Double)? in
            guard let seconds = model.trainingSeconds, let accuracy = model.accuracy, seconds.isFinite, accuracy.isFinite else { return nil }
            return (index, model, seconds, accuracy)
        }
        guard !points.isEmpty else { return unavailable(name: name, title: title, reason: "no model has both an accuracy and a training time") }
        let xTicks = Ticks(covering: 0, (points.map(\.2).max() ?? 1) * 1.1)
        let accuracies = points.map(\.3)
        let yTicks = Ticks(covering: max(0, (accuracies.min() ?? 0) - 0.05), min(1, (accuracies.max() ?? 1) + 0.05))
        let legend = points.map { index, model, _, _ in
            LegendEntry(label: "\(model.model) (\(model.method))", style: StrokeStyle(color: SeriesPalette.colors[index % SeriesPalette.colors.count], width: 0),
                        marker: SeriesPalette.marker(index))
        }
        let reserved = legendWidth(legend, fontSize: 10) + 20
        let figureWidth = max(width, margin.left + 360 + reserved)
        let area = PlotArea(left: margin.left, top: margin.top, width: figureWidth - margin.left - reserved,
                            height: height - margin.top - margin.bottom, xTicks: xTicks, yTicks: yTicks)
        var canvas = titled(title, width: figureWidth)
        area.drawAxes(on: &canvas, xLabel: "training time (s, wall clock)", yLabel: "test accuracy (fraction)")
        for (index, _, seconds, accuracy) in points {
            let color = SeriesPalette.colors[index % SeriesPalette.colors.count]
            canvas.marker(SeriesPalette.marker(index), x: area.x(seconds), y: area.y(accuracy), size: 6, color: color)
        }
        drawLegend(legend, on: &canvas, x: area.right + 8, y: area.top, fontSize: 10)
        return Figure(name: name, title: title, caption: "Each marker is one model: its test accuracy against the wall-clock time its training took. Up and to the left is better.",
                      svg: canvas.document(title: title))
    }

    /// A localisation score per anomaly kind, grouped bars (one per model, told apart by fill and
    /// hatching) with ±1 std whiskers; `score` picks the statistic from each group's summary.
    public static func localisationByKind(
        _ models: [ModelComparison], scoreName: String, axisLabel: String, name: String, upperBound: Double? = nil,
        reference: (label: String, value: (GroupExplanationSummary) -> Double?)? = nil,
        score: (GroupExplanationSummary) -> MeanStd?
    ) -> Figure {
        let title = "\(scoreName) per anomaly kind"
        let kinds = orderedKinds(models)
        let values = models.map { model in kinds.map { kind in model.groups.first { $0.group == kind }.flatMap(score) } }
        guard values.contains(where: { $0.contains { $0 != nil } }) else {
            return unavailable(name: name, title: title, reason: "no model has \(scoreName) scores")
        }
        let highs = values.flatMap { $0 }.compactMap { $0.map { $0.mean + ($0.std ?? 0) } }
        // Scores bounded above (hit rates, fractions) keep their natural axis; whiskers are clipped to it.
        let yTicks = upperBound.map { Ticks(covering: 0, $0, fixed: 0...$0) } ?? Ticks(covering: 0, max(highs.max() ?? 1, 1e-9))
        var legend = models.enumerated().map { index, model in
            LegendEntry(label: "\(model.model) (\(model.method))", style: StrokeStyle(color: "#000", width: 1), marker: nil, swatch: barFill(index, prefix: name))
        }
        if let reference { legend.append(LegendEntry(label: reference.label, style: StrokeStyle(color: "#000", width: 1.5, dash: "3 2"), marker: nil)) }
        let reserved = legendWidth(legend, fontSize: 10) + 20
        let figureWidth = max(width, margin.left + Double(kinds.count) * (Double(models.count) * 26 + 30) + reserved)
        let area = PlotArea(left: margin.left, top: margin.top, width: figureWidth - margin.left - reserved,
                            height: height - margin.top - margin.bottom, xTicks: Ticks(covering: 0, 1, fixed: 0...1), yTicks: yTicks)
        var canvas = titled(title, width: figureWidth)
        canvas.raw(hatchPatterns(prefix: name))
        // Horizontal grid and y axis only: the x axis is categorical.
        let grid = StrokeStyle(color: "#d9d9d9", width: 0.8)
        for value in yTicks.values {
            canvas.line(area.left, area.y(value), area.right, area.y(value), style: grid)
            canvas.text(yTicks.label(value), x: area.left - 6, y: area.y(value) + 4, anchor: "end", size: 11)
        }
        canvas.rect(area.left, area.top, area.width, area.height, fill: "none", stroke: "#333")
        canvas.text(axisLabel, x: area.left - 48, y: area.top + area.height / 2, anchor: "middle", size: 12, rotate: -90)
        canvas.text("anomaly kind", x: area.left + area.width / 2, y: area.bottom + 40, anchor: "middle", size: 12)
        let groupWidth = area.width / Double(max(kinds.count, 1))
        let barWidth = min(26, (groupWidth - 16) / Double(max(models.count, 1)))
        for (kindIndex, kind) in kinds.enumerated() {
            let groupLeft = area.left + groupWidth * Double(kindIndex) + (groupWidth - barWidth * Double(models.count)) / 2
            canvas.text(kind, x: area.left + groupWidth * (Double(kindIndex) + 0.5), y: area.bottom + 18, anchor: "middle", size: 11)
            for modelIndex in models.indices {
                let x = groupLeft + barWidth * Double(modelIndex)
                guard let statistic = values[modelIndex][kindIndex] else {
                    canvas.text("n/a", x: x + barWidth / 2, y: area.bottom - 4, anchor: "middle", size: 8, fill: "#555")
                    continue
                }
                let top = area.y(statistic.mean)
                canvas.rect(x + 1, top, barWidth - 2, area.bottom - top, fill: barFill(modelIndex, prefix: name), stroke: "#000")
                if let std = statistic.std {
                    // Black on a white halo, so the whisker shows on black and hatched bars alike.
                    let centre = x + barWidth / 2
                    let low = area.y(max(yTicks.domain.lowerBound, statistic.mean - std)), high = area.y(min(yTicks.domain.upperBound, statistic.mean + std))
                    let clipped = statistic.mean + std > yTicks.domain.upperBound
                    for whisker in [StrokeStyle(color: "#fff", width: 3), StrokeStyle(color: "#000", width: 1)] {
                        canvas.line(centre, low, centre, high, style: whisker)
                        // No cap where the axis clips the whisker: the spread goes on beyond it.
                        if !clipped { canvas.line(centre - 3, high, centre + 3, high, style: whisker) }
                    }
                }
            }
            if let reference, let group = models.lazy.compactMap({ $0.groups.first { $0.group == kind } }).first, let value = reference.value(group) {
                let y = area.y(value)
                canvas.line(groupLeft - 4, y, groupLeft + barWidth * Double(models.count) + 4, y, style: StrokeStyle(color: "#000", width: 1.5, dash: "3 2"))
            }
        }
        drawLegend(legend, on: &canvas, x: area.right + 10, y: area.top, fontSize: 10)
        let caption = "\(scoreName) (mean over the test series of each kind; whiskers ±1 standard deviation) for every model, grouped by anomaly kind."
            + (reference.map { " Dashed: \($0.label)." } ?? "")
        return Figure(name: name, title: title, caption: caption, svg: canvas.document(title: title))
    }

    /// Kinds in the models' group order, "normal" excluded (it has no anomaly to localise).
    static func orderedKinds(_ models: [ModelComparison]) -> [String] {
        var kinds: [String] = []
        for model in models {
            for group in model.groups where group.group != ExplanationSummary.normalGroup && !kinds.contains(group.group) {
                kinds.append(group.group)
            }
        }
        return kinds
    }

    /// Pattern definitions for bar fills; ids carry the figure's name so several figures can share a page.
    static func hatchPatterns(prefix: String) -> String {
        let patterns = [
            "<pattern id=\"\(prefix)-hatch-1\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#fff\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#0072B2\" stroke-width=\"3\"/></pattern>",
            "<pattern id=\"\(prefix)-hatch-2\" width=\"5\" height=\"5\" patternUnits=\"userSpaceOnUse\"><rect width=\"5\" height=\"5\" fill=\"#fff\"/><circle cx=\"2.5\" cy=\"2.5\" r=\"1.3\" fill=\"#D55E00\"/></pattern>",
            "<pattern id=\"\(prefix)-hatch-4\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(-45)\"><rect width=\"6\" height=\"6\" fill=\"#fff\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#CC79A7\" stroke-width=\"2\"/><line x1=\"0\" y1=\"3\" x2=\"6\" y2=\"3\" stroke=\"#CC79A7\" stroke-width=\"2\"/></pattern>",
        ]
        return "<defs>" + patterns.joined() + "</defs>"
    }

    /// Fills in greyscale-distinct order: black, blue hatching, orange dots, light grey, pink cross-hatching, white.
    static func barFill(_ index: Int, prefix: String) -> String {
        switch index % 6 {
        case 0: return "#222"
        case 1: return "url(#\(prefix)-hatch-1)"
        case 2: return "url(#\(prefix)-hatch-2)"
        case 3: return "#bbb"
        case 4: return "url(#\(prefix)-hatch-4)"
        default: return "#fff"
        }
    }
}
