import FirehouseCore

extension IncidentService {
    public func deadLetter(_ draft: DeadLetterDraft) async throws -> Int64 {
        let now = clock.now()
        return try await store.write { try $0.keepDeadLetter(draft, at: now) }
    }

    public func deadLetters(limit: Int) async throws -> [DeadLetter] {
        try await store.read { try $0.deadLetters(limit: limit) }
    }

    public func firstSighting(mac: [UInt8], timestamp: Int64, forgetBefore: Int64) async throws -> Bool {
        try await store.write { try $0.recordSignature(mac: mac, timestamp: timestamp, forgetBefore: forgetBefore) }
    }
}
