/// A reason for a service to refuse to run that its own description fully explains: the
/// launcher prints that one line and exits, with no stack of log lines around it.
///
/// For what an operator must fix before the service can start (an unmigrated database, a queue
/// set up with another partition count), as opposed to failures worth a diagnostic.
public protocol StartupRefusal: Error, CustomStringConvertible {}
