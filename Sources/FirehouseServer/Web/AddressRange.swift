#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IP address or network (`10.0.0.5`, `10.0.0.0/8`, `::1`, `fd00::/8`) that a connection's
/// peer address is checked against: the proxies whose user header `ui.trusted_user_header` trusts.
struct AddressRange: Sendable, Equatable {
    let bytes: [UInt8]
    let prefixLength: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let bytes = Self.parse(String(parts[0])) else { return nil }
        if parts.count == 2 {
            guard let length = Int(parts[1]), (0...(bytes.count * 8)).contains(length) else { return nil }
            prefixLength = length
        } else {
            prefixLength = bytes.count * 8
        }
        self.bytes = bytes
    }

    /// Whether `address` (as NIO prints a peer's address) lies in this range. An IPv4 peer on an
    /// IPv6 socket (`::ffff:10.0.0.5`) counts as its IPv4 address.
    func contains(_ address: String) -> Bool {
        guard var peer = Self.parse(address) else { return false }
        if peer.count == 16, bytes.count == 4, peer.prefix(12) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] {
            peer = Array(peer.suffix(4))
        }
        guard peer.count == bytes.count else { return false }
        var remaining = prefixLength
        for (a, b) in zip(peer, bytes) where remaining > 0 {
            let bits = min(remaining, 8)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if a & mask != b & mask { return false }
            remaining -= bits
        }
        return true
    }

    /// The 4 or 16 bytes of an IPv4 or IPv6 address in text form.
    static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }
}
