import FirehouseCore
import Logging

extension ChatService.Reply {
    /// A command or click that failed after its first answer: logged, and told to the user. A
    /// write that failed on the server's side (storage) may still have taken effect, so the user is
    /// asked to look before repeating it; a refusal would only be refused again.
    static func failed(_ error: any Error, logger: Logger, what: String) -> Self {
        let api = ErrorMiddleware<FirehouseContext>().map(error)
        logger.error("\(what) failed", metadata: ["status": "\(api.status.code)", "error": "\(error)"])
        let next = api.status.code >= 500 ? " Check the incident, then try again." : ""
        return .ephemeral("Firehouse could not finish that: \(ChatText.escape(api.message)).\(next)")
    }
}
