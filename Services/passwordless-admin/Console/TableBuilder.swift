/// Builds a page table from the objects a `list --json` printed.
struct TableBuilder {
    /// A column: its heading and the JSON key it shows.
    struct Column {
        var title: String
        var key: String
        /// The cell links here (e.g. an object's page), made from the object.
        var link: (([String: Any]) -> String)?

        init(_ title: String, _ key: String, link: (([String: Any]) -> String)? = nil) {
            (self.title, self.key, self.link) = (title, key, link)
        }
    }

    var columns: [Column]
    /// The buttons of each row.
    var actions: ([String: Any]) -> [PageView.Action] = { _ in [] }

    func table(_ objects: [[String: Any]], title: String? = nil, empty: String = "Nothing here yet.") -> PageView.Table {
        PageView.Table(
            heading: title, columns: columns.map(\.title),
            rows: objects.map { object in
                PageView.Row(
                    cells: columns.map { PageView.Cell(text: JSONText.text(object[$0.key]), link: $0.link?(object)) },
                    actions: actions(object))
            },
            empty: empty)
    }
}
