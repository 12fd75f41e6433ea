/// What one console page shows, for the Mustache templates: the layout's parts (title, operator,
/// the CSRF token every form carries, the script nonce, the tenant's navigation) and the
/// optional blocks a page is made of, rendered in this order: error, notice, result, search,
/// tables, forms, confirmation, queue. Mustache escapes every value.
struct PageView {
    var title: String
    var operatorEmail: String?
    var csrf: String?
    var nonce = ""
    /// The tenant a page belongs to: the layout shows the tenant's navigation.
    var tenant: String?
    /// The one-line error of the command that failed.
    var error: String?
    var notice: String?
    /// What a command printed once and never again (a new secret), or an object's fields.
    var result: [KeyValue]?
    var resultTitle: String?
    /// Hidden fields every POST button of the page carries besides the CSRF token.
    var hidden: [KeyValue] = []
    /// A link back (after a result).
    var back: Link?
    var search: SearchBox?
    var tables: [Table] = []
    var forms: [Form] = []
    var confirm: Confirmation?
    var queue: QueueView?
    /// For the sign-in pages.
    var signIn: SignInView?

    init(title: String) { self.title = title }

    struct Link {
        var href: String
        var label: String
    }

    struct KeyValue {
        var key: String
        var value: String
    }

    /// A GET form that searches (users).
    struct SearchBox {
        var action: String
        var label: String
        var query: String
    }

    struct Table {
        var heading: String?
        /// False for a table that is only its actions (a dead letter's page).
        var listed = true
        var columns: [String]
        var rows: [Row]
        var empty: String = "Nothing here yet."
        /// Actions for the whole table (purge, rotate), shown under it.
        var actions: [Action] = []
    }

    struct Row {
        var cells: [Cell]
        var actions: [Action] = []
    }

    struct Cell {
        var text: String
        var link: String?
    }

    /// A button: a link (`post` false: edit pages and confirmation steps) or a POST form.
    struct Action {
        var label: String
        var href: String
        var post = false
        var danger = false
        var id: String?
    }

    struct Form {
        var title: String
        var action: String
        var submit: String
        var fields: [Field]
        var id: String?
    }

    /// One input; its `name` is the CLI flag it becomes (``FormArguments``). Mustache reads
    /// stored properties only, so the kind is also spelled out as flags.
    struct Field {
        var name: String
        var label: String
        var value: String
        var help: String?
        var options: [Choice]
        var isText = false
        var isPassword = false
        var isSelect = false
        var isTextarea = false

        enum Kind { case text, password, select, textarea }

        /// `labels` names a choice for people where its value (a flag such as `--disable-signup`)
        /// should not be shown as is.
        init(
            _ name: String, _ label: String, value: String = "", help: String? = nil, kind: Kind = .text, options: [String] = [],
            labels: [String: String] = [:]
        ) {
            (self.name, self.label, self.value, self.help) = (name, label, value, help)
            self.options = options.map {
                Choice(value: $0, label: labels[$0] ?? ($0.isEmpty ? "(unchanged)" : $0), selected: $0 == value)
            }
            switch kind {
            case .text: isText = true
            case .password: isPassword = true
            case .select: isSelect = true
            case .textarea: isTextarea = true
            }
        }
    }

    struct Choice {
        var value: String
        var label: String
        var selected: Bool
    }

    /// The step before a destructive change: what will happen, and the form that does it.
    struct Confirmation {
        var message: String
        var action: String
        var button: String
        var cancel: String
    }

    struct SignInView {
        var askCode: Bool
        /// Where the "Sign in" button of a one-time link posts; nil on the code pages.
        var linkAction: String?
    }
}
