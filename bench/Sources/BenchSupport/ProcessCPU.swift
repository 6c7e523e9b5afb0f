#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// CPU time of server processes from /proc (user + system, reaped children included), so a
/// benchmark charges the server only for its measured phase, not for the warm-up that primes it.
public enum ProcessCPU {
    public static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// Clock ticks used so far by `pid`; 0 once it is gone.
    public static func ticks(pid: Int32) -> Int64 {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return 0 }
        return ticks(stat: stat)
    }

    /// Clock ticks used so far by every process called `name` (its `comm`, e.g. postgres).
    public static func ticks(named name: String) -> Int64 {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap { Int32($0) } ?? []
        return pids.reduce(0) { total, pid in
            let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.split(separator: "\n").first
            return comm.map(String.init) == name ? total + ticks(pid: pid) : total
        }
    }

    /// utime + stime + cutime + cstime (fields 14-17) of a /proc/PID/stat line. The command name
    /// (field 2, in parentheses) may hold spaces, so fields are counted after its last ')'.
    static func ticks(stat: String) -> Int64 {
        guard let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 14 else { return 0 }
        return fields[11...14].reduce(0) { $0 + (Int64($1) ?? 0) }
    }
}
