import Foundation
import PasswordlessCore

/// The checks of the HTTP email providers' flags (SendGrid, Mailgun, Postmark, Amazon SES) and of
/// the general `--api-base-url`: each value on its own in ``validateProviderFlags()``, what a
/// provider needs on the whole connection in ``checkEmailAPI(_:secrets:)``.
extension ConnectionOptions {
    /// The Mailgun regions `--region` takes.
    static let mailgunRegions = ["us", "eu"]

    /// Checks the provider flags' values on their own, naming the flag that was given.
    func validateProviderFlags() throws {
        if apiBaseURL != nil, twilioBaseURL != nil { throw AdminError("give --api-base-url or its alias --twilio-base-url, not both") }
        try Self.checkURL(apiBaseURL, flag: "--api-base-url", schemes: ["http", "https"])
        try Self.checkURL(twilioBaseURL, flag: "--twilio-base-url", schemes: ["http", "https"])
        if let mailgunRegion, !Self.mailgunRegions.contains(mailgunRegion) { throw AdminError("--region must be us or eu") }
        if let mailgunDomain, mailgunDomain.range(of: "^[A-Za-z0-9]([A-Za-z0-9-]*\\.)+[A-Za-z0-9-]+$", options: .regularExpression) == nil {
            throw AdminError("--domain must be a domain name such as mg.example.com")
        }
        if let awsRegion, awsRegion.range(of: "^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$", options: .regularExpression) == nil {
            throw AdminError("--aws-region must be an AWS region such as eu-west-1")
        }
        for (flag, value) in [
            ("--api-key", apiKey), ("--server-token", postmarkServerToken), ("--aws-access-key-id", awsAccessKeyID),
            ("--aws-secret-access-key", awsSecretAccessKey),
        ] {
            if let value, value.isEmpty || value.contains(where: { $0.isWhitespace || $0.isNewline }) {
                throw AdminError("\(flag) must not be empty or contain spaces")
            }
        }
    }

    /// What an HTTP email provider needs: its credentials and a sender address.
    static func checkEmailAPI(_ connection: Connection, secrets: ProviderSecrets) throws {
        let settings = connection.settings
        let name = connection.provider.rawValue
        switch connection.provider {
        case .sendgrid:
            guard secrets.apiKey != nil else { throw AdminError("sendgrid needs --api-key") }
        case .mailgun:
            guard secrets.apiKey != nil, settings.mailgunDomain != nil else { throw AdminError("mailgun needs --api-key and --domain") }
        case .postmark:
            guard secrets.postmarkServerToken != nil else { throw AdminError("postmark needs --server-token") }
        case .ses:
            guard settings.awsAccessKeyID != nil, secrets.awsSecretAccessKey != nil, settings.awsRegion != nil else {
                throw AdminError("ses needs --aws-access-key-id, --aws-secret-access-key and --aws-region")
            }
        case .twilio, .smtp, .webhook, .outbox:
            return
        }
        guard let from = settings.from, EmailAddress(from) != nil else { throw AdminError("\(name) needs --from with a valid address") }
    }
}
