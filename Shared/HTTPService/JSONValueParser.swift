/// Parses JSON text (RFC 8259) into ``JSONValue``.
///
/// Request bodies are small and every `/passwordless/start` and `/oauth/token` parses one;
/// `JSONDecoder` into an untyped value tries each type in turn and pays for a thrown error per
/// miss, which made it one of the largest costs of both paths. This reads the bytes once.
struct JSONValueParser {
    /// Nesting deeper than this is refused (no request needs more than a few levels).
    static let maximumDepth = 32

    /// The text is not exactly one JSON value, or (``duplicateKey``) an object names a
    /// property twice: RFC 8259 leaves that undefined, and parsers that disagree on which one
    /// wins let a body mean two things, so it is refused rather than resolved.
    struct Invalid: Error {
        var duplicateKey = false
    }

    private let bytes: [UInt8]
    private var index = 0

    /// The value of the whole text; `Invalid` for anything but exactly one JSON value.
    static func parse(_ bytes: [UInt8]) throws(Invalid) -> JSONValue {
        var parser = JSONValueParser(bytes: bytes)
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw Invalid() }
        return value
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
            index += 1
        }
    }

    private mutating func value(depth: Int) throws(Invalid) -> JSONValue {
        guard depth < Self.maximumDepth else { throw Invalid() }
        skipWhitespace()
        guard index < bytes.count else { throw Invalid() }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var object: [String: JSONValue] = [:]
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(object)
            }
            while true {
                skipWhitespace()
                let key = try string()
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                guard object[key] == nil else { throw Invalid(duplicateKey: true) }
                object[key] = try value(depth: depth + 1)
                skipWhitespace()
                guard index < bytes.count else { throw Invalid() }
                index += 1
                if bytes[index - 1] == UInt8(ascii: "}") { return .object(object) }
                guard bytes[index - 1] == UInt8(ascii: ",") else { throw Invalid() }
            }
        case UInt8(ascii: "["):
            index += 1
            var array: [JSONValue] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(array)
            }
            while true {
                array.append(try value(depth: depth + 1))
                skipWhitespace()
                guard index < bytes.count else { throw Invalid() }
                index += 1
                if bytes[index - 1] == UInt8(ascii: "]") { return .array(array) }
                guard bytes[index - 1] == UInt8(ascii: ",") else { throw Invalid() }
            }
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        default: return .number(try number())
        }
    }

    private mutating func expect(_ byte: UInt8) throws(Invalid) {
        guard index < bytes.count, bytes[index] == byte else { throw Invalid() }
        index += 1
    }

    private mutating func literal(_ word: StaticString) throws(Invalid) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw Invalid() }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { throw Invalid() }
        index += count
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func number() throws(Invalid) -> Double {
        let start = index
        func digits(_ parser: inout JSONValueParser) -> Int {
            let from = parser.index
            while parser.index < parser.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(parser.bytes[parser.index]) {
                parser.index += 1
            }
            return parser.index - from
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        let integer = digits(&self)
        guard integer > 0, integer == 1 || bytes[index - integer] != UInt8(ascii: "0") else { throw Invalid() }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits(&self) > 0 else { throw Invalid() }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits(&self) > 0 else { throw Invalid() }
        }
        guard let number = Double(String(decoding: bytes[start..<index], as: UTF8.self)) else { throw Invalid() }
        return number
    }

    private mutating func string() throws(Invalid) -> String {
        try expect(UInt8(ascii: "\""))
        var scalars = String.UnicodeScalarView()
        var runStart = index
        var plain = true  // no escapes so far: the string is a slice of the input
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                let text = plain ? String(decoding: bytes[runStart..<index], as: UTF8.self) : flush(&scalars, from: runStart)
                index += 1
                return text
            case UInt8(ascii: "\\"):
                _ = flush(&scalars, from: runStart)
                plain = false
                index += 1
                guard index < bytes.count else { throw Invalid() }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{8}")
                case UInt8(ascii: "f"): scalars.append("\u{C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code) {  // a high surrogate needs its low half
                        try literal("\\u")
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw Invalid() }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw Invalid() }
                    scalars.append(scalar)
                default: throw Invalid()
                }
                runStart = index
            case 0..<0x20: throw Invalid()  // control characters must be escaped
            default: index += 1
            }
        }
        throw Invalid()
    }

    /// Appends the unescaped run `runStart..<index` (validated UTF-8) and returns the text so far.
    private func flush(_ scalars: inout String.UnicodeScalarView, from runStart: Int) -> String {
        scalars.append(contentsOf: String(decoding: bytes[runStart..<index], as: UTF8.self).unicodeScalars)
        return String(scalars)
    }

    private mutating func hex4() throws(Invalid) -> UInt32 {
        guard index + 4 <= bytes.count else { throw Invalid() }
        var code: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw Invalid()
            }
            code = code << 4 | digit
            index += 1
        }
        return code
    }
}
