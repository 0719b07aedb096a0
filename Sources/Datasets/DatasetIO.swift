import Foundation

/// The file formats SeriesLens reads and writes, named by their extension.
public enum DatasetFormat: String, Codable, Sendable, CaseIterable {
    case ts, tsv, csv, npy

    /// The format implied by `path`'s extension (case-insensitive).
    public init(path: String) throws {
        let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
        guard let format = DatasetFormat(rawValue: ext) else {
            throw DatasetError(file: path, message: "unknown extension '.\(ext)': expected .ts, .tsv, .csv or .npy")
        }
        self = format
    }
}

extension SeriesDataset {
    /// Loads a dataset, choosing the reader by the file extension (`.ts`, `.tsv`, `.csv`, `.npy`).
    /// Every malformed input throws one `DatasetError` naming the file and line or byte offset.
    public static func load(path: String, options: LoadOptions = LoadOptions()) throws -> SeriesDataset {
        try load(path: path, format: DatasetFormat(path: path), options: options)
    }

    /// Loads a dataset in an explicitly named format.
    public static func load(path: String, format: DatasetFormat, options: LoadOptions = LoadOptions()) throws -> SeriesDataset {
        switch format {
        case .ts: try TSReader.read(path: path, options: options)
        case .tsv: try DelimitedReader.readTSV(path: path, options: options)
        case .csv: try DelimitedReader.readCSV(path: path, options: options)
        case .npy: try NumpyDatasetIO.read(path: path, options: options)
        }
    }

    /// Writes the dataset so pandas, numpy and aeon open it and `load` reads it back identically.
    /// `.ts`: every shape, with `@classLabel`; `.csv`: univariate only, header `label,t0,…`, class
    /// indices as labels; `.tsv`: UCR 2018 layout (class index first, tab-separated, univariate
    /// only); `.npy`: the `NumpyDatasetIO` family including the mask. Files are replaced atomically.
    /// `problemName` goes into the `.ts` header (default: the file name without extension).
    public func write(to path: String, format: DatasetFormat? = nil, problemName: String? = nil) throws {
        let chosen = try format ?? DatasetFormat(path: path)
        let name = problemName ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        switch chosen {
        case .ts: try writeFileAtomically(Data(try TSWriter.text(self, problemName: name, path: path).utf8), to: path)
        case .csv: try writeFileAtomically(Data(try CSVWriter.text(self, path: path).utf8), to: path)
        case .tsv:
            let csv = try CSVWriter.text(self, path: path)
            let rows = csv.split(separator: "\n").dropFirst().map { $0.replacingOccurrences(of: ",", with: "\t") }
            try writeFileAtomically(Data((rows.joined(separator: "\n") + "\n").utf8), to: path)
        case .npy: try NumpyDatasetIO.write(self, path: path)
        }
    }
}
