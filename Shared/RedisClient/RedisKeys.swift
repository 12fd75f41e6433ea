/// The namespace of every Redis key the services use.
///
/// Each key carries a hash tag (`{…}`) so the layout works on Redis Cluster: the keys one script
/// touches share a tag (each queue partition's keys share `{queue:N}`), and per-recipient keys are spread by
/// recipient so no slot gets hot. No key name holds an email address, a phone number or a
/// client address: those appear only as keyed HMACs (``RecipientTagger``).
///
/// Each feature declares its own keys in an extension beside the code that uses them:
/// login codes and rate limits in `LoginCodes`, the queue in `JobQueue`, access tokens in `Tokens`.
public enum RedisKeys {}
