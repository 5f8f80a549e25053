//! Time as data: instants are milliseconds since the Unix epoch, handed in by the caller (the core reads no
//! clock). Formatting and parsing of the ISO 8601 text Step Functions shows.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Milliseconds since 1970-01-01T00:00:00Z.
pub type Millis = i64;

/// `2024-05-01T12:00:00.123Z`, as Step Functions writes times in the context object.
pub fn iso8601(at: Millis) -> String {
    let nanos = i128::from(at) * 1_000_000;
    match OffsetDateTime::from_unix_timestamp_nanos(nanos) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.millisecond()
        ),
        Err(_) => "1970-01-01T00:00:00.000Z".to_string(),
    }
}

/// Parses an RFC 3339 timestamp (upper-case `T`, zone required) into epoch milliseconds.
pub fn parse_timestamp(s: &str) -> Option<Millis> {
    if !stepd_asl::is_rfc3339(s) {
        return None;
    }
    let t = OffsetDateTime::parse(s, &Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_round_trip() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_714_564_800_123), "2024-05-01T12:00:00.123Z");
        assert_eq!(
            parse_timestamp("2024-05-01T12:00:00.123Z"),
            Some(1_714_564_800_123)
        );
        assert_eq!(
            parse_timestamp("2024-05-01T14:00:00+02:00"),
            Some(1_714_564_800_000)
        );
        assert_eq!(parse_timestamp("2024-05-01 12:00:00Z"), None);
    }
}
