//! GS1 element strings as a scanner reads them off a case or a label: the article's GTIN
//! (AI 01), its lot (10), best before (15) and expiry (17), written with the AIs in
//! parentheses (`(01)05601234567892(17)270131(10)L-42`) or raw, with the FNC1 separator
//! (ASCII 29) ending a lot that is not last and an optional symbology identifier (`]C1`,
//! `]d2`, `]Q3`) in front. What does not read is refused with a stable code and the
//! place in the text where it went wrong.

use chrono::{Datelike, NaiveDate};

/// What a scan says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gs1Scan {
    /// The GTIN-14, its check digit verified.
    pub gtin: Option<String>,
    /// The lot or batch number.
    pub lot: Option<String>,
    /// Best before this day.
    pub best_before: Option<NaiveDate>,
    /// Not to be sold after this day.
    pub expiry: Option<NaiveDate>,
}

/// Why a scan does not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at character {at})")]
pub struct Gs1Error {
    /// Stable code: `gs1_empty`, `gs1_unknown_ai`, `gs1_bad_length`,
    /// `gs1_bad_check_digit`, `gs1_bad_date`, `gs1_bad_character`, `gs1_repeated_ai`.
    pub code: &'static str,
    /// What is wrong and how to fix it.
    pub message: String,
    /// Where in the text, counting characters from 0.
    pub at: usize,
}

/// The group separator that ends a variable-length field in a raw scan.
const FNC1: char = '\u{1d}';
/// The longest lot number GS1 allows.
const LOT_MAX: usize = 20;

/// Reads `text`; two-digit years are placed within 49 years before and 50 after `today`'s
/// year, as GS1 specifies.
pub fn read_gs1(text: &str, today: NaiveDate) -> Result<Gs1Scan, Gs1Error> {
    let chars: Vec<char> = text.trim_end_matches(['\r', '\n']).chars().collect();
    let mut at = symbology_prefix(&chars);
    if at >= chars.len() {
        return Err(fail("gs1_empty", "the scan holds no element string", at));
    }
    let bracketed = chars[at] == '(';
    let mut scan = Gs1Scan::default();
    while at < chars.len() {
        let (ai, value_at) = ai_at(&chars, at, bracketed)?;
        let (value, next) = match ai {
            "01" => fixed(&chars, value_at, 14, ai)?,
            "15" | "17" => fixed(&chars, value_at, 6, ai)?,
            "10" => variable(&chars, value_at, bracketed)?,
            _ => unreachable!("ai_at returns only the AIs read"),
        };
        let slot_taken = match ai {
            "01" => scan.gtin.replace(gtin(&value, value_at)?).is_some(),
            "10" => scan.lot.replace(value).is_some(),
            "15" => scan
                .best_before
                .replace(date(&value, value_at, today)?)
                .is_some(),
            _ => scan
                .expiry
                .replace(date(&value, value_at, today)?)
                .is_some(),
        };
        if slot_taken {
            return Err(fail(
                "gs1_repeated_ai",
                format!("AI ({ai}) comes twice; scan one label at a time"),
                at,
            ));
        }
        at = next;
    }
    Ok(scan)
}

fn fail(code: &'static str, message: impl Into<String>, at: usize) -> Gs1Error {
    Gs1Error {
        code,
        message: message.into(),
        at,
    }
}

/// Characters of a symbology identifier in front (`]` and two more), if any.
fn symbology_prefix(chars: &[char]) -> usize {
    if chars.first() == Some(&']') && chars.len() >= 3 {
        3
    } else {
        0
    }
}

/// The AI at `at` and where its value starts.
fn ai_at(chars: &[char], at: usize, bracketed: bool) -> Result<(&'static str, usize), Gs1Error> {
    let (digits, value_at) = if bracketed {
        let close = chars[at..].iter().position(|&c| c == ')');
        match (chars[at], close) {
            ('(', Some(k)) => (chars[at + 1..at + k].iter().collect::<String>(), at + k + 1),
            _ => {
                return Err(fail(
                    "gs1_bad_character",
                    "expected an AI in parentheses, such as (10)",
                    at,
                ));
            }
        }
    } else {
        (
            chars[at..(at + 2).min(chars.len())].iter().collect(),
            at + 2,
        )
    };
    let ai = match digits.as_str() {
        "01" => "01",
        "10" => "10",
        "15" => "15",
        "17" => "17",
        other => {
            return Err(fail(
                "gs1_unknown_ai",
                format!(
                    "AI ({other}) is not read here; a scan gives GTIN (01), lot (10), best before (15) and expiry (17)"
                ),
                at,
            ));
        }
    };
    Ok((ai, value_at))
}

/// A fixed-length value of `len` digits at `at`, and where the next AI starts.
fn fixed(chars: &[char], at: usize, len: usize, ai: &str) -> Result<(String, usize), Gs1Error> {
    let value: String = chars[at.min(chars.len())..(at + len).min(chars.len())]
        .iter()
        .collect();
    if value.len() != len {
        return Err(fail(
            "gs1_bad_length",
            format!(
                "AI ({ai}) takes {len} digits; the scan ends after {}",
                value.len()
            ),
            at,
        ));
    }
    if let Some(k) = value.chars().position(|c| !c.is_ascii_digit()) {
        return Err(fail(
            "gs1_bad_character",
            format!("AI ({ai}) takes digits only"),
            at + k,
        ));
    }
    // A separator after a fixed field is allowed, and skipped.
    let next = at + len + usize::from(chars.get(at + len) == Some(&FNC1));
    Ok((value, next))
}

/// A lot at `at`: up to the separator, the next parenthesis or the end.
fn variable(chars: &[char], at: usize, bracketed: bool) -> Result<(String, usize), Gs1Error> {
    let end = chars[at..]
        .iter()
        .position(|&c| c == FNC1 || (bracketed && c == '('))
        .map_or(chars.len(), |k| at + k);
    let value: String = chars[at..end].iter().collect();
    if value.is_empty() || value.chars().count() > LOT_MAX {
        return Err(fail(
            "gs1_bad_length",
            format!(
                "a lot (10) has 1 to {LOT_MAX} characters; this one has {}",
                value.chars().count()
            ),
            at,
        ));
    }
    // GS1's character set 82: printable ASCII but space, `#`, `$`, `@`, `[`, `\`, `]`,
    // `^`, `` ` ``, `{`, `|`, `}` and `~`.
    if let Some(k) = value
        .chars()
        .position(|c| !c.is_ascii_graphic() || "#$@[\\]^`{|}~".contains(c))
    {
        return Err(fail(
            "gs1_bad_character",
            "a lot (10) holds letters, digits and !\"%&'()*+,-./:;<=>?_ only",
            at + k,
        ));
    }
    Ok((value, end + usize::from(chars.get(end) == Some(&FNC1))))
}

/// A GTIN-14 whose check digit holds.
fn gtin(digits: &str, at: usize) -> Result<String, Gs1Error> {
    let d: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
    let sum: u32 = d[..13]
        .iter()
        .enumerate()
        .map(|(k, v)| if k % 2 == 0 { v * 3 } else { *v })
        .sum();
    let check = (10 - sum % 10) % 10;
    if check != d[13] {
        return Err(fail(
            "gs1_bad_check_digit",
            format!(
                "GTIN {digits} ends in {} but its check digit is {check}; scan it again",
                d[13]
            ),
            at + 13,
        ));
    }
    Ok(digits.to_string())
}

/// A YYMMDD date; day 00 is the month's last day, as GS1 writes it.
fn date(v: &str, at: usize, today: NaiveDate) -> Result<NaiveDate, Gs1Error> {
    let n = |k: usize| v[k..k + 2].parse::<u32>().unwrap_or(99);
    let (yy, mm, dd) = (n(0), n(2), n(4));
    let this = today.year();
    let mut year = this - this.rem_euclid(100) + yy as i32;
    if year - this > 50 {
        year -= 100;
    } else if this - year > 49 {
        year += 100;
    }
    let bad = || fail("gs1_bad_date", format!("{v} is not a day (YYMMDD)"), at);
    if dd == 0 {
        let first_of_next = if mm == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(year, mm + 1, 1)
        };
        return first_of_next
            .filter(|_| (1..=12).contains(&mm))
            .and_then(|d| d.pred_opt())
            .ok_or_else(bad);
    }
    NaiveDate::from_ymd_opt(year, mm, dd).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 7).expect("date")
    }

    fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn a_label_reads_the_same_bracketed_or_raw_with_separators() {
        let want = Gs1Scan {
            gtin: Some("05601234567892".into()),
            lot: Some("L-42/A".into()),
            best_before: None,
            expiry: day(2027, 1, 31),
        };
        let bracketed = read_gs1("(01)05601234567892(10)L-42/A(17)270131", today());
        assert_eq!(bracketed, Ok(want.clone()));
        let raw = read_gs1("]C1010560123456789210L-42/A\u{1d}17270131", today());
        assert_eq!(raw, Ok(want.clone()));
        // The lot last needs no separator; day 00 is the month's last.
        let last = read_gs1("010560123456789215270200\u{1d}10L-42/A\r\n", today()).expect("reads");
        assert_eq!(last.best_before, day(2027, 2, 28));
        assert_eq!(last.lot.as_deref(), Some("L-42/A"));
    }

    #[test]
    fn two_digit_years_fall_within_49_years_back_and_50_ahead() {
        let year = |yy: &str| {
            read_gs1(&format!("(17){yy}0101"), today())
                .expect("reads")
                .expiry
        };
        assert_eq!(year("76"), day(2076, 1, 1));
        assert_eq!(year("77"), day(1977, 1, 1));
        assert_eq!(year("26"), day(2026, 1, 1));
    }

    #[test]
    fn what_does_not_read_is_refused_with_its_code_and_place() {
        let code = |text: &str| {
            read_gs1(text, today())
                .map(|_| ())
                .map_err(|e| (e.code, e.at))
        };
        assert_eq!(code(""), Err(("gs1_empty", 0)));
        assert_eq!(code("]d2"), Err(("gs1_empty", 3)));
        assert_eq!(code("(01)05601234567893"), Err(("gs1_bad_check_digit", 17)));
        assert_eq!(code("(01)0560123456789"), Err(("gs1_bad_length", 4)));
        assert_eq!(code("(17)271301"), Err(("gs1_bad_date", 4)));
        assert_eq!(code("(17)27013X"), Err(("gs1_bad_character", 9)));
        assert_eq!(code("(21)12345"), Err(("gs1_unknown_ai", 0)));
        assert_eq!(code("(10)lot one"), Err(("gs1_bad_character", 7)));
        assert_eq!(
            code("(10)ABCDEFGHIJKLMNOPQRSTU"),
            Err(("gs1_bad_length", 4))
        );
        assert_eq!(code("(10)A(10)B"), Err(("gs1_repeated_ai", 5)));
        assert_eq!(code("(01"), Err(("gs1_bad_character", 0)));
        assert_eq!(code("0105601234567892xx"), Err(("gs1_unknown_ai", 16)));
    }
}
