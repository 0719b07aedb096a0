import Foundation

/// A tiny SVG writer: elements appended as text, attribute values escaped, numbers printed with at
/// most two decimals so files stay small and byte-for-byte reproducible.
struct SVGCanvas {
    let width: Double
    let height: Double
    private(set) var body: [String] = []

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    mutating func raw(_ element: String) { body.append(element) }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, style: StrokeStyle) {
        body.append("<line x1=\"\(svgNumber(x1))\" y1=\"\(svgNumber(y1))\" x2=\"\(svgNumber(x2))\" y2=\"\(svgNumber(y2))\"\(style.attributes)/>")
    }

    /// A polyline through finite points; non-finite points split it into separate runs.
    mutating func polyline(_ points: [(Double, Double)], style: StrokeStyle) {
        var run: [String] = []
        func flush() {
            if run.count >= 2 { body.append("<polyline fill=\"none\" points=\"\(run.joined(separator: " "))\"\(style.attributes)/>") }
            run.removeAll()
        }
        for (x, y) in points {
            if x.isFinite && y.isFinite { run.append("\(svgNumber(x)),\(svgNumber(y))") } else { flush() }
        }
        flush()
    }

    mutating func rect(_ x: Double, _ y: Double, _ width: Double, _ height: Double, fill: String, stroke: String? = nil, extra: String = "") {
        let strokeAttribute = stroke.map { " stroke=\"\($0)\"" } ?? ""
        body.append("<rect x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" width=\"\(svgNumber(max(0, width)))\" height=\"\(svgNumber(max(0, height)))\" fill=\"\(fill)\"\(strokeAttribute)\(extra)/>")
    }

    mutating func text(_ string: String, x: Double, y: Double, anchor: String = "start", size: Double = 12,
                       weight: String? = nil, rotate: Double? = nil, fill: String = "#000") {
        let weightAttribute = weight.map { " font-weight=\"\($0)\"" } ?? ""
        let transform = rotate.map { " transform=\"rotate(\(svgNumber($0)) \(svgNumber(x)) \(svgNumber(y)))\"" } ?? ""
        body.append("<text x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" text-anchor=\"\(anchor)\" font-size=\"\(svgNumber(size))\" fill=\"\(fill)\"\(weightAttribute)\(transform)>\(escapeXML(string))</text>")
    }

    mutating func marker(_ shape: MarkerShape, x: Double, y: Double, size: Double = 4, color: String) {
        guard x.isFinite, y.isFinite else { return }
        switch shape {
        case .circle:
            body.append("<circle cx=\"\(svgNumber(x))\" cy=\"\(svgNumber(y))\" r=\"\(svgNumber(size))\" fill=\"\(color)\"/>")
        case .openCircle:
            body.append("<circle cx=\"\(svgNumber(x))\" cy=\"\(svgNumber(y))\" r=\"\(svgNumber(size))\" fill=\"#fff\" stroke=\"\(color)\" stroke-width=\"1.5\"/>")
        case .square:
            rect(x - size, y - size, 2 * size, 2 * size, fill: color)
        case .triangle:
            let points = [(x, y - size * 1.2), (x - size * 1.1, y + size * 0.8), (x + size * 1.1, y + size * 0.8)]
            body.append("<polygon points=\"\(points.map { "\(svgNumber($0.0)),\(svgNumber($0.1))" }.joined(separator: " "))\" fill=\"\(color)\"/>")
        case .diamond:
            let points = [(x, y - size * 1.3), (x + size * 1.3, y), (x, y + size * 1.3), (x - size * 1.3, y)]
            body.append("<polygon points=\"\(points.map { "\(svgNumber($0.0)),\(svgNumber($0.1))" }.joined(separator: " "))\" fill=\"#fff\" stroke=\"\(color)\" stroke-width=\"1.5\"/>")
        case .cross:
            body.append("<path d=\"M\(svgNumber(x - size)),\(svgNumber(y - size))L\(svgNumber(x + size)),\(svgNumber(y + size))M\(svgNumber(x - size)),\(svgNumber(y + size))L\(svgNumber(x + size)),\(svgNumber(y - size))\" stroke=\"\(color)\" stroke-width=\"2\"/>")
        }
    }

    /// The standalone document (with the XML namespace, so the file opens on its own).
    func document(title: String) -> String {
        var lines = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(svgNumber(width))\" height=\"\(svgNumber(height))\" viewBox=\"0 0 \(svgNumber(width)) \(svgNumber(height))\" font-family=\"Helvetica, Arial, sans-serif\" role=\"img\">",
            "<title>\(escapeXML(title))</title>",
            "<rect x=\"0\" y=\"0\" width=\"\(svgNumber(width))\" height=\"\(svgNumber(height))\" fill=\"#fff\"/>",
        ]
        lines += body
        lines.append("</svg>")
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Stroke colour, width and dash pattern; series are told apart by dash and marker as well as colour,
/// so the charts survive greyscale printing.
struct StrokeStyle {
    var color: String
    var width: Double = 1.5
    var dash: String? = nil
    var opacity: Double? = nil

    var attributes: String {
        var result = " stroke=\"\(color)\" stroke-width=\"\(svgNumber(width))\""
        if let dash { result += " stroke-dasharray=\"\(dash)\"" }
        if let opacity { result += " stroke-opacity=\"\(svgNumber(opacity))\"" }
        return result
    }
}

enum MarkerShape: CaseIterable {
    case circle, square, triangle, diamond, openCircle, cross
}

/// Series styles in order: dark-to-light colours (Okabe–Ito hues, distinct in greyscale lightness),
/// each with its own dash pattern and marker.
enum SeriesPalette {
    static let colors = ["#000000", "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00"]
    static let dashes: [String?] = [nil, "6 3", "2 2", "8 3 2 3", "1 3", "10 4"]

    static func style(_ index: Int, width: Double = 1.8) -> StrokeStyle {
        StrokeStyle(color: colors[index % colors.count], width: width, dash: dashes[index % dashes.count])
    }

    static func marker(_ index: Int) -> MarkerShape { MarkerShape.allCases[index % MarkerShape.allCases.count] }
}

/// At most two decimals, no trailing zeros, no exponent, "-0" printed as "0".
func svgNumber(_ value: Double) -> String {
    guard value.isFinite else { return "0" }
    let rounded = (value * 100).rounded() / 100
    if rounded == rounded.rounded() && abs(rounded) < 1e15 { return String(Int(rounded)) }
    var text = String(format: "%.2f", rounded)
    while text.hasSuffix("0") { text.removeLast() }
    return text
}

/// Escapes text for XML/HTML content and attribute values.
func escapeXML(_ text: String) -> String {
    var result = ""
    result.reserveCapacity(text.count)
    for character in text {
        switch character {
        case "&": result += "&amp;"
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        case "\"": result += "&quot;"
        case "'": result += "&#39;"
        default: result.append(character)
        }
    }
    return result
}

/// Three decimals, for scores and probabilities in labels and tables.
func decimal3(_ value: Double) -> String { value.isFinite ? String(format: "%.3f", value) : "—" }
