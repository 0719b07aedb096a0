import Foundation

/// A model definition: the layer graph (a chain) and its hyper-parameters, as stored in a plugin
/// file (`Plugins/*.json`, or a user's file). Input sizes are never written: each layer's input is
/// the previous layer's output, starting from the series' (T, C), so one definition serves any
/// channel count. A width of `"classes"` is the logit count: 1 for two classes, K for K > 2.
///
/// ```json
/// { "name": "cnn", "description": "…",
///   "layers": [ { "kind": "conv1d", "name": "features.0", "channels": 32, "kernel": 7 }, … ] }
/// ```
public struct ModelDefinition: Codable, Sendable, Equatable {
    public var name: String
    public var description: String
    public var layers: [LayerDefinition]

    public init(name: String, description: String, layers: [LayerDefinition]) {
        self.name = name
        self.description = description
        self.layers = layers
    }

    /// Compact JSON with sorted keys (what checkpoints store).
    public func encodedJSON() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }
}

/// One layer of a definition: its `kind` (a registered `LayerKind`), its `name` (the prefix of its
/// state_dict entries) and the kind's own fields, kept as JSON until the kind decodes them.
public struct LayerDefinition: Codable, Sendable, Equatable {
    public var kind: String
    public var name: String
    public var fields: [String: JSONValue]

    public init(kind: String, name: String, fields: [String: JSONValue] = [:]) {
        self.kind = kind
        self.name = name
        self.fields = fields
    }

    public init(from decoder: Decoder) throws {
        var object = try [String: JSONValue](from: decoder)
        guard case .string(let kind)? = object.removeValue(forKey: "kind") else {
            throw DecodingError.keyNotFound(DefinitionKey("kind"), .init(codingPath: decoder.codingPath, debugDescription: "missing field"))
        }
        guard case .string(let name)? = object.removeValue(forKey: "name") else {
            throw DecodingError.keyNotFound(DefinitionKey("name"), .init(codingPath: decoder.codingPath, debugDescription: "missing field"))
        }
        self.init(kind: kind, name: name, fields: object)
    }

    public func encode(to encoder: Encoder) throws {
        var object = fields
        object["kind"] = .string(kind)
        object["name"] = .string(name)
        try object.encode(to: encoder)
    }
}

/// Any JSON value, so layer fields survive decoding untouched until their kind reads them.
public enum JSONValue: Codable, Sendable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if value == value.rounded(), abs(value) < 1e15 { try container.encode(Int(value)) } else { try container.encode(value) }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

struct DefinitionKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// A width that is either a number or `"classes"` (the model's logit count).
public enum Width: Codable, Sendable, Equatable {
    case fixed(Int)
    case classes

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int.self) { self = .fixed(value); return }
        guard (try? container.decode(String.self)) == "classes" else {
            throw DecodingError.typeMismatch(Width.self, .init(codingPath: decoder.codingPath, debugDescription: "expected a positive integer or \"classes\""))
        }
        self = .classes
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .fixed(let value): try container.encode(value)
        case .classes: try container.encode("classes")
        }
    }

    public func resolved(logits: Int) -> Int {
        switch self {
        case .fixed(let value): return value
        case .classes: return logits
        }
    }
}

/// A definition that cannot be used, as one line naming the file and the field.
public struct DefinitionError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let field: String
    public let message: String

    public init(file: String, field: String, _ message: String) {
        self.file = file
        self.field = field
        self.message = message
    }

    public var description: String { field.isEmpty ? "\(file): \(message)" : "\(file): \(field): \(message)" }
}
