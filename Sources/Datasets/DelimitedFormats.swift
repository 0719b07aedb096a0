/// Readers for one-series-per-row text: the UCR 2018 `.tsv` files and CSV.
///
/// Every row must have the same number of fields. A series shorter than the row width is written
/// with trailing `NaN` (the UCR 2018 convention for varying lengths) or, in CSV, trailing empty
/// fields: those trailing values set the series' length. A missing value inside a series is
/// imputed or rejected per `LoadOptions.imputeMissing`. Multivariate CSV is not supported (use
/// `.ts` or `.npy`).
enum DelimitedReader {
    /// UCR 2018 `.tsv`: tab-separated, the class label first, no header.
    static func readTSV(path: String, options: LoadOptions) throws -> SeriesDataset {
        try read(path: path, separator: "\t", labelField: .position(.first), options: options)
    }

    /// CSV with a named label column in a header row (`options.labelColumn`), or header-less with
    /// the label first or last (`options.labelPosition`). Fields may be wrapped in double quotes;
    /// quoted fields cannot contain commas.
    static func readCSV(path: String, options: LoadOptions) throws -> SeriesDataset {
        let label: LabelField = options.labelColumn.map { .named($0) } ?? .position(options.labelPosition)
        return try read(path: path, separator: ",", labelField: label, options: options)
    }

    enum LabelField {
        case named(String)
        case position(LabelPosition)
    }

    private static func unquoted(_ field: Substring) -> String {
        let trimmed = field.trimmingCharacters(in: .whitespaces)
        if trimmed.count >= 2 && trimmed.hasPrefix("\"") && trimmed.hasSuffix("\"") {
            return String(trimmed.dropFirst().dropLast())
        }
        return trimmed
    }

    private static func read(path: String, separator: Character, labelField: LabelField, options: LoadOptions) throws -> SeriesDataset {
        let bytes = try readFileBytes(path)
        var lines = textLines(bytes).filter { !$0.text.trimmingCharacters(in: .whitespaces).isEmpty }
        guard !lines.isEmpty else { throw DatasetError(file: path, message: "the file is empty") }
        func fail(_ line: Int, _ message: String) -> DatasetError { DatasetError(file: path, line: line, message: message) }

        var labelIndex: Int? = nil
        var width: Int? = nil
        if case .named(let name) = labelField {
            let header = lines.removeFirst()
            let names = header.text.split(separator: separator, omittingEmptySubsequences: false).map(unquoted)
            guard let found = names.firstIndex(of: name) else {
                throw fail(header.number, "no column named '\(name)' in the header (columns: \(names.prefix(5).joined(separator: ", "))\(names.count > 5 ? ", …" : ""))")
            }
            labelIndex = found
            width = names.count
            guard !lines.isEmpty else { throw fail(header.number, "the file has a header but no rows") }
        }

        var series: [RawSeries] = []
        var labelTexts: [String] = []
        var labelLines: [Int?] = []
        for line in lines {
            let fields = line.text.split(separator: separator, omittingEmptySubsequences: false)
            if let expected = width, fields.count != expected {
                let reference = labelIndex != nil ? "the header has" : "line \(lines[0].number) has"
                throw fail(line.number, "ragged row: \(fields.count) fields, \(reference) \(expected)")
            }
            width = fields.count
            guard fields.count >= 2 else { throw fail(line.number, "a row needs a label and at least one value") }
            let labelAt: Int
            switch labelField {
            case .named: labelAt = labelIndex!
            case .position(.first): labelAt = 0
            case .position(.last): labelAt = fields.count - 1
            }
            let label = unquoted(fields[labelAt])
            guard !label.isEmpty else { throw fail(line.number, "empty class label") }
            var values = [Float]()
            values.reserveCapacity(fields.count - 1)
            var blank = [Bool]()
            blank.reserveCapacity(fields.count - 1)
            var column = 0
            for (position, field) in fields.enumerated() where position != labelAt {
                column += 1
                let token = unquoted(field)
                if token.isEmpty { values.append(.nan); blank.append(true); continue }
                guard let value = Float(token) else {
                    var hint = ""
                    if series.isEmpty && labelIndex == nil && separator == "," { hint = " (if the first row is a header, name the label column with --label-column)" }
                    throw fail(line.number, "non-numeric value \(column) (field \(position + 1)): '\(token)'\(hint)")
                }
                values.append(value)
                blank.append(false)
            }
            // Trailing NaN / empty fields pad a shorter series.
            var length = values.count
            while length > 0 && (blank[length - 1] || values[length - 1].isNaN) { length -= 1 }
            series.append(RawSeries(values: Array(values[0..<length]), length: length, line: line.number))
            labelTexts.append(label)
            labelLines.append(line.number)
        }
        let classNames = options.classNames ?? sortedClassNames(labelTexts)
        let labels = try classIndices(
            labelTexts, classNames: classNames, file: path, lines: labelLines,
            source: options.classNames != nil ? "of the training data" : "found")
        return try assembleDataset(series, channels: 1, labels: labels, classNames: classNames, file: path, options: options)
    }
}

/// Writer for CSV: a header `label,t0,t1,…,t{T-1}`, then one row per series with the class *index*
/// (not the name, so the file reads back with the same label numbers even when the names would sort
/// differently) and the values. Padded steps of an unequal-length set are written as `NaN`, which
/// reads back as padding. Multivariate sets are rejected: CSV here holds univariate series only.
enum CSVWriter {
    static func text(_ dataset: SeriesDataset, path: String) throws -> String {
        guard dataset.channels == 1 else {
            throw DatasetError(file: path, message: "CSV holds univariate series only and this set has \(dataset.channels) channels; write .ts or .npy instead")
        }
        var out = "label"
        for t in 0..<dataset.length { out += ",t\(t)" }
        out += "\n"
        for n in 0..<dataset.count {
            let valid = dataset.validLengths?[n] ?? dataset.length
            var row = String(dataset.labels[n])
            for t in 0..<dataset.length {
                row += ","
                row += t < valid ? dataset.values[n * dataset.length + t].description : "NaN"
            }
            out += row
            out += "\n"
        }
        return out
    }
}
