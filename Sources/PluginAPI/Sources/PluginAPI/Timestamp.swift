/// A point in time, exact to the microsecond (what PostgreSQL's TIMESTAMP stores).
@frozen
public struct Timestamp: Sendable, Hashable, Comparable {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public var microseconds: Int64

    /// Creates a timestamp from microseconds since the Unix epoch.
    @inlinable
    public init(microsecondsSince1970 microseconds: Int64) { self.microseconds = microseconds }

    /// Creates a timestamp from (fractional) seconds since the Unix epoch, rounded to the microsecond.
    @inlinable
    public init(secondsSince1970 seconds: Double) { self.microseconds = Int64((seconds * 1_000_000).rounded()) }

    /// Seconds since the Unix epoch.
    @inlinable
    public var secondsSince1970: Double { Double(microseconds) / 1_000_000 }

    /// Orders timestamps in time.
    @inlinable
    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.microseconds < b.microseconds }

    /// This time plus `seconds`.
    @inlinable
    public func adding(seconds: Double) -> Timestamp {
        Timestamp(microsecondsSince1970: microseconds + Int64((seconds * 1_000_000).rounded()))
    }
}
