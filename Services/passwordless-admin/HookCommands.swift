import ArgumentParser
import Foundation
import PasswordlessCore
import PasswordlessStorage

/// `passwordless-admin hook create|list|delete`: a tenant's signed event hooks.
struct HookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hook", abstract: "Manage event hooks (signed POSTs of verification and delivery events).",
        subcommands: [Create.self, List.self, Delete.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a hook; its signing secret is printed once.")
        @OptionGroup var target: TenantOptions
        @Option(help: "Where events are POSTed: an absolute http(s) URL.") var url: String
        @Option(help: "Comma-separated event types (\(HookEventType.allCases.map(\.rawValue).joined(separator: ", "))), or * for all.")
        var events: String
        @Flag(help: "Print one JSON object.") var json = false

        func validate() throws {
            guard Hook.isValidURL(url) else { throw ValidationError("--url must be an absolute http or https URL") }
            _ = try Self.types(events)
        }

        static func types(_ text: String) throws -> [HookEventType] {
            switch HookEventType.parseList(text) {
            case .success(let types) where !types.isEmpty: return types
            case .success: throw ValidationError("--events names no event type")
            case .failure(let unknown):
                throw ValidationError(
                    "unknown event type \(unknown.name.prefix(64)) (known: \(HookEventType.allCases.map(\.rawValue).joined(separator: ", ")), or *)"
                )
            }
        }

        func run() async throws {
            let box = SecretBox(masterKey: try target.store.masterKey(), purpose: .secretsAtRest)
            let secret = HookSecret.generate()
            let (url, types) = (url, try Self.types(events))
            let hook = try await target.withTenant { client, tenant in
                let id = UUID()
                let hook = Hook(
                    id: id, tenantID: tenant.id, url: url, events: types,
                    sealedSecret: box.seal(secret, context: Hook.sealingContext(id: id)), createdAt: Date())
                try await HookRepository(client: client, logger: .admin).insert(hook)
                return hook
            }
            Output.print(
                ["id": hook.id.uuidString.lowercased(), "url": hook.url, "events": hook.events.map(\.rawValue), "secret": secret],
                json: json)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the tenant's hooks (never their secrets).")
        @OptionGroup var target: TenantOptions
        @Flag(help: "Print one JSON array.") var json = false

        func run() async throws {
            let hooks = try await target.withTenant { client, tenant in
                try await HookRepository(client: client, logger: .admin).list(tenantID: tenant.id)
            }
            Output.printList(
                hooks.map { ["id": $0.id.uuidString.lowercased(), "url": $0.url, "events": $0.events.map(\.rawValue)] },
                columns: ["id", "url", "events"], json: json)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a hook; events not yet posted to it are dropped.")
        @OptionGroup var target: TenantOptions
        @Argument(help: "The hook's id (from hook list).") var id: String
        @Flag(help: "Print one JSON object: the id deleted.") var json = false

        func run() async throws {
            guard let uuid = UUID(uuidString: id) else { throw ValidationError("not a hook id: \(id.prefix(64))") }
            let deleted = try await target.withTenant { client, tenant in
                try await HookRepository(client: client, logger: .admin).delete(id: uuid, tenantID: tenant.id)
            }
            guard deleted else { throw ValidationError("the tenant has no hook \(id.lowercased())") }
            Output.printOutcome("deleted \(id.lowercased())", fields: [("id", id.lowercased()), ("deleted", true)], json: json)
        }
    }
}
