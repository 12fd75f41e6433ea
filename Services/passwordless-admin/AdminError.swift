import HTTPService
import PostgresNIO

/// A failure told to the operator as one line that names the problem (ArgumentParser prints it
/// after `Error:` and exits with status 1), instead of postgres-nio's deliberately vague text.
struct AdminError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }

    /// PostgreSQL could not be reached (refused, unreachable, too slow) at `address`.
    static func unreachable(_ address: String) -> AdminError {
        AdminError("cannot reach the database at \(address) (is PostgreSQL running, and DATABASE_URL right?)")
    }

    /// What went wrong, in the operator's terms: a duplicate names the object that exists
    /// (unique violations, 23505, by constraint); a server error gives its message; a broken
    /// connection says the database is unreachable. Other errors pass through unchanged.
    static func explain(_ error: any Error, address: String) -> any Error {
        guard let error = error as? PSQLError else { return error }
        guard error.code == .server, let info = error.serverInfo else {
            return DependencyFailure.isUnavailable(error) ? unreachable(address) : AdminError("database error (\(error.code))")
        }
        let state = info[.sqlState] ?? ""
        guard state == "23505" else { return AdminError("database error \(state): \(info[.message] ?? "no message")") }
        let value = duplicateValue(info[.detail] ?? "") ?? "?"
        switch info[.constraintName] ?? "" {
        case "tenants_name_key": return AdminError("a tenant named \(value) already exists")
        case "tenants_domain_key": return AdminError("a tenant with the domain \(value) already exists")
        case "connections_tenant_id_name_key": return AdminError("the tenant already has a connection named \(value)")
        case "clients_pkey": return AdminError("a client with the id \(value) already exists")
        case let constraint: return AdminError("this already exists (\(info[.tableName] ?? "?"): \(constraint))")
        }
    }

    /// `Key (tenant_id, name)=(…, sms) already exists.` → `sms`: the last key column's value.
    static func duplicateValue(_ detail: String) -> String? {
        guard let start = detail.range(of: ")=("), let end = detail.range(of: ") already exists", options: .backwards),
            start.upperBound <= end.lowerBound
        else { return nil }
        let values = detail[start.upperBound..<end.lowerBound]
        return values.split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces) }
    }
}
