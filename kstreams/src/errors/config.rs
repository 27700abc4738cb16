//! The handler settings of `StreamsConfig`, and their runtime bundle.
//!
//! Setting values accept Kafka Streams' class names (with or without the
//! `org.apache.kafka.streams.errors.` package) or short words
//! (`continue`, `fail`, `retry`); custom handlers are set with the builder
//! methods on [`StreamsConfig`](crate::StreamsConfig) (`config::error_handlers`).

use std::fmt;
use std::sync::Arc;

use super::*;

/// `deserialization.exception.handler` (`default.` prefix accepted, as Kafka Streams 3.x).
pub(crate) const DESERIALIZATION_KEY: &str = "deserialization.exception.handler";
/// `production.exception.handler`.
pub(crate) const PRODUCTION_KEY: &str = "production.exception.handler";
/// `processing.exception.handler`.
pub(crate) const PROCESSING_KEY: &str = "processing.exception.handler";
/// `errors.dead.letter.queue.topic.name`.
pub(crate) const DLQ_KEY: &str = "errors.dead.letter.queue.topic.name";

/// A handler and the name it is shown with.
pub(crate) struct Named<H: ?Sized> {
    pub(crate) name: String,
    pub(crate) handler: Arc<H>,
}

impl<H: ?Sized> Clone for Named<H> {
    fn clone(&self) -> Self {
        Named {
            name: self.name.clone(),
            handler: self.handler.clone(),
        }
    }
}

impl<H: ?Sized> Named<H> {
    pub(crate) fn new(name: impl Into<String>, handler: Arc<H>) -> Self {
        Named {
            name: name.into(),
            handler,
        }
    }
}

/// The handler settings.
#[derive(Clone)]
pub(crate) struct ErrorHandlerConfig {
    pub(crate) deserialization: Named<dyn DeserializationExceptionHandler>,
    pub(crate) production: Named<dyn ProductionExceptionHandler>,
    pub(crate) processing: Named<dyn ProcessingExceptionHandler>,
    pub(crate) dead_letter_queue: Option<String>,
}

impl Default for ErrorHandlerConfig {
    fn default() -> Self {
        ErrorHandlerConfig {
            deserialization: Named::new(
                "LogAndFailExceptionHandler",
                Arc::new(LogAndFailExceptionHandler),
            ),
            production: Named::new(
                "DefaultProductionExceptionHandler",
                Arc::new(DefaultProductionExceptionHandler),
            ),
            processing: Named::new(
                "LogAndFailProcessingExceptionHandler",
                Arc::new(LogAndFailProcessingExceptionHandler),
            ),
            dead_letter_queue: None,
        }
    }
}

impl fmt::Debug for ErrorHandlerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ErrorHandlerConfig")
            .field(DESERIALIZATION_KEY, &self.deserialization.name)
            .field(PRODUCTION_KEY, &self.production.name)
            .field(PROCESSING_KEY, &self.processing.name)
            .field(DLQ_KEY, &self.dead_letter_queue)
            .finish()
    }
}

fn short(value: &str) -> &str {
    let value = value.trim();
    value
        .strip_prefix("org.apache.kafka.streams.errors.")
        .unwrap_or(value)
}

impl ErrorHandlerConfig {
    /// Whether `key` is one of the settings of this module.
    pub(crate) fn is_key(key: &str) -> bool {
        let key = key.strip_prefix("default.").unwrap_or(key);
        [DESERIALIZATION_KEY, PRODUCTION_KEY, PROCESSING_KEY, DLQ_KEY].contains(&key)
    }

    /// Applies `key = value` if `key` is a handler setting: `None` when it
    /// is not one, `Some(Err(problem))` for a value it cannot use.
    pub(crate) fn set(&mut self, key: &str, value: &str) -> Option<Result<(), String>> {
        let key = key.strip_prefix("default.").unwrap_or(key);
        let result = match key {
            DESERIALIZATION_KEY => match short(value) {
                "LogAndContinueExceptionHandler" | "continue" | "log_and_continue" => {
                    self.deserialization =
                        Named::new("LogAndContinueExceptionHandler", Arc::new(LogAndContinueExceptionHandler));
                    Ok(())
                }
                "LogAndFailExceptionHandler" | "fail" | "log_and_fail" => {
                    self.deserialization = ErrorHandlerConfig::default().deserialization;
                    Ok(())
                }
                other => Err(format!("{DESERIALIZATION_KEY}: `{other}` is not `LogAndContinueExceptionHandler` or `LogAndFailExceptionHandler`; set a custom handler with `StreamsConfig::deserialization_exception_handler`")),
            },
            PRODUCTION_KEY => {
                let response = match short(value) {
                    "DefaultProductionExceptionHandler" | "fail" => Some(ProductionExceptionHandlerResponse::Fail),
                    "continue" => Some(ProductionExceptionHandlerResponse::Continue),
                    "retry" => Some(ProductionExceptionHandlerResponse::Retry),
                    _ => None,
                };
                match response {
                    Some(r) => {
                        self.production = Named::new(format!("{r:?}"), Arc::new(r));
                        Ok(())
                    }
                    None => Err(format!("{PRODUCTION_KEY}: `{}` is not `DefaultProductionExceptionHandler`, `fail`, `continue` or `retry`; set a custom handler with `StreamsConfig::production_exception_handler`", short(value))),
                }
            }
            PROCESSING_KEY => match short(value) {
                "LogAndContinueProcessingExceptionHandler" | "continue" | "log_and_continue" => {
                    self.processing = Named::new(
                        "LogAndContinueProcessingExceptionHandler",
                        Arc::new(LogAndContinueProcessingExceptionHandler),
                    );
                    Ok(())
                }
                "LogAndFailProcessingExceptionHandler" | "fail" | "log_and_fail" => {
                    self.processing = ErrorHandlerConfig::default().processing;
                    Ok(())
                }
                other => Err(format!("{PROCESSING_KEY}: `{other}` is not `LogAndContinueProcessingExceptionHandler` or `LogAndFailProcessingExceptionHandler`; set a custom handler with `StreamsConfig::processing_exception_handler`")),
            },
            DLQ_KEY => {
                let topic = value.trim();
                self.dead_letter_queue = (!topic.is_empty()).then(|| topic.to_owned());
                Ok(())
            }
            _ => return None,
        };
        Some(result)
    }
}

/// What a task needs to handle bad records: the settings, the instance's
/// metrics and the task's `dropped-records` sensor.
#[derive(Clone, Debug, Default)]
pub(crate) struct ErrorHandlers {
    pub(crate) config: ErrorHandlerConfig,
    pub(crate) metrics: Arc<StreamsMetrics>,
    /// The task's `dropped-records` sensor, set by the task.
    pub(crate) dropped: Option<Arc<crate::metrics::sensor::Sensor>>,
}

impl ErrorHandlers {
    pub(crate) fn new(config: ErrorHandlerConfig, metrics: Arc<StreamsMetrics>) -> Self {
        ErrorHandlers {
            config,
            metrics,
            dropped: None,
        }
    }

    /// Counts a skipped record: in the task's `dropped-records-total` and
    /// in the instance's total.
    pub(crate) fn record_dropped(&self) {
        self.metrics.record_dropped();
        if let Some(sensor) = &self.dropped {
            sensor.record(0);
        }
    }
}
