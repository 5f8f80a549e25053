//! RFC 3339 timestamps as Step Functions accepts them (`2016-03-14T01:59:00Z`, offsets allowed).

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// True for a complete RFC 3339 date-time with an upper-case `T` separator and a zone.
pub fn is_rfc3339(s: &str) -> bool {
    s.as_bytes().get(10) == Some(&b'T') && OffsetDateTime::parse(s, &Rfc3339).is_ok()
}

#[cfg(test)]
mod tests {
    use super::is_rfc3339;

    #[test]
    fn accepts_rfc3339_and_rejects_near_misses() {
        for ok in [
            "2016-03-14T01:59:00Z",
            "2016-03-14T01:59:00.123+02:00",
            "2024-02-29T00:00:00-05:00",
        ] {
            assert!(is_rfc3339(ok), "{ok}");
        }
        for bad in [
            "2016-12-05 21:29:29Z",
            "2016-12-05T21:29:29",
            "2016-13-05T21:29:29Z",
            "2016-12-05T25:29:29Z",
            "2023-02-29T00:00:00Z",
            "{% '2016-03-14T01:59:00Z' %}",
            "",
        ] {
            assert!(!is_rfc3339(bad), "{bad}");
        }
    }
}
