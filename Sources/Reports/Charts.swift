import Evaluation
import Foundation
import Training

/// One chart: a standalone SVG document, the file name it is written under and its caption.
public struct Figure: Sendable, Hashable {
    /// File stem, also the prefix of every id inside the SVG (ids must be unique in the HTML page).
    public let name: String
    public let title: String
    public let caption: String
    public let svg: String
}

/// The report's charts, each a pure function from plain values to an SVG `Figure`.
///
/// Conventions: axis titles carry units in parentheses; series differ in dash pattern and marker as
/// well as colour (`SeriesPalette`), shading uses grey, and text is black, so every chart reads in
/// greyscale. Undefined inputs (a curve with a reason) draw the reason instead of an empty frame.
public enum ReportCharts {
    static let width = 640.0, height = 380.0
    static let margin = (left: 72.0, right: 28.0, top: 40.0, bottom: 58.0)

    static func standardArea(xTicks: Ticks, yTicks: Ticks, rightMargin: Double = margin.right) -> PlotArea {
        PlotArea(left: margin.left, top: margin.top, width: width - margin.left - rightMargin,
                 height: height - margin.top - margin.bottom, xTicks: xTicks, yTicks: yTicks)
    }

    static func titled(_ title: String, width: Double = width, height: Double = height) -> SVGCanvas {
        var canvas = SVGCanvas(width: width, height: height)
        canvas.text(title, x: 12, y: 22, size: 15, weight: "bold")
        return canvas
    }

    /// A chart that cannot be drawn, saying why.
    static func unavailable(name: String, title: String, reason: String) -> Figure {
        var canvas = titled(title, height: 120)
        canvas.rect(12, 36, width - 24, 70, fill: "#f2f2f2", stroke: "#999")
        canvas.text("Not drawn: \(reason)", x: width / 2, y: 76, anchor: "middle", size: 13)
        return Figure(name: name, title: title, caption: "Not drawn: \(reason).", svg: canvas.document(title: title))
    }

    // MARK: Training

    /// Train and validation loss per epoch, with the best (lowest validation loss) epoch marked.
    /// Without validation losses (a run with no validation set) only the training loss is drawn and
    /// the marked epoch is the one with the lowest training loss, the trainer's choice then.
    public static func lossCurves(history: [EpochRecord], name: String = "loss") -> Figure {
        let title = "Loss per epoch"
        guard !history.isEmpty else { return unavailable(name: name, title: title, reason: "no training history") }
        let hasValidation = history.allSatisfy { $0.validationLoss != nil }
        let monitored: (EpochRecord) -> Double = { hasValidation ? $0.validationLoss! : $0.trainLoss }
        let epochs = history.map { Double($0.epoch) }
        let losses = history.flatMap { [$0.trainLoss, $0.validationLoss].compactMap { $0 } }.filter(\.isFinite)
        let xTicks = Ticks(covering: epochs.min()!, epochs.max()!, target: min(10, max(1, history.count)))
        let yTicks = Ticks(covering: min(0, losses.min() ?? 0), losses.max() ?? 1)
        let area = standardArea(xTicks: xTicks, yTicks: yTicks)
        var canvas = titled(title)
        area.drawAxes(on: &canvas, xLabel: "epoch", yLabel: "binary cross-entropy (nats)")
        let best = history.min { monitored($0) < monitored($1) }!
        canvas.line(area.x(Double(best.epoch)), area.top, area.x(Double(best.epoch)), area.bottom,
                    style: StrokeStyle(color: "#777", width: 1, dash: "1 3"))
        let bestX = area.x(Double(best.epoch))
        let labelOnLeft = bestX > area.left + area.width / 2
        canvas.text("best epoch \(best.epoch)", x: bestX + (labelOnLeft ? -4 : 4), y: area.bottom - 8,
                    anchor: labelOnLeft ? "end" : "start", size: 11, fill: "#444")
        var series: [(String, [Double])] = [("train", history.map(\.trainLoss))]
        if hasValidation { series.append(("validation", history.map { $0.validationLoss! })) }
        for (index, (_, values)) in series.enumerated() {
            let style = SeriesPalette.style(index)
            canvas.polyline(zip(epochs, values).map { (area.x($0), area.y($1)) }, style: style)
            for (epoch, value) in zip(epochs, values) {
                canvas.marker(SeriesPalette.marker(index), x: area.x(epoch), y: area.y(value), size: 3, color: style.color)
            }
        }
        drawLegend(series.enumerated().map { LegendEntry(label: $1.0, style: SeriesPalette.style($0), marker: SeriesPalette.marker($0)) },
                   on: &canvas, x: area.right - 130, y: area.top + 8)
        let caption = hasValidation
            ? "Training and validation loss for \(history.count) epochs; dotted line: the epoch with the lowest validation loss (\(decimal3(best.validationLoss!)))."
            : "Training loss for \(history.count) epochs (no validation set); dotted line: the epoch with the lowest training loss (\(decimal3(best.trainLoss)))."
        return Figure(name: name, title: title, caption: caption, svg: canvas.document(title: title))
    }

    // MARK: Classification

    /// The ROC curve with the chance diagonal.
    public static func rocCurve(_ curve: Curve<ROCPoint>?, auc: MetricValue?, name: String = "roc") -> Figure {
        let title = "ROC curve"
        let frame = unitCurveFrame(curve, name: name, title: title, missing: "no ROC curve (multi-class task or curves not computed)",
                                   xLabel: "false positive rate (fraction of negatives)", yLabel: "true positive rate (recall)")
        guard case .drawn(let points, let area, var canvas) = frame else { return frame.unavailableFigure! }
        canvas.line(area.x(0), area.y(0), area.x(1), area.y(1), style: StrokeStyle(color: "#888", width: 1, dash: "4 4"))
        let style = SeriesPalette.style(1, width: 2.2)
        canvas.polyline(points.map { (area.x($0.falsePositiveRate), area.y($0.truePositiveRate)) }, style: style)
        let aucText = auc?.value.map { "model (AUC \(decimal3($0)))" } ?? "model"
        drawLegend([LegendEntry(label: aucText, style: style, marker: nil),
                    LegendEntry(label: "chance", style: StrokeStyle(color: "#888", width: 1, dash: "4 4"), marker: nil)],
                   on: &canvas, x: area.right - 170, y: area.bottom - 52)
        return Figure(name: name, title: title, caption: "Receiver operating characteristic on the test set, \(points.count) points; dashed: a random ranking.",
                      svg: canvas.document(title: title))
    }

    /// The precision–recall curve with the positive-rate baseline.
    public static func precisionRecallCurve(_ curve: Curve<PrecisionRecallPoint>?, averagePrecision: MetricValue?,
                                            positiveRate: Double?, name: String = "precision-recall") -> Figure {
        let title = "Precision–recall curve"
        let frame = unitCurveFrame(curve, name: name, title: title, missing: "no precision–recall curve (multi-class task or curves not computed)",
                                   xLabel: "recall (fraction of positives found)", yLabel: "precision (fraction correct)")
        guard case .drawn(let points, let area, var canvas) = frame else { return frame.unavailableFigure! }
        var legend: [LegendEntry] = []
        let style = SeriesPalette.style(2, width: 2.2)
        // Step plot: precision holds until the next recall value, as average precision sums it.
        var stepped: [(Double, Double)] = []
        for point in points.reversed() {
            if let last = stepped.last { stepped.append((area.x(point.recall), last.1)) }
            stepped.append((area.x(point.recall), area.y(point.precision)))
        }
        canvas.polyline(stepped, style: style)
        legend.append(LegendEntry(label: averagePrecision?.value.map { "model (AP \(decimal3($0)))" } ?? "model", style: style, marker: nil))
        if let positiveRate {
            let baseline = StrokeStyle(color: "#888", width: 1, dash: "4 4")
            canvas.line(area.x(0), area.y(positiveRate), area.x(1), area.y(positiveRate), style: baseline)
            legend.append(LegendEntry(label: "chance (positive rate)", style: baseline, marker: nil))
        }
        drawLegend(legend, on: &canvas, x: area.left + 10, y: area.bottom - 52)
        return Figure(name: name, title: title, caption: "Precision against recall on the test set as a step function (the area under the steps is the average precision); dashed: the share of positives.",
                      svg: canvas.document(title: title))
    }

    /// A curve's points on a titled canvas with unit axes drawn, or the figure saying why not.
    enum CurveFrame<Point> {
        case drawn([Point], PlotArea, SVGCanvas)
        case unavailable(Figure)

        var unavailableFigure: Figure? {
            if case .unavailable(let figure) = self { return figure }
            return nil
        }
    }

    static func unitCurveFrame<Point>(_ curve: Curve<Point>?, name: String, title: String, missing: String,
                                      xLabel: String, yLabel: String) -> CurveFrame<Point> {
        guard let curve else { return .unavailable(unavailable(name: name, title: title, reason: missing)) }
        guard let points = curve.points else {
            return .unavailable(unavailable(name: name, title: title, reason: curve.undefinedReason ?? "undefined"))
        }
        let ticks = Ticks(covering: 0, 1, fixed: 0...1)
        let side = height - margin.top - margin.bottom
        let area = PlotArea(left: (width - side) / 2 + 20, top: margin.top, width: side, height: side, xTicks: ticks, yTicks: ticks)
        var canvas = titled(title)
        area.drawAxes(on: &canvas, xLabel: xLabel, yLabel: yLabel)
        return .drawn(points, area, canvas)
    }

    /// The confusion matrix as a heat map: grey level by the share of the true class (row), the
    /// count and that share printed in each cell.
    public static func confusionMatrix(_ matrix: ConfusionMatrix, name: String = "confusion-matrix") -> Figure {
        let title = "Confusion matrix"
        let classes = matrix.classCount
        let cell = min(110.0, 300.0 / Double(max(classes, 1)))
        let left = 150.0, top = 70.0
        let figureWidth = max(420, left + cell * Double(classes) + 40)
        let figureHeight = top + cell * Double(classes) + 70
        var canvas = titled(title, width: figureWidth, height: figureHeight)
        canvas.text("predicted class", x: left + cell * Double(classes) / 2, y: top - 26, anchor: "middle", size: 12)
        canvas.text("true class", x: 24, y: top + cell * Double(classes) / 2, anchor: "middle", size: 12, rotate: -90)
        for column in 0..<classes {
            canvas.text(matrix.classNames[column], x: left + cell * (Double(column) + 0.5), y: top - 8, anchor: "middle", size: 11)
        }
        for row in 0..<classes {
            let support = matrix.support(of: row)
            canvas.text(matrix.classNames[row], x: left - 8, y: top + cell * (Double(row) + 0.5) + 4, anchor: "end", size: 11)
            for column in 0..<classes {
                let count = matrix[row, column]
                let share = support == 0 ? 0 : Double(count) / Double(support)
                // White (0) to near black (1) along one grey ramp: the order is the same in colour and greyscale.
                let level = Int((255 * (1 - 0.85 * share)).rounded())
                let fill = "rgb(\(level),\(level),\(level))"
                let x = left + cell * Double(column), y = top + cell * Double(row)
                canvas.rect(x, y, cell, cell, fill: fill, stroke: "#555")
                let ink = share > 0.5 ? "#fff" : "#000"
                canvas.text(String(count), x: x + cell / 2, y: y + cell / 2 + 2, anchor: "middle", size: 16, weight: "bold", fill: ink)
                canvas.text(support == 0 ? "—" : "\(Int((share * 100).rounded())) % of row", x: x + cell / 2, y: y + cell / 2 + 20,
                            anchor: "middle", size: 10, fill: ink)
            }
        }
        canvas.text("\(matrix.total) series; shade = share of the true class", x: left, y: top + cell * Double(classes) + 28, size: 11, fill: "#333")
        return Figure(name: name, title: title, caption: "Rows: true class; columns: predicted class. Darker cells hold a larger share of their row.",
                      svg: canvas.document(title: title))
    }

    // MARK: Explanations

    /// One series: every channel of the signal (left axis), the importance map on a second axis
    /// (right), and the true anomaly shaded.
    public static func seriesPanel(_ example: ExampleSeries, method: String, name: String) -> Figure {
        let title = "Series \(example.index): \(example.kind ?? example.className)"
        let rightMargin = example.importance == nil ? margin.right : 76
        let values = example.values.map(Double.init).filter(\.isFinite)
        let lastStep = Double(max(1, example.length - 1))
        let xTicks = Ticks(covering: 0, lastStep, target: 8, fixed: 0...lastStep)
        let yTicks = Ticks(covering: values.min() ?? 0, values.max() ?? 1)
        let panelHeight = height + 30
        let area = PlotArea(left: margin.left, top: margin.top + 14, width: width - margin.left - rightMargin,
                            height: panelHeight - margin.top - 14 - margin.bottom - 30, xTicks: xTicks, yTicks: yTicks)
        var canvas = titled(title, height: panelHeight)
        var facts: [String] = [example.role]
        if let probability = example.probability { facts.append("P(class 1) = \(decimal3(probability))") }
        if let mass = example.score?.massInside { facts.append("mass inside \(decimal3(mass))") }
        if let hit = example.score?.pointingHit { facts.append(hit ? "pointing: hit" : "pointing: miss") }
        if let entropy = example.score?.normalisedEntropy { facts.append("entropy/uniform \(decimal3(entropy))") }
        let subtitle = facts.joined(separator: " · ")
        canvas.text(subtitle, x: 12, y: 40, size: 11, fill: "#333")
        var legend: [LegendEntry] = []
        if let anomaly = example.anomaly {
            for run in runs(of: anomaly) {
                let x0 = area.x(Double(run.lowerBound) - 0.5), x1 = area.x(Double(run.upperBound) - 0.5)
                canvas.rect(max(area.left, x0), area.top, min(area.right, x1) - max(area.left, x0), area.height, fill: "#cfcfcf")
            }
            if anomaly.contains(true) { legend.append(LegendEntry(label: "true anomaly", style: StrokeStyle(color: "#999"), marker: nil, swatch: "#cfcfcf")) }
        }
        area.drawAxes(on: &canvas, xLabel: "time step", yLabel: "value (data units)")
        for channel in 0..<example.channels {
            let style = StrokeStyle(color: channel == 0 ? "#000" : SeriesPalette.colors[(channel + 2) % SeriesPalette.colors.count],
                                    width: 1.3, dash: SeriesPalette.dashes[(2 * channel) % SeriesPalette.dashes.count])
            canvas.polyline((0..<example.length).map { (area.x(Double($0)), area.y(Double(example.values[$0 * example.channels + channel]))) }, style: style)
            legend.append(LegendEntry(label: example.channels == 1 ? "signal" : "signal, channel \(channel)", style: style, marker: nil))
        }
        if let importance = example.importance {
            let mapValues = importance.map(Double.init).filter(\.isFinite)
            let mapTicks = Ticks(covering: min(0, mapValues.min() ?? 0), max(mapValues.max() ?? 1, 1e-12), target: 4)
            let mapScale = LinearScale(domain: mapTicks.domain, pixels: (area.bottom, area.top))
            let style = StrokeStyle(color: "#D55E00", width: 2, dash: "5 2")
            canvas.polyline((0..<example.length).map { (area.x(Double($0)), mapScale(Double(importance[$0]))) }, style: style)
            area.drawRightAxis(on: &canvas, ticks: mapTicks, label: "importance (\(method))", color: "#A04000")
            if let peak = example.score?.peakStep, peak < example.length {
                canvas.marker(.triangle, x: area.x(Double(peak)), y: mapScale(Double(importance[peak])), size: 5, color: "#A04000")
                legend.append(LegendEntry(label: "importance (\(method)); ▲ its peak", style: style, marker: nil))
            } else {
                legend.append(LegendEntry(label: "importance (\(method))", style: style, marker: nil))
            }
        }
        drawLegendRow(legend, on: &canvas, x: 12, y: panelHeight - 38, maxX: width - 12, fontSize: 10)
        let caption = "Series \(example.index) (\(example.className)\(example.kind.map { ", \($0) anomaly" } ?? "")), chosen as \(example.role). Left axis: the signal; right axis: the \(method) map; grey band: the true anomaly."
        return Figure(name: name, title: title, caption: caption, svg: canvas.document(title: title))
    }

    /// Small multiples of the maps alone, normal series in the top row and anomalous below, each
    /// scaled to T · p_t so that a uniform map is the dashed line at 1 (the seed's "uniform").
    public static func mapSmallMultiples(_ examples: [ExampleSeries], method: String, name: String = "maps-normal-vs-anomalous") -> Figure {
        let title = "Importance maps: normal vs anomalous"
        let drawable = examples.filter { $0.importance != nil }
        guard !drawable.isEmpty else { return unavailable(name: name, title: title, reason: "no importance maps") }
        let normal = drawable.filter { $0.kind == nil && !($0.anomaly?.contains(true) ?? false) }
        let anomalous = drawable.filter { !normal.contains($0) }
        // Rows of at most four panels: the normal series first, then the anomalous ones.
        let columns = 4
        var rows: [(name: String, series: [ExampleSeries])] = []
        for (groupName, group) in [("normal", normal), ("anomalous", anomalous)] {
            for start in stride(from: 0, to: group.count, by: columns) {
                rows.append((start == 0 ? groupName : "", Array(group[start..<min(start + columns, group.count)])))
            }
        }
        let panelWidth = 200.0, panelHeight = 110.0, gapX = 26.0, gapY = 66.0, left = 150.0, top = 56.0
        let figureWidth = left + Double(columns) * (panelWidth + gapX) + 10
        let figureHeight = top + Double(rows.count) * (panelHeight + gapY) + 10
        var canvas = titled(title, width: figureWidth, height: figureHeight)
        canvas.text("each panel: T · normalised map against time step; dashed line at 1 = uniform; grey band = true anomaly", x: 12, y: 40, size: 11, fill: "#333")
        // One y range for every panel so heights compare across panels.
        let scaled = drawable.map { scaledMap($0.importance!) }
        let peak = scaled.flatMap { $0 }.filter(\.isFinite).max() ?? 1
        let yTicks = Ticks(covering: 0, max(peak, 1.5), target: 3)
        for (rowIndex, row) in rows.enumerated() {
            let rowTop = top + Double(rowIndex) * (panelHeight + gapY)
            canvas.text(row.name, x: 12, y: rowTop + panelHeight / 2, size: 13, weight: "bold")
            for (column, example) in row.series.enumerated() {
                let panelLeft = left + Double(column) * (panelWidth + gapX)
                let xTicks = Ticks(covering: 0, Double(max(1, example.length - 1)), target: 3, fixed: 0...Double(max(1, example.length - 1)))
                let area = PlotArea(left: panelLeft, top: rowTop, width: panelWidth, height: panelHeight, xTicks: xTicks, yTicks: yTicks)
                if let anomaly = example.anomaly {
                    for run in runs(of: anomaly) {
                        let x0 = max(area.left, area.x(Double(run.lowerBound) - 0.5)), x1 = min(area.right, area.x(Double(run.upperBound) - 0.5))
                        canvas.rect(x0, area.top, x1 - x0, area.height, fill: "#cfcfcf")
                    }
                }
                area.drawAxes(on: &canvas, xLabel: "", yLabel: column == 0 ? "T·p (1 = uniform)" : "", fontSize: 9)
                canvas.line(area.left, area.y(1), area.right, area.y(1), style: StrokeStyle(color: "#555", width: 1, dash: "4 3"))
                let map = scaledMap(example.importance!)
                canvas.polyline(map.indices.map { (area.x(Double($0)), area.y(min(map[$0], yTicks.domain.upperBound))) },
                                style: StrokeStyle(color: row.series[0].kind == nil ? "#0072B2" : "#D55E00", width: 1.4))
                var facts: [String] = []
                if let entropy = example.score?.normalisedEntropy { facts.append("H/log T \(decimal3(entropy))") }
                if let mass = example.score?.massInside { facts.append("in \(decimal3(mass))") }
                canvas.text("#\(example.index) \(example.kind ?? "normal") · time step", x: area.left, y: area.bottom + 24, size: 10)
                canvas.text(facts.joined(separator: " · "), x: area.right, y: area.bottom + 24, anchor: "end", size: 10, fill: "#333")
            }
        }
        let caption = "The \(method) maps of the example series scaled to T·p (uniform = 1, dashed), on one shared y axis (T·p, dimensionless) against the time step; under each panel, H/log T is the entropy relative to uniform and \"in\" the mass inside the anomaly. Top: normal series, where the seed expects a uniform map; bottom: anomalous series with the true anomaly shaded, where it expects a peak inside the shading."
        return Figure(name: name, title: title, caption: caption, svg: canvas.document(title: title))
    }

    /// `T · max(m, 0) / Σ max(m, 0)`, zeros when nothing is positive.
    static func scaledMap(_ map: [Float]) -> [Double] {
        let clipped = map.map { $0 > 0 && $0.isFinite ? Double($0) : 0 }
        let total = clipped.reduce(0, +)
        guard total > 0 else { return clipped }
        return clipped.map { $0 * Double(map.count) / total }
    }

    /// Maximal runs of true values as half-open index ranges.
    static func runs(of mask: [Bool]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start: Int?
        for (index, inside) in mask.enumerated() {
            if inside, start == nil { start = index }
            if !inside, let first = start { result.append(first..<index); start = nil }
        }
        if let first = start { result.append(first..<mask.count) }
        return result
    }
}
