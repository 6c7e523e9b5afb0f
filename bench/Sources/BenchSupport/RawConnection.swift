#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One keep-alive HTTP/1.1 connection over a blocking socket: the cheapest client there is, so the
/// load generator leaves the shared cores to the server it measures. Reconnects after an error
/// or `Connection: close`.
public final class RawConnection {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    private let host: String
    private let port: UInt16
    private var fd: Int32 = -1
    private var buffer = [UInt8](repeating: 0, count: 64 << 10)
    private var bodyRange = 0..<0

    /// The body of the last response.
    public var body: ArraySlice<UInt8> { buffer[bodyRange] }

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    deinit { close() }

    /// Sends a complete request and returns the response's status code once its body is read.
    public func send(_ request: [UInt8]) throws(Failure) -> Int {
        if fd < 0 { try connect() }
        do {
            try writeAll(request)
            return try readResponse()
        } catch {
            close()
            throw error
        }
    }

    public func close() {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
    }

    private func connect() throws(Failure) {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var one: Int32 = 1
        setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            _ = Glibc.close(socket)
            throw Failure(description: "not an IPv4 address: \(host)")
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            _ = Glibc.close(socket)
            throw Failure(description: "connect: errno \(errno)")
        }
        fd = socket
    }

    private func writeAll(_ bytes: [UInt8]) throws(Failure) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + sent, $0.count - sent) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw Failure(description: "write: errno \(errno)") }
            sent += n
        }
    }

    /// Reads the head, then exactly `Content-Length` body bytes (the server always sends it).
    /// Parsed as bytes: splitting the head as a `String` cost the sender ~75,000 instructions per
    /// response, which the instruction benchmark counted as the server's.
    private func readResponse() throws(Failure) -> Int {
        var filled = 0
        var headEnd: Int?
        while headEnd == nil {
            filled += try readMore(at: filled)
            headEnd = Self.find(Self.headTerminator, in: buffer, upTo: filled)
        }
        let head = buffer[0..<headEnd!]
        guard head.starts(with: Self.statusPrefix), head.count >= 12, head[9..<12].allSatisfy(Self.isDigit),
              let status = Self.number(head[9..<12]) else {
            throw Failure(description: "bad status line")
        }
        var length = 0
        var keepAlive = true
        var lineStart = head.startIndex
        while lineStart < head.endIndex {
            let lineEnd = head[lineStart...].firstIndex(of: UInt8(ascii: "\r")) ?? head.endIndex
            let line = head[lineStart..<lineEnd]
            if let value = Self.value(of: Self.contentLength, in: line) {
                length = Self.number(value) ?? 0
            } else if let value = Self.value(of: Self.connection, in: line),
                      Self.lowercased(value).split(separator: UInt8(ascii: ","))
                          .contains(where: { $0.drop { $0 == UInt8(ascii: " ") }.starts(with: Self.close) }) {
                keepAlive = false
            }
            lineStart = lineEnd + 2
        }
        let total = headEnd! + 4 + length
        if total > buffer.count { buffer += [UInt8](repeating: 0, count: total - buffer.count) }
        while filled < total { filled += try readMore(at: filled) }
        bodyRange = (headEnd! + 4)..<total
        if !keepAlive { close() }
        return status
    }

    private static let headTerminator = Array("\r\n\r\n".utf8)
    private static let statusPrefix = Array("HTTP/1.1 ".utf8)
    private static let contentLength = Array("content-length:".utf8)
    private static let connection = Array("connection:".utf8)
    private static let close = Array("close".utf8)

    /// The value after `name` (lowercase, with its colon) in a header line whose name matches it
    /// case-insensitively, without leading spaces.
    private static func value(of name: [UInt8], in line: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        guard line.count >= name.count,
              zip(line, name).allSatisfy({ ($0.0 | 0x20) == $0.1 }) else { return nil }
        return line.dropFirst(name.count).drop { $0 == UInt8(ascii: " ") }
    }

    private static func lowercased(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        bytes.map { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) ? $0 | 0x20 : $0 }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    /// A decimal number, ignoring trailing spaces; nil when there is no digit or a non-digit.
    private static func number(_ bytes: ArraySlice<UInt8>) -> Int? {
        var result = 0
        var digits = 0
        for byte in bytes {
            if byte == UInt8(ascii: " ") { break }
            guard isDigit(byte) else { return nil }
            result = result * 10 + Int(byte - UInt8(ascii: "0"))
            digits += 1
        }
        return digits > 0 ? result : nil
    }

    private func readMore(at offset: Int) throws(Failure) -> Int {
        if offset == buffer.count { buffer += [UInt8](repeating: 0, count: buffer.count) }
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw Failure(description: n == 0 ? "connection closed" : "read: errno \(errno)") }
            return n
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], upTo end: Int) -> Int? {
        guard end >= needle.count else { return nil }
        for start in 0...(end - needle.count) where haystack[start] == needle[0] {
            if (1..<needle.count).allSatisfy({ haystack[start + $0] == needle[$0] }) { return start }
        }
        return nil
    }

    /// `GET path`, as bytes ready to write.
    public static func get(path: String, host: String) -> [UInt8] {
        Array("GET \(path) HTTP/1.1\r\nHost: \(host)\r\n\r\n".utf8)
    }

    /// `POST path` with a JSON body, as bytes ready to write.
    public static func post(path: String, host: String, body: String, token: String?) -> [UInt8] {
        var head = "POST \(path) HTTP/1.1\r\nHost: \(host)\r\nContent-Type: application/json\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        head += "Content-Length: \(body.utf8.count)\r\n\r\n"
        return Array(head.utf8) + Array(body.utf8)
    }
}
