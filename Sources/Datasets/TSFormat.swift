/// Reader for the UCR/UEA `.ts` format used by aeon and sktime.
///
/// The file is `#` comment lines, then `@tag value` header lines, then `@data` and one series per
/// line: the values of each dimension comma-separated, dimensions separated by `:`, and — when
/// `@classLabel true` — the class label as the last `:` field. `?` marks a missing value. Tags are
/// case-insensitive. Recognised tags: `@problemName`, `@timeStamps` (only `false` is supported),
/// `@missing`, `@univariate`, `@dimensions`/`@dimension`, `@equalLength`, `@seriesLength`,
/// `@classLabel true|false names…`, `@targetLabel` (regression targets: rejected, SeriesLens
/// classifies), `@data`.
enum TSReader {
    struct Header {
        var univariate: Bool?
        var dimensions: Int?
        var equalLength: Bool?
        var seriesLength: Int?
        var hasLabels: Bool?
        var classNames: [String] = []
        var classLabelLine: Int?
        var dimensionsLine: Int?
    }

    static func read(path: String, options: LoadOptions) throws -> SeriesDataset {
        let bytes = try readFileBytes(path)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            throw DatasetError(file: path, message: "the file is empty")
        }
        let lines = textLines(bytes)
        var header = Header()
        var dataStart: Int? = nil
        func fail(_ line: Int, _ message: String) -> DatasetError { DatasetError(file: path, line: line, message: message) }
        func boolean(_ words: [Substring], _ tag: String, _ line: Int) throws -> Bool {
            guard words.count >= 2 else { throw fail(line, "\(tag) needs true or false") }
            switch words[1].lowercased() {
            case "true": return true
            case "false": return false
            default: throw fail(line, "\(tag) must be true or false, got '\(words[1])'")
            }
        }
        func positive(_ words: [Substring], _ tag: String, _ line: Int) throws -> Int {
            guard words.count >= 2, let value = Int(words[1]), value >= 1 else {
                throw fail(line, "\(tag) needs a positive integer")
            }
            return value
        }

        for (position, line) in lines.enumerated() {
            let text = line.text.trimmingCharacters(in: .whitespaces)
            if text.isEmpty || text.hasPrefix("#") { continue }
            guard text.hasPrefix("@") else {
                throw fail(line.number, "expected a header tag (@…) or @data before the series")
            }
            let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
            let tag = words[0].lowercased()
            switch tag {
            case "@data": dataStart = position + 1
            case "@problemname": break
            case "@timestamps":
                if try boolean(words, "@timeStamps", line.number) {
                    throw fail(line.number, "time-stamped series (@timeStamps true) are not supported")
                }
            case "@missing": _ = try boolean(words, "@missing", line.number)
            case "@univariate": header.univariate = try boolean(words, "@univariate", line.number)
            case "@dimensions", "@dimension":
                header.dimensions = try positive(words, "@dimensions", line.number)
                header.dimensionsLine = line.number
            case "@equallength": header.equalLength = try boolean(words, "@equalLength", line.number)
            case "@serieslength": header.seriesLength = try positive(words, "@seriesLength", line.number)
            case "@classlabel":
                header.hasLabels = try boolean(words, "@classLabel", line.number)
                header.classNames = words.dropFirst(2).map(String.init)
                header.classLabelLine = line.number
                if header.hasLabels == true && header.classNames.isEmpty {
                    throw fail(line.number, "@classLabel true lists no class names")
                }
                if Set(header.classNames).count != header.classNames.count {
                    throw fail(line.number, "@classLabel lists a class name twice")
                }
            case "@targetlabel":
                if try boolean(words, "@targetLabel", line.number) {
                    throw fail(line.number, "regression targets (@targetLabel true) are not supported; SeriesLens needs class labels")
                }
            default:
                throw fail(line.number, "unknown header tag '\(words[0])'")
            }
            if dataStart != nil { break }
        }
        guard let dataStart else {
            throw fail(lines.last?.number ?? 1, "no @data line: the header never ends")
        }
        if header.univariate == true, let dimensions = header.dimensions, dimensions != 1 {
            throw fail(header.dimensionsLine ?? 1, "@univariate true contradicts @dimensions \(dimensions)")
        }
        let declaredDimensions = header.dimensions ?? (header.univariate == true ? 1 : nil)
        let hasLabels = header.hasLabels ?? false

        var series: [RawSeries] = []
        var labelTexts: [String] = []
        var labelLines: [Int?] = []
        var channels = declaredDimensions
        for line in lines[dataStart...] {
            let text = line.text.trimmingCharacters(in: .whitespaces)
            if text.isEmpty || text.hasPrefix("#") { continue }
            var fields = text.split(separator: ":", omittingEmptySubsequences: false)
            if hasLabels {
                guard fields.count >= 2 else {
                    throw fail(line.number, "expected values and a class label separated by ':', found no ':'")
                }
                let label = fields.removeLast().trimmingCharacters(in: .whitespaces)
                labelTexts.append(label)
                labelLines.append(line.number)
            }
            if let expected = channels, fields.count != expected {
                let source = declaredDimensions == nil ? "the first series has" : "the header declares"
                throw fail(line.number, "found \(fields.count) dimensions, \(source) \(expected)")
            }
            channels = fields.count
            var perDimension: [[Float]] = []
            for (dimension, field) in fields.enumerated() {
                let parts = field.split(separator: ",", omittingEmptySubsequences: false)
                var values = [Float]()
                values.reserveCapacity(parts.count)
                for (column, part) in parts.enumerated() {
                    let token = part.trimmingCharacters(in: .whitespaces)
                    if token == "?" { values.append(.nan); continue }
                    guard let value = Float(token) else {
                        let place = fields.count > 1 ? "dimension \(dimension + 1), value \(column + 1)" : "value \(column + 1)"
                        throw fail(line.number, "non-numeric \(place): '\(token)'")
                    }
                    values.append(value)
                }
                if let first = perDimension.first, first.count != values.count {
                    throw fail(line.number, "ragged row: dimension \(dimension + 1) has \(values.count) values, dimension 1 has \(first.count)")
                }
                perDimension.append(values)
            }
            let length = perDimension[0].count
            if header.equalLength == true || header.seriesLength != nil, let expected = header.seriesLength ?? series.first?.length, length != expected {
                throw fail(line.number, "ragged row: \(length) values, expected \(expected) (\(header.seriesLength != nil ? "@seriesLength" : "@equalLength true"))")
            }
            let channelCount = perDimension.count
            var interleaved = [Float](repeating: 0, count: length * channelCount)
            for (c, values) in perDimension.enumerated() {
                for t in 0..<length { interleaved[t * channelCount + c] = values[t] }
            }
            series.append(RawSeries(values: interleaved, length: length, line: line.number))
        }
        guard !series.isEmpty else {
            throw fail(lines.last?.number ?? 1, "no series after @data")
        }
        let classNames: [String]
        let labels: [Int]
        if hasLabels {
            let declared = header.classNames
            labels = try classIndices(labelTexts, classNames: declared, file: path, lines: labelLines, source: "declared by @classLabel")
            if let pinned = options.classNames {
                guard pinned == declared else {
                    throw DatasetError(file: path, line: header.classLabelLine, message: "@classLabel declares \(declared.joined(separator: " ")), expected \(pinned.joined(separator: " ")) (the training file's classes)")
                }
            }
            classNames = declared
        } else {
            labels = [Int](repeating: 0, count: series.count)
            classNames = options.classNames ?? ["unlabelled"]
        }
        return try assembleDataset(series, channels: channels!, labels: labels, classNames: classNames, file: path, options: options)
    }
}

/// Writer for the `.ts` format: every dataset, univariate or multivariate, equal or unequal length.
enum TSWriter {
    /// The `.ts` text for `dataset`. Padded steps (beyond `validLengths`) are not written, so an
    /// unequal-length set reads back with the same lengths. Class names become `@classLabel true …`
    /// and must therefore contain no whitespace, `:` or `,`.
    static func text(_ dataset: SeriesDataset, problemName: String, path: String) throws -> String {
        for name in dataset.classNames where name.isEmpty || name.contains(where: { $0 == " " || $0 == "\t" || $0 == ":" || $0 == "," || $0.isNewline }) {
            throw DatasetError(file: path, message: "class name '\(name)' cannot be written to .ts (no spaces, ':' or ',')")
        }
        let equal = dataset.validLengths == nil
        var out = "# Written by SeriesLens.\n"
        out += "@problemName \(problemName.replacingOccurrences(of: " ", with: "_"))\n"
        out += "@timeStamps false\n@missing false\n"
        out += "@univariate \(dataset.channels == 1)\n"
        if dataset.channels > 1 { out += "@dimensions \(dataset.channels)\n" }
        out += "@equalLength \(equal)\n"
        if equal { out += "@seriesLength \(dataset.length)\n" }
        out += "@classLabel true \(dataset.classNames.joined(separator: " "))\n@data\n"
        let stride = dataset.seriesStride
        for n in 0..<dataset.count {
            let length = dataset.validLengths?[n] ?? dataset.length
            var row = ""
            for c in 0..<dataset.channels {
                for t in 0..<length {
                    if t > 0 { row += "," }
                    row += dataset.values[n * stride + t * dataset.channels + c].description
                }
                row += ":"
            }
            row += dataset.classNames[dataset.labels[n]]
            out += row
            out += "\n"
        }
        return out
    }
}
