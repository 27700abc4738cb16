//! What a result file says about where and with what it was measured:
//! date, cores, memory, versions.

use std::fs;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::paths::{repo_root, KAFKA_VERSION};

/// Today's date (UTC) as `YYYY-MM-DD`.
pub(crate) fn today() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The load averages (1, 5 and 15 min) from `/proc/loadavg`, e.g. `1.02 0.87 0.65`.
pub(crate) fn load_average() -> String {
    let text = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let fields: Vec<&str> = text.split_whitespace().take(3).collect();
    if fields.len() == 3 {
        fields.join(" ")
    } else {
        "unknown".into()
    }
}

/// Markdown lines describing the machine and the versions measured.
pub(crate) fn describe(librdkafka: &str, profile: &str) -> String {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let meminfo = fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kib| kib / 1024.0 / 1024.0);
    let git = first_line(
        Command::new("git")
            .current_dir(repo_root())
            .args(["rev-parse", "--short", "HEAD"]),
        false,
    );
    let rustc = first_line(
        Command::new("rustc").current_dir(repo_root()).arg("-V"),
        false,
    );
    let java = first_line(Command::new("java").arg("-version"), true);
    format!(
        "- machine: {cores} cores ({}), {} GiB memory\n\
         - kstreams {} (commit {}), {rustc}, {profile} profile, librdkafka {librdkafka}\n\
         - Java Kafka Streams {KAFKA_VERSION} on {java}\n",
        model.as_deref().unwrap_or("unknown CPU"),
        mem_gib
            .map(|g| format!("{g:.1}"))
            .unwrap_or_else(|| "?".into()),
        env!("CARGO_PKG_VERSION"),
        git,
    )
}

fn first_line(cmd: &mut Command, stderr: bool) -> String {
    match cmd.output() {
        Ok(out) => {
            let text = String::from_utf8_lossy(if stderr { &out.stderr } else { &out.stdout })
                .into_owned();
            text.lines().next().unwrap_or("unknown").trim().to_owned()
        }
        Err(_) => "unknown".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::civil_from_days;

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
    }
}
