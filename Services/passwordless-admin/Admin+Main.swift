import ArgumentParser
import Foundation

extension Admin {
    /// Runs the command the arguments name. `--help` prints the help as usual; every failure,
    /// a mistyped flag or a refused value included, is one line on standard error (`Error: …`,
    /// without the usage text ArgumentParser would add) and a non-zero exit status, so scripts
    /// and the console read one line that names the problem.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            guard code != .success else { exit(withError: error) }  // --help, --version
            let message = self.message(for: error).split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? ""
            FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
            Foundation.exit(code.rawValue)
        }
    }
}
