import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The `--yes` of a destructive command (`dead purge`, `tenant delete`, `connection delete`):
/// on a terminal the command asks first; in a script (standard input not a terminal) or with
/// `--yes` it goes ahead, so automation never hangs on a prompt.
struct Confirmation: ParsableArguments {
    @Flag(help: "Do not ask for confirmation on a terminal.") var yes = false

    /// Asks `question` on standard error when standard input is a terminal and `--yes` was not
    /// given; anything but `y` or `yes` stops the command with a one-line error.
    func confirm(_ question: String) throws {
        guard !yes, isatty(STDIN_FILENO) == 1 else { return }
        FileHandle.standardError.write(Data("\(question) [y/N] ".utf8))
        let answer = (readLine() ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        guard answer == "y" || answer == "yes" else { throw AdminError("not confirmed: nothing was changed") }
    }
}
