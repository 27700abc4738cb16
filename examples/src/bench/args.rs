//! `--name value` command-line flags, and the flags every benchmark
//! application takes (the limit, kstreams and the Java app alike).

use std::collections::HashMap;
use std::str::FromStr;

/// Flags given as `--name value` pairs.
#[derive(Debug, Default)]
pub struct Flags {
    values: HashMap<String, String>,
}

impl Flags {
    /// Parses `--name value` pairs; anything else is an error naming it.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Flags, String> {
        let mut values = HashMap::new();
        let mut it = args.into_iter();
        while let Some(arg) = it.next() {
            let Some(name) = arg.strip_prefix("--") else {
                return Err(format!("expected `--name value`, found `{arg}`"));
            };
            let value = it.next().ok_or_else(|| format!("--{name} needs a value"))?;
            values.insert(name.to_owned(), value);
        }
        Ok(Flags { values })
    }

    /// A flag that must be given.
    pub fn required(&self, name: &str) -> Result<&str, String> {
        self.values
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("missing --{name}"))
    }

    /// A flag with a default.
    pub fn or<'a>(&'a self, name: &str, default: &'a str) -> &'a str {
        self.values.get(name).map(String::as_str).unwrap_or(default)
    }

    /// A flag parsed as a number (or anything `FromStr`), with a default.
    pub fn number<T: FromStr>(&self, name: &str, default: T) -> Result<T, String> {
        match self.values.get(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| format!("--{name} must be a number, not `{v}`")),
        }
    }
}

/// The processing guarantee, as Kafka Streams spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guarantee {
    /// `at_least_once`
    AtLeastOnce,
    /// `exactly_once_v2`
    ExactlyOnceV2,
}

impl FromStr for Guarantee {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "at_least_once" => Ok(Guarantee::AtLeastOnce),
            "exactly_once_v2" => Ok(Guarantee::ExactlyOnceV2),
            other => Err(format!(
                "--guarantee must be at_least_once or exactly_once_v2, not `{other}`"
            )),
        }
    }
}

/// The command line of every benchmark application: the same knobs as
/// `bench/java` (`BenchArgs.java`).
#[derive(Debug, Clone)]
pub struct AppArgs {
    /// `--topology`: `stateless`, `counter`, `windowed`, `windowed-suppress`,
    /// `stream-table-join`, `stream-stream-join` or (the limit) `copy`.
    pub topology: String,
    /// `--bootstrap`
    pub bootstrap: String,
    /// `--application-id`: also the consumer group id.
    pub application_id: String,
    /// `--input`
    pub input: String,
    /// `--output`
    pub output: String,
    /// `--table`: the account table of `stream-table-join` (empty otherwise).
    pub table: String,
    /// `--guarantee`
    pub guarantee: Guarantee,
    /// `--commit-interval-ms` (default 100)
    pub commit_interval_ms: u64,
    /// `--threads` (default 1)
    pub threads: usize,
    /// `--state-dir`
    pub state_dir: String,
}

/// The usage line for [`AppArgs`].
pub const APP_USAGE: &str = "--topology stateless|counter|windowed|windowed-suppress|stream-table-join|stream-stream-join|copy \
--bootstrap HOST:PORT --application-id ID --input TOPIC --output TOPIC [--table TOPIC] [--guarantee at_least_once|exactly_once_v2] [--commit-interval-ms 100] \
[--threads 1] [--state-dir DIR]";

impl AppArgs {
    /// Reads the flags of a benchmark application.
    pub fn from_flags(flags: &Flags) -> Result<AppArgs, String> {
        Ok(AppArgs {
            topology: flags.required("topology")?.to_owned(),
            bootstrap: flags.required("bootstrap")?.to_owned(),
            application_id: flags.required("application-id")?.to_owned(),
            input: flags.required("input")?.to_owned(),
            output: flags.required("output")?.to_owned(),
            table: flags.or("table", "").to_owned(),
            guarantee: flags.or("guarantee", "at_least_once").parse()?,
            commit_interval_ms: flags.number("commit-interval-ms", 100)?,
            threads: flags.number("threads", 1)?,
            state_dir: flags.or("state-dir", "/tmp/kstreams-bench").to_owned(),
        })
    }

    /// Reads the process's own command line; on error prints usage and exits 2.
    pub fn from_env_or_exit(program: &str) -> AppArgs {
        match Flags::parse(std::env::args().skip(1)).and_then(|f| AppArgs::from_flags(&f)) {
            Ok(args) => args,
            Err(e) => {
                eprintln!("{program}: {e}\nusage: {program} {APP_USAGE}");
                std::process::exit(2);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(s: &str) -> Result<Flags, String> {
        Flags::parse(s.split_whitespace().map(String::from))
    }

    #[test]
    fn app_args_have_the_java_defaults() {
        let f = flags("--topology counter --bootstrap b:1 --application-id a --input i --output o")
            .unwrap();
        let a = AppArgs::from_flags(&f).unwrap();
        assert_eq!(a.guarantee, Guarantee::AtLeastOnce);
        assert_eq!((a.commit_interval_ms, a.threads), (100, 1));
    }

    #[test]
    fn errors_name_the_flag() {
        assert_eq!(flags("--input").unwrap_err(), "--input needs a value");
        assert_eq!(
            flags("input x").unwrap_err(),
            "expected `--name value`, found `input`"
        );
        let f = flags(
            "--topology c --bootstrap b --application-id a --input i --output o --guarantee eos",
        )
        .unwrap();
        assert!(AppArgs::from_flags(&f)
            .unwrap_err()
            .contains("at_least_once or exactly_once_v2"));
        let f = flags("--threads many").unwrap();
        assert_eq!(
            f.number::<usize>("threads", 1).unwrap_err(),
            "--threads must be a number, not `many`"
        );
    }
}
