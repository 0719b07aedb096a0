/// Where the class label sits in a header-less CSV row.
public enum LabelPosition: String, Codable, Sendable, CaseIterable {
    case first, last
}

/// How files are turned into a `SeriesDataset`. One set of options serves every format; fields a
/// format does not use are ignored.
public struct LoadOptions: Codable, Sendable, Equatable {
    /// Replace missing values (`?` in `.ts`, `NaN`/`Inf` anywhere, an empty CSV field inside a
    /// series) by linear interpolation between the nearest present values of the same series and
    /// channel (copying the nearest value at the ends). When false, a missing value is an error
    /// naming its line and column.
    public var imputeMissing: Bool
    /// Linearly resample every series to this many steps (see `resampleLinearly`). When nil,
    /// unequal lengths are zero-padded at the end to the longest and `validLengths` records the
    /// real lengths.
    public var resampleLength: Int?
    /// CSV: the file has a header row and this column holds the label; every other column is a
    /// time step, in file order.
    public var labelColumn: String?
    /// CSV without a header: whether the label is the first or the last field of each row.
    public var labelPosition: LabelPosition
    /// `.npy`: the labels file (`.npy` of integers or integral floats, or a text/CSV file with one
    /// label per line). When nil, `NAME.labels.npy` beside `NAME.npy` is used if it exists.
    public var labelsPath: String?
    /// Pin the class names, in index order, instead of deriving them from the file. Use it to load a
    /// test file with the training file's classes, so that a class missing from one file does not
    /// shift the indices. A label outside this list is an error.
    public var classNames: [String]?

    public init(
        imputeMissing: Bool = false, resampleLength: Int? = nil, labelColumn: String? = nil,
        labelPosition: LabelPosition = .first, labelsPath: String? = nil, classNames: [String]? = nil
    ) {
        self.imputeMissing = imputeMissing
        self.resampleLength = resampleLength
        self.labelColumn = labelColumn
        self.labelPosition = labelPosition
        self.labelsPath = labelsPath
        self.classNames = classNames
    }
}
