import Foundation

/// A dataset as a family of `.npy` files sharing a stem, readable with `np.load`:
/// - `NAME.npy`: values, float32 (N, T, C) — or (N, T), read as C = 1; float64 is read too;
/// - `NAME.labels.npy`: int64 (N,) class indices;
/// - `NAME.classes.txt`: class names, one per line, in index order (so names survive the trip);
/// - `NAME.mask.npy`: uint8 (N, T, C) ground-truth anomaly mask (synthetic sets only);
/// - `NAME.lengths.npy`: int64 (N,) valid lengths (unequal-length sets only; padding is zeros).
enum NumpyDatasetIO {
    static func siblingPath(_ path: String, _ suffix: String) -> String {
        let stem = path.hasSuffix(".npy") ? String(path.dropLast(4)) : path
        return stem + suffix
    }

    static func read(path: String, options: LoadOptions) throws -> SeriesDataset {
        let array = try NumpyFormat.read(path: path)
        guard array.element.isFloat else {
            throw DatasetError(file: path, byteOffset: 10, message: "values must be float32 or float64, the file holds \(array.element.rawValue)")
        }
        guard array.shape.count == 2 || array.shape.count == 3 else {
            throw DatasetError(file: path, byteOffset: 10, message: "values must have shape (N, T) or (N, T, C), got \(array.shape.count) dimensions")
        }
        let count = array.shape[0], length = array.shape[1], channels = array.shape.count == 3 ? array.shape[2] : 1
        guard count > 0, length > 0, channels > 0 else {
            throw DatasetError(file: path, byteOffset: 10, message: "shape \(array.shape) holds no values")
        }
        let values = array.float32Values ?? array.doubleValues.map { Float($0) }

        let fileManager = FileManager.default
        let lengthsPath = siblingPath(path, ".lengths.npy")
        var validLengths: [Int]? = nil
        if fileManager.fileExists(atPath: lengthsPath) {
            let lengths = try integers(try NumpyFormat.read(path: lengthsPath), path: lengthsPath, count: count)
            if let bad = lengths.firstIndex(where: { $0 < 1 || $0 > length }) {
                throw DatasetError(file: lengthsPath, message: "length \(lengths[bad]) of series \(bad + 1) is outside 1...\(length)")
            }
            validLengths = lengths
        }

        let (labels, classNames) = try readLabels(valuesPath: path, count: count, options: options)
        let stride = length * channels
        let series = (0..<count).map { n in
            let valid = validLengths?[n] ?? length
            return RawSeries(values: Array(values[(n * stride)..<(n * stride + valid * channels)]), length: valid, line: nil)
        }
        var dataset: SeriesDataset
        do {
            dataset = try assembleDataset(series, channels: channels, labels: labels, classNames: classNames, file: path, options: options)
        } catch var error as DatasetError {
            error.byteOffset = error.byteOffset ?? 0
            throw error
        }
        let maskPath = siblingPath(path, ".mask.npy")
        if fileManager.fileExists(atPath: maskPath) {
            let mask = try NumpyFormat.read(path: maskPath)
            guard mask.element == .uint8 || mask.element == .bool, mask.count == count * stride,
                  mask.shape.first == count, mask.shape.dropFirst().reduce(1, *) == stride else {
                throw DatasetError(file: maskPath, byteOffset: 10, message: "mask must be uint8 or bool with the values' shape \(array.shape), got \(mask.element.rawValue) \(mask.shape)")
            }
            guard dataset.length == length else {
                throw DatasetError(file: path, message: "cannot resample a set that carries a ground-truth mask (\(maskPath))")
            }
            dataset.anomalyMask = mask.doubleValues.map { $0 != 0 ? 1 : 0 }
        }
        return dataset
    }

    private static func integers(_ array: NumpyArray, path: String, count: Int) throws -> [Int] {
        guard array.shape.reduce(1, *) == count, array.shape.count >= 1, array.shape[0] == count else {
            throw DatasetError(file: path, byteOffset: 10, message: "expected \(count) entries (one per series), shape is \(array.shape)")
        }
        return try array.doubleValues.enumerated().map { index, value in
            guard value.isFinite, value == value.rounded(), abs(value) < 9e15 else {
                throw DatasetError(file: path, message: "entry \(index + 1) is \(value), not an integer")
            }
            return Int(value)
        }
    }

    /// Labels from `options.labelsPath` or `NAME.labels.npy`; names from `NAME.classes.txt` when
    /// present (labels are then indices into it), else the distinct labels sorted numerically.
    private static func readLabels(valuesPath: String, count: Int, options: LoadOptions) throws -> ([Int], [String]) {
        let fileManager = FileManager.default
        let defaultPath = siblingPath(valuesPath, ".labels.npy")
        guard let labelsPath = options.labelsPath ?? (fileManager.fileExists(atPath: defaultPath) ? defaultPath : nil) else {
            throw DatasetError(file: valuesPath, message: "no labels: pass a labels file (--labels) or put \(URL(fileURLWithPath: defaultPath).lastPathComponent) beside it")
        }
        var labelTexts: [String]
        var lines: [Int?]
        if labelsPath.hasSuffix(".npy") {
            labelTexts = try integers(try NumpyFormat.read(path: labelsPath), path: labelsPath, count: count).map(String.init)
            lines = [Int?](repeating: nil, count: count)
        } else {
            let rows = textLines(try readFileBytes(labelsPath)).filter { !$0.text.trimmingCharacters(in: .whitespaces).isEmpty }
            labelTexts = rows.map { $0.text.trimmingCharacters(in: CharacterSet(charactersIn: " \t\"")) }
            lines = rows.map(\.number)
            guard labelTexts.count == count else {
                throw DatasetError(file: labelsPath, line: rows.last?.number ?? 1, message: "has \(labelTexts.count) labels, the values have \(count) series")
            }
        }
        let classesPath = siblingPath(valuesPath, ".classes.txt")
        if options.labelsPath == nil, fileManager.fileExists(atPath: classesPath) {
            let names = textLines(try readFileBytes(classesPath)).map(\.text).filter { !$0.isEmpty }
            let labels = labelTexts.map { Int($0)! }
            if let bad = labels.firstIndex(where: { $0 < 0 || $0 >= names.count }) {
                throw DatasetError(file: labelsPath, message: "label \(labels[bad]) of series \(bad + 1) has no name in \(classesPath) (\(names.count) classes)")
            }
            if let pinned = options.classNames, pinned != names {
                throw DatasetError(file: classesPath, message: "classes \(names.joined(separator: " ")) differ from the training data's \(pinned.joined(separator: " "))")
            }
            return (labels, names)
        }
        let names = options.classNames ?? sortedClassNames(labelTexts)
        let labels = try classIndices(labelTexts, classNames: names, file: labelsPath, lines: lines, source: options.classNames != nil ? "of the training data" : "found")
        return (labels, names)
    }

    /// Writes the `.npy` family for `dataset` at `path` (`NAME.npy`), each file atomically.
    static func write(_ dataset: SeriesDataset, path: String) throws {
        let n = dataset.count, t = dataset.length, c = dataset.channels
        try writeFileAtomically(NumpyFormat.encode(float32: dataset.values, shape: [n, t, c]), to: path)
        try writeFileAtomically(NumpyFormat.encode(int64: dataset.labels, shape: [n]), to: siblingPath(path, ".labels.npy"))
        let names = dataset.classNames.joined(separator: "\n") + "\n"
        try writeFileAtomically(Data(names.utf8), to: siblingPath(path, ".classes.txt"))
        if let mask = dataset.anomalyMask {
            try writeFileAtomically(NumpyFormat.encode(uint8: mask, shape: [n, t, c]), to: siblingPath(path, ".mask.npy"))
        }
        if let lengths = dataset.validLengths {
            try writeFileAtomically(NumpyFormat.encode(int64: lengths, shape: [n]), to: siblingPath(path, ".lengths.npy"))
        }
    }
}
