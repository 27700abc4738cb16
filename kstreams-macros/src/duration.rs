//! Intervals written as strings: `"10s"`, `"500ms"`, `"1m30s"`.

/// Parses a punctuation interval into milliseconds (see [`parse_positive_millis`]).
pub(crate) fn parse_millis(text: &str) -> Result<u64, String> {
    parse_positive_millis(text, "a punctuation interval")
}

/// Parses an interval into milliseconds. Units: `ms`, `s`, `m`, `h`, `d`;
/// `_` may separate digits. Errors say what was wrong; `what` names the
/// interval in the error for zero (e.g. "a window store's size").
pub(crate) fn parse_positive_millis(text: &str, what: &str) -> Result<u64, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("the interval is empty; write e.g. \"10s\"".to_owned());
    }
    let mut total: u64 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '_'))
            .unwrap_or(rest.len());
        let number: String = rest[..digits].chars().filter(|c| *c != '_').collect();
        if number.is_empty() {
            return Err(format!("cannot parse interval \"{text}\": expected a number before `{rest}`; write e.g. \"10s\""));
        }
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let factor = match unit {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "" => {
                return Err(format!(
                "interval \"{text}\" has no unit; add one of ms, s, m, h, d (e.g. \"{number}s\")"
            ))
            }
            other => {
                return Err(format!(
                    "unknown unit `{other}` in interval \"{text}\"; use ms, s, m, h or d"
                ))
            }
        };
        let n: u64 = number
            .parse()
            .map_err(|_| format!("interval \"{text}\" is too large"))?;
        total = n
            .checked_mul(factor)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("interval \"{text}\" is too large"))?;
    }
    if total == 0 {
        return Err(format!(
            "interval \"{text}\" is zero; {what} must be at least 1ms"
        ));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::parse_millis;

    #[test]
    fn units_and_sums() {
        assert_eq!(parse_millis("10s"), Ok(10_000));
        assert_eq!(parse_millis("500ms"), Ok(500));
        assert_eq!(parse_millis("1m30s"), Ok(90_000));
        assert_eq!(parse_millis("1_000ms"), Ok(1_000));
        assert_eq!(parse_millis("2h"), Ok(7_200_000));
    }

    #[test]
    fn mistakes_are_explained() {
        assert!(parse_millis("0s").unwrap_err().contains("zero"));
        assert!(parse_millis("10").unwrap_err().contains("no unit"));
        assert!(parse_millis("10 sec").unwrap_err().contains("unknown unit"));
        assert!(parse_millis("soon")
            .unwrap_err()
            .contains("expected a number"));
        assert!(parse_millis("").unwrap_err().contains("empty"));
    }
}
