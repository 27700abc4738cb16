//! [`RecordingLevel`]: `metrics.recording.level`, which decides the sensors
//! that exist (Java's `Sensor.RecordingLevel`).

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// The `metrics.recording.level` setting: a sensor records (and its
/// metrics exist) only if its level is at most the configured one.
///
/// `Info` (the default) keeps the per-record path to a few relaxed atomic
/// additions; `Debug` adds per-task, per-source-node and per-store metrics
/// (and times every store operation); `Trace` records everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum RecordingLevel {
    /// `INFO`: client, thread, dropped records, end-to-end latency, lags.
    #[default]
    Info,
    /// `DEBUG`: adds task, processor node, state store and record cache metrics.
    Debug,
    /// `TRACE`: everything kstreams records.
    Trace,
}

impl RecordingLevel {
    /// The setting's value, as Kafka spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordingLevel::Info => "INFO",
            RecordingLevel::Debug => "DEBUG",
            RecordingLevel::Trace => "TRACE",
        }
    }

    /// Whether a sensor of level `sensor` records under this setting.
    pub fn records(self, sensor: RecordingLevel) -> bool {
        sensor <= self
    }
}

impl fmt::Display for RecordingLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RecordingLevel {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_uppercase().as_str() {
            "INFO" => Ok(RecordingLevel::Info),
            "DEBUG" => Ok(RecordingLevel::Debug),
            "TRACE" => Ok(RecordingLevel::Trace),
            _ => Err(Error::Config(format!(
                "metrics.recording.level: `{}` is not one of INFO, DEBUG, TRACE",
                s.trim()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_and_order() {
        assert_eq!(
            "debug".parse::<RecordingLevel>().ok(),
            Some(RecordingLevel::Debug)
        );
        assert_eq!(
            " TRACE ".parse::<RecordingLevel>().ok(),
            Some(RecordingLevel::Trace)
        );
        assert!("verbose".parse::<RecordingLevel>().is_err());
        assert!(RecordingLevel::Debug.records(RecordingLevel::Info));
        assert!(!RecordingLevel::Info.records(RecordingLevel::Debug));
        assert!(RecordingLevel::Trace.records(RecordingLevel::Debug));
    }
}
