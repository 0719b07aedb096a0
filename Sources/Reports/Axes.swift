import Foundation

/// Maps a data interval onto a pixel interval (either direction).
struct LinearScale {
    let domain: ClosedRange<Double>
    let pixels: (Double, Double)

    func callAsFunction(_ value: Double) -> Double {
        let span = domain.upperBound - domain.lowerBound
        let fraction = span == 0 ? 0.5 : (value - domain.lowerBound) / span
        return pixels.0 + fraction * (pixels.1 - pixels.0)
    }
}

/// "Nice" axis ticks: steps of 1, 2 or 5 × 10ᵏ, about `target` of them, covering the data (the step
/// rounds range/target at √2, √10, √50, as d3-scale does).
struct Ticks {
    let values: [Double]
    let step: Double
    /// The data interval extended outward to whole steps (the axis range).
    let domain: ClosedRange<Double>

    init(covering low: Double, _ high: Double, target: Int = 5, fixed: ClosedRange<Double>? = nil) {
        var low = low.isFinite ? low : 0, high = high.isFinite ? high : 1
        if let fixed { low = fixed.lowerBound; high = fixed.upperBound }
        if low > high { swap(&low, &high) }
        if high - low < 1e-12 * max(1, abs(low)) {
            let pad = low == 0 ? 1 : abs(low) * 0.5
            low -= pad
            high += pad
        }
        let raw = (high - low) / Double(max(1, target))
        let magnitude = Foundation.pow(10, (Foundation.log10(raw)).rounded(.down))
        let fraction = raw / magnitude
        let step = (fraction < 1.41 ? 1 : fraction < 3.16 ? 2 : fraction < 7.07 ? 5 : 10) * magnitude
        let first = fixed == nil ? (low / step).rounded(.down) * step : low
        let last = fixed == nil ? (high / step).rounded(.up) * step : high
        var values: [Double] = []
        var index = (first / step).rounded(.up)
        while index * step <= last + step * 1e-9 {
            values.append(index * step)
            index += 1
        }
        self.values = values
        self.step = step
        domain = first...last
    }

    /// A tick value printed with as many decimals as the step needs.
    func label(_ value: Double) -> String {
        let decimals = max(0, Int(-Foundation.log10(step).rounded(.down)))
        let text = String(format: "%.\(min(decimals, 6))f", value)
        return text.hasPrefix("-") && Double(text) == 0 ? String(text.dropFirst()) : text
    }
}

/// The plotting rectangle of a chart, its scales, and the drawing of axes, grid and labels.
struct PlotArea {
    let left: Double, top: Double, width: Double, height: Double
    let xTicks: Ticks, yTicks: Ticks
    let x: LinearScale, y: LinearScale

    var right: Double { left + width }
    var bottom: Double { top + height }

    init(left: Double, top: Double, width: Double, height: Double, xTicks: Ticks, yTicks: Ticks) {
        self.left = left
        self.top = top
        self.width = width
        self.height = height
        self.xTicks = xTicks
        self.yTicks = yTicks
        x = LinearScale(domain: xTicks.domain, pixels: (left, left + width))
        y = LinearScale(domain: yTicks.domain, pixels: (top + height, top))
    }

    /// Grid lines, the frame, tick marks and labels, and the axis titles (with units).
    func drawAxes(on canvas: inout SVGCanvas, xLabel: String, yLabel: String, xTickLabels: Bool = true, fontSize: Double = 12) {
        let grid = StrokeStyle(color: "#d9d9d9", width: 0.8)
        for value in yTicks.values { canvas.line(left, y(value), right, y(value), style: grid) }
        for value in xTicks.values { canvas.line(x(value), top, x(value), bottom, style: grid) }
        canvas.rect(left, top, width, height, fill: "none", stroke: "#333")
        let tick = StrokeStyle(color: "#333", width: 1)
        for value in yTicks.values {
            canvas.line(left - 4, y(value), left, y(value), style: tick)
            canvas.text(yTicks.label(value), x: left - 6, y: y(value) + fontSize * 0.35, anchor: "end", size: fontSize - 1)
        }
        for value in xTicks.values {
            canvas.line(x(value), bottom, x(value), bottom + 4, style: tick)
            if xTickLabels {
                canvas.text(xTicks.label(value), x: x(value), y: bottom + fontSize + 4, anchor: "middle", size: fontSize - 1)
            }
        }
        if !xLabel.isEmpty {
            canvas.text(xLabel, x: left + width / 2, y: bottom + 2 * fontSize + 10, anchor: "middle", size: fontSize)
        }
        if !yLabel.isEmpty {
            let labelX = left - 3.6 * fontSize - 6
            canvas.text(yLabel, x: labelX, y: top + height / 2, anchor: "middle", size: fontSize, rotate: -90)
        }
    }

    /// A second y axis on the right with its own ticks (e.g. the importance map over a signal).
    func drawRightAxis(on canvas: inout SVGCanvas, ticks: Ticks, label: String, color: String, fontSize: Double = 12) {
        let scale = LinearScale(domain: ticks.domain, pixels: (bottom, top))
        let tick = StrokeStyle(color: color, width: 1)
        canvas.line(right, top, right, bottom, style: StrokeStyle(color: color, width: 1.2))
        for value in ticks.values {
            canvas.line(right, scale(value), right + 4, scale(value), style: tick)
            canvas.text(ticks.label(value), x: right + 6, y: scale(value) + fontSize * 0.35, size: fontSize - 1, fill: color)
        }
        let labelX = right + 3.6 * fontSize + 6
        canvas.text(label, x: labelX, y: top + height / 2, anchor: "middle", size: fontSize, rotate: 90, fill: color)
    }
}

/// A legend box: one row per entry with its line sample (dash pattern) and marker.
struct LegendEntry {
    let label: String
    let style: StrokeStyle
    let marker: MarkerShape?
    var swatch: String? = nil
}

/// The width `drawLegend` gives its box (text width estimated at 0.56 em per character).
func legendWidth(_ entries: [LegendEntry], fontSize: Double = 11) -> Double {
    44 + Double(entries.map(\.label.count).max() ?? 0) * fontSize * 0.56
}

func drawLegend(_ entries: [LegendEntry], on canvas: inout SVGCanvas, x: Double, y: Double, fontSize: Double = 11) {
    guard !entries.isEmpty else { return }
    let rowHeight = fontSize + 6
    let width = legendWidth(entries, fontSize: fontSize)
    canvas.rect(x, y, width, rowHeight * Double(entries.count) + 6, fill: "#fff", stroke: "#999", extra: " fill-opacity=\"0.9\"")
    for (row, entry) in entries.enumerated() {
        let centreY = y + 3 + rowHeight * (Double(row) + 0.5)
        if let swatch = entry.swatch {
            canvas.rect(x + 6, centreY - 5, 26, 10, fill: swatch, stroke: entry.style.color)
        } else {
            canvas.line(x + 6, centreY, x + 32, centreY, style: entry.style)
            if let marker = entry.marker { canvas.marker(marker, x: x + 19, y: centreY, size: 3.5, color: entry.style.color) }
        }
        canvas.text(entry.label, x: x + 38, y: centreY + fontSize * 0.35, size: fontSize)
    }
}

/// A legend laid out in rows below a chart, so it never covers the data; wraps before `maxX`.
func drawLegendRow(_ entries: [LegendEntry], on canvas: inout SVGCanvas, x: Double, y: Double, maxX: Double, fontSize: Double = 11) {
    var cursor = x, y = y
    for entry in entries {
        let entryWidth = 32 + Double(entry.label.count) * fontSize * 0.55
        if cursor > x && cursor + entryWidth > maxX {
            cursor = x
            y += fontSize + 6
        }
        if let swatch = entry.swatch {
            canvas.rect(cursor, y - 5, 26, 10, fill: swatch, stroke: entry.style.color)
        } else {
            canvas.line(cursor, y, cursor + 26, y, style: entry.style)
            if let marker = entry.marker { canvas.marker(marker, x: cursor + 13, y: y, size: 3.5, color: entry.style.color) }
        }
        canvas.text(entry.label, x: cursor + 32, y: y + fontSize * 0.35, size: fontSize)
        cursor += entryWidth + 14
    }
}
