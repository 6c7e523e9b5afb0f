@testable import FirehouseCore
import Testing

struct TimestampTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00Z", Int64(0)),
        ("1970-01-01T00:00:01.5Z", 1_500_000_000),
        ("2024-02-29T12:00:00Z", 1_709_208_000_000_000_000),
        ("2026-11-25T14:28:10.432389917Z", 1_795_616_890_432_389_917),
        ("2026-11-25T15:28:10.3+01:00", 1_795_616_890_300_000_000),
        ("2026-11-25T08:58:10.125-05:30", 1_795_616_890_125_000_000),
        ("2026-11-25t14:28:10z", 1_795_616_890_000_000_000),
    ])
    func parsesRFC3339(text: String, nanoseconds: Int64) {
        #expect(Timestamp(rfc3339: text)?.nanoseconds == nanoseconds)
    }

    @Test(arguments: [
        "", "2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-01-01T24:00:00Z",
        "2024-01-01T00:00:00", "2024-01-01T00:00:00.Z", "2024-01-01T00:00:00.1234567891Z",
        "2024-01-01T00:00:00+0100", "2024-01-01 00:00:00Zjunk", "0001-01-01T00:00:00Z", "abcd-01-01T00:00:00Z",
    ])
    func rejectsInvalid(text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00Z"),
        (1_500_000_000, "1970-01-01T00:00:01.5Z"),
        (1_795_616_890_432_389_917, "2026-11-25T14:28:10.432389917Z"),
        (-1, "1969-12-31T23:59:59.999999999Z"),
        (120_000_000, "1970-01-01T00:00:00.12Z"),
        (5, "1970-01-01T00:00:00.000000005Z"),
        (Int64.max, "2262-04-11T23:47:16.854775807Z"),
        (Int64.min, "1677-09-21T00:12:43.145224192Z"),
    ])
    func formatsUTC(nanoseconds: Int64, text: String) {
        #expect(Timestamp(nanoseconds: nanoseconds).rfc3339 == text)
    }

    /// Every formatted time parses back while it is representable (1970-2199); outside, parsing
    /// refuses it instead of wrapping or trapping.
    @Test func roundTripsAcrossCenturies() {
        for seconds in stride(from: Int64(-5_000_000_000), to: 9_000_000_000, by: 86_399_123) {
            let t = Timestamp(nanoseconds: seconds * 1_000_000_000 + 7)
            #expect(Timestamp(rfc3339: t.rfc3339) == (Timestamp.representable.contains(t) ? t : nil))
        }
    }

    @Test(arguments: [
        ("30m", Int64(1_800)), ("1h30m", 5_400), ("45s", 45), ("2d", 172_800), ("1w", 604_800), ("0", 0),
    ])
    func parsesDurations(text: String, seconds: Int64) {
        #expect(TimeSpan(parsing: text) == .seconds(seconds))
    }

    @Test(arguments: ["", "m", "30", "30x", "1h30", "-5m", "1.5h", "106751d106751d", "133s88833s3333d333s8888s33333d33s83339d333"])
    func rejectsBadDurations(text: String) {
        #expect(TimeSpan(parsing: text) == nil)
    }

    @Test func durationsReadBack() {
        #expect(TimeSpan(parsing: "500ms")?.nanoseconds == 500_000_000)
        #expect(TimeSpan.seconds(5_430).humanReadable == "1h30m30s")
        #expect(TimeSpan.seconds(0).humanReadable == "0s")
    }
}
