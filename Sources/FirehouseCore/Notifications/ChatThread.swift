/// Where an incident's message lives on a chat target that updates messages in place (Slack app
/// mode): the channel and the message's `ts`, which `chat.update` and thread replies address.
public struct ChatThread: Sendable, Equatable {
    public var channel: String
    public var ts: String

    public init(channel: String, ts: String) {
        self.channel = channel
        self.ts = ts
    }
}
