//! Timestamps as SigV4 writes them: `yyyyMMdd'T'HHmmss'Z'` (ISO-8601 basic format, UTC).
//!
//! Only the proleptic Gregorian calendar between the years 0000 and 9999 is representable;
//! instants outside it are clamped when formatted and rejected when parsed.

use trent_calendar::{civil_from_days, days_from_civil};

/// 0000-01-01T00:00:00Z.
const MIN_UNIX: i64 = -62_167_219_200;
/// 9999-12-31T23:59:59Z.
const MAX_UNIX: i64 = 253_402_300_799;

/// A formatted `yyyyMMdd'T'HHmmss'Z'` stamp, kept on the stack.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp([u8; 16]);

impl Stamp {
    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII digits, 'T' and 'Z' are ever written into it.
        std::str::from_utf8(&self.0).unwrap_or("00000000T000000Z")
    }

    /// The `yyyyMMdd` part.
    pub(crate) fn date(&self) -> &str {
        self.as_str().get(..8).unwrap_or("00000000")
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Formats unix seconds as `yyyyMMdd'T'HHmmss'Z'`, clamping to the years 0000..=9999.
pub(crate) fn format(unix: i64) -> Stamp {
    let unix = unix.clamp(MIN_UNIX, MAX_UNIX);
    let (year, month, day) = civil_from_days(unix.div_euclid(86_400));
    let secs = unix.rem_euclid(86_400);
    let mut out = [b'0'; 16];
    let mut put = |at: usize, width: usize, mut value: i64| {
        for i in (at..at + width).rev() {
            if let Some(slot) = out.get_mut(i) {
                *slot = b'0' + (value % 10) as u8;
            }
            value /= 10;
        }
    };
    put(0, 4, year);
    put(4, 2, i64::from(month));
    put(6, 2, i64::from(day));
    put(9, 2, secs / 3600);
    put(11, 2, secs % 3600 / 60);
    put(13, 2, secs % 60);
    out[8] = b'T';
    out[15] = b'Z';
    Stamp(out)
}

fn digits(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || bytes.len() > 9 {
        return None;
    }
    bytes.iter().try_fold(0u32, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

fn to_unix(year: u32, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> Option<i64> {
    let year = i64::from(year);
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + i64::from(hour * 3600 + minute * 60 + second))
}

/// Parses exactly `yyyyMMdd'T'HHmmss'Z'`.
pub(crate) fn parse_amz(value: &[u8]) -> Option<i64> {
    if value.len() != 16 || value.get(8) != Some(&b'T') || value.get(15) != Some(&b'Z') {
        return None;
    }
    let field = |from: usize, to: usize| value.get(from..to).and_then(digits);
    to_unix(
        field(0, 4)?,
        field(4, 6)?,
        field(6, 8)?,
        field(9, 11)?,
        field(11, 13)?,
        field(13, 15)?,
    )
}

/// Parses an HTTP `Date` header in its preferred form (IMF-fixdate, RFC 9110 §5.6.7):
/// `Sun, 06 Nov 1994 08:49:37 GMT`. A `Date` header in ISO-8601 basic format is accepted too.
pub(crate) fn parse_http(value: &[u8]) -> Option<i64> {
    if let Some(unix) = parse_amz(value) {
        return Some(unix);
    }
    const DAYS: [&[u8]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
    const MONTHS: [&[u8]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    if value.len() != 29
        || !DAYS.contains(&value.get(0..3)?)
        || value.get(3..5)? != b", "
        || value.get(7) != Some(&b' ')
        || value.get(11) != Some(&b' ')
        || value.get(16) != Some(&b' ')
        || value.get(19) != Some(&b':')
        || value.get(22) != Some(&b':')
        || value.get(25..29)? != b" GMT"
    {
        return None;
    }
    let month_name = value.get(8..11)?;
    let month = MONTHS.iter().position(|m| *m == month_name)? as u32 + 1;
    let field = |from: usize, to: usize| value.get(from..to).and_then(digits);
    to_unix(
        field(12, 16)?,
        month,
        field(5, 7)?,
        field(17, 19)?,
        field(20, 22)?,
        field(23, 25)?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_the_calendar() {
        for unix in [
            0,
            1_440_938_160,
            951_782_400, // 2000-02-29
            MIN_UNIX,
            MAX_UNIX,
            -1,
            4_102_444_799,
        ] {
            let stamp = format(unix);
            assert_eq!(
                parse_amz(stamp.as_str().as_bytes()),
                Some(unix),
                "{}",
                stamp.as_str()
            );
        }
        assert_eq!(format(1_440_938_160).as_str(), "20150830T123600Z");
        assert_eq!(format(i64::MAX).as_str(), "99991231T235959Z");
        assert_eq!(format(i64::MIN).as_str(), "00000101T000000Z");
    }

    #[test]
    fn rejects_impossible_dates() {
        for bad in [
            &b"20150229T000000Z"[..],
            b"20151301T000000Z",
            b"20150830T240000Z",
            b"20150830T123660Z",
            b"20150830 123600Z",
            b"2015083T123600Z",
            b"+0150830T123600Z",
            b"",
        ] {
            assert_eq!(parse_amz(bad), None, "{}", String::from_utf8_lossy(bad));
        }
        assert!(parse_amz(b"20160229T000000Z").is_some());
    }

    #[test]
    fn reads_imf_fixdate() {
        assert_eq!(
            parse_http(b"Sun, 30 Aug 2015 12:36:00 GMT"),
            Some(1_440_938_160)
        );
        assert_eq!(parse_http(b"Sun, 30 Aug 2015 12:36:00 UTC"), None);
        assert_eq!(parse_http(b"Sun, 30 Foo 2015 12:36:00 GMT"), None);
    }
}
