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
    private func readResponse() throws(Failure) -> Int {
        var filled = 0
        var headEnd: Int?
        while headEnd == nil {
            filled += try readMore(at: filled)
            headEnd = Self.find(Array("\r\n\r\n".utf8), in: buffer, upTo: filled)
        }
        let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        guard let statusLine = lines.first, statusLine.hasPrefix("HTTP/1.1 "),
              let status = Int(statusLine.dropFirst(9).prefix(3)) else {
            throw Failure(description: "bad status line")
        }
        var length = 0
        var keepAlive = true
        for line in lines.dropFirst() {
            let lower = line.lowercased()
            if lower.hasPrefix("content-length:") { length = Int(lower.dropFirst(15).trimmingSpaces) ?? 0 }
            if lower.hasPrefix("connection:"), lower.contains("close") { keepAlive = false }
        }
        let total = headEnd! + 4 + length
        if total > buffer.count { buffer += [UInt8](repeating: 0, count: total - buffer.count) }
        while filled < total { filled += try readMore(at: filled) }
        bodyRange = (headEnd! + 4)..<total
        if !keepAlive { close() }
        return status
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

extension Substring {
    var trimmingSpaces: Substring {
        var text = self
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return text
    }
}
