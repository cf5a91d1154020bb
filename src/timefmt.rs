//! The one way the provider writes a time: RFC 3339 in UTC with exactly six
//! fractional digits. Beyond Identity writes its times so, and Terraform's
//! log reader (hclog) parses a provider's log line only when its
//! `@timestamp` has exactly six; with nine, every line was shown raw at
//! DEBUG and a provider's INFO and WARN lines were lost.

use time::OffsetDateTime;

pub fn rfc3339_micros(t: OffsetDateTime) -> String {
    let micros = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(&micros)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_fractional_digits_in_utc() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_796_083_955_694_773_768).unwrap();
        assert_eq!(rfc3339_micros(t), "2026-12-01T00:12:35.694773Z");
    }
}
