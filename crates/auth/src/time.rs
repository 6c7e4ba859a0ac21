//! Unix seconds and the RFC 3339 timestamps EIP-4361 messages carry. Hand-written because only
//! the plain `date-time` form is needed and it keeps the crate free of a calendar dependency.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, now. A clock before 1970 reads as 0.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0)
}

/// Formats `secs` as `YYYY-MM-DDTHH:MM:SSZ` (UTC, no fraction), the form JavaScript parses.
pub fn format_rfc3339(secs: u64) -> String {
    let days = secs / 86_400;
    let of_day = secs % 86_400;
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        (of_day / 60) % 60,
        of_day % 60
    )
}

/// Parses an RFC 3339 `date-time` (`T` or `t`, optional fraction, `Z` or `±HH:MM`) to Unix
/// seconds, fractions rounded down. `None` for anything malformed or before 1970.
pub fn parse_rfc3339(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    if bytes.len() < 20 {
        return None;
    }
    let year = digits(bytes, 0, 4)?;
    let month = digits(bytes, 5, 2)?;
    let day = digits(bytes, 8, 2)?;
    let hour = digits(bytes, 11, 2)?;
    let minute = digits(bytes, 14, 2)?;
    let second = digits(bytes, 17, 2)?;
    let separators_ok = bytes[4] == b'-'
        && bytes[7] == b'-'
        && matches!(bytes[10], b'T' | b't')
        && bytes[13] == b':'
        && bytes[16] == b':';
    let fields_ok = (1..=12).contains(&month)
        && day >= 1
        && day <= days_in_month(year, month)
        && hour <= 23
        && minute <= 59
        && second <= 60;
    if !separators_ok || !fields_ok {
        return None;
    }
    let mut rest = &bytes[19..];
    if let Some((b'.', fraction)) = rest.split_first() {
        let fraction_len = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if fraction_len == 0 {
            return None;
        }
        rest = &fraction[fraction_len..];
    }
    let offset_secs: i64 = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let offset_hours = digits(rest, 1, 2)?;
            let offset_minutes = digits(rest, 4, 2)?;
            if offset_hours > 23 || offset_minutes > 59 {
                return None;
            }
            let magnitude = i64::from(offset_hours * 3600 + offset_minutes * 60);
            if *sign == b'+' { magnitude } else { -magnitude }
        }
        _ => return None,
    };
    let days = days_from_civil(i64::from(year), month, day);
    let local = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    u64::try_from(local - offset_secs).ok()
}

/// Reads `len` ASCII digits at `at` as a number.
fn digits(bytes: &[u8], at: usize, len: usize) -> Option<u32> {
    let slice = bytes.get(at..at + len)?;
    slice.iter().try_fold(0u32, |acc, b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

fn is_leap(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (eras of 400 years, March-based years).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2021-12-07T18:28:18.807Z"),
            Some(1_638_901_698)
        );
        assert_eq!(
            parse_rfc3339("2000-02-29T12:00:00+02:00"),
            Some(951_818_400)
        );
        assert_eq!(parse_rfc3339("2000-02-29t10:00:00z"), Some(951_818_400));
        assert_eq!(format_rfc3339(1_638_901_698), "2021-12-07T18:28:18Z");
        assert_eq!(format_rfc3339(951_825_600), "2000-02-29T12:00:00Z");
    }

    #[test]
    fn round_trip_over_centuries() {
        let mut secs = 0u64;
        while secs < 8_000_000_000 {
            assert_eq!(parse_rfc3339(&format_rfc3339(secs)), Some(secs), "{secs}");
            secs += 7_777_777;
        }
    }

    #[test]
    fn malformed_refused() {
        for bad in [
            "",
            "2021-12-07",
            "2021-12-07T18:28:18",
            "2021-13-07T18:28:18Z",
            "2021-02-29T18:28:18Z",
            "2021-12-07T24:00:00Z",
            "2021-12-07T18:28:18.Z",
            "2021-12-07T18:28:18+0200",
            "2021-12-07 18:28:18Z",
            "1969-12-31T23:59:59Z",
            "2021-12-07T18:28:18Zjunk",
            "+021-12-07T18:28:18Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
