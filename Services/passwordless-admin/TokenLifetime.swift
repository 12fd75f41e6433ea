import ArgumentParser

/// `token create --expires-in`: how long a management token works: seconds (`3600`), or a
/// number with a unit (`30m`, `12h`, `30d`), or `never`. From 1 second to 3,650 days.
struct TokenLifetime {
    /// Seconds; nil: the token never expires.
    let seconds: Int?

    static let maximumSeconds = 3650 * 86_400

    /// The lifetime `argument` names; a one-line error that says what is accepted otherwise.
    init(_ argument: String) throws {
        if argument == "never" {
            seconds = nil
            return
        }
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        let (digits, unit) = argument.last.flatMap { units[$0] }.map { (argument.dropLast(), $0) } ?? (Substring(argument), 1)
        guard digits.count <= 9, digits.allSatisfy(\.isASCII), let number = Int(digits), number > 0,
            number * unit <= Self.maximumSeconds
        else {
            throw ValidationError(
                "--expires-in takes seconds, or a number with m, h or d (30m, 12h, 30d; at most 3650d), or never, not \"\(argument.prefix(40))\""
            )
        }
        seconds = number * unit
    }
}
