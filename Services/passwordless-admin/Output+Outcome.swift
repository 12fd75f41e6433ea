extension Output {
    /// What a command that deletes something or changes many things prints: `text` for people
    /// (`deleted <name>`, `purged: 3`), or with `--json` one JSON object, `fields`: the object it
    /// deleted, or the counts of the change.
    static func printOutcome(_ text: String, fields: Fields, json: Bool) {
        if json {
            print(fields, json: true)
        } else {
            write(text)
        }
    }
}
