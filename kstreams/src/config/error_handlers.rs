//! The exception-handler settings of [`StreamsConfig`]: Kafka Streams'
//! `*.exception.handler` and `errors.dead.letter.queue.topic.name` as
//! builder methods (the handlers themselves are in [`crate::errors`]).

use std::sync::Arc;

use crate::errors::{
    DeserializationExceptionHandler, Named, ProcessingExceptionHandler, ProductionExceptionHandler,
    DLQ_KEY,
};
use crate::StreamsConfig;

/// The handler's type name without its path, as the logs show it.
fn short_type_name<T>(value: &T) -> String {
    std::any::type_name_of_val(value)
        .rsplit("::")
        .next()
        .unwrap_or("custom")
        .to_owned()
}

/// Handler settings builders (Kafka Streams' `*.exception.handler` and
/// `errors.dead.letter.queue.topic.name`); see [`crate::errors`].
impl StreamsConfig {
    /// Sets `deserialization.exception.handler` (default: [`LogAndFailExceptionHandler`](crate::errors::LogAndFailExceptionHandler)).
    pub fn deserialization_exception_handler(
        mut self,
        handler: impl DeserializationExceptionHandler + 'static,
    ) -> Self {
        let name = short_type_name(&handler);
        self.errors.deserialization = Named::new(name, Arc::new(handler));
        self
    }

    /// Sets `production.exception.handler` (default: [`DefaultProductionExceptionHandler`](crate::errors::DefaultProductionExceptionHandler)).
    pub fn production_exception_handler(
        mut self,
        handler: impl ProductionExceptionHandler + 'static,
    ) -> Self {
        let name = short_type_name(&handler);
        self.errors.production = Named::new(name, Arc::new(handler));
        self
    }

    /// Sets `processing.exception.handler` (default: [`LogAndFailProcessingExceptionHandler`](crate::errors::LogAndFailProcessingExceptionHandler)).
    pub fn processing_exception_handler(
        mut self,
        handler: impl ProcessingExceptionHandler + 'static,
    ) -> Self {
        let name = short_type_name(&handler);
        self.errors.processing = Named::new(name, Arc::new(handler));
        self
    }

    /// Sets `errors.dead.letter.queue.topic.name`: records the application
    /// continues past are also written there (see [`crate::errors::dlq`]).
    ///
    /// ```
    /// use kstreams::errors::LogAndContinueExceptionHandler;
    ///
    /// let config = kstreams::StreamsConfig::new("orders-app")
    ///     .deserialization_exception_handler(LogAndContinueExceptionHandler)
    ///     .dead_letter_queue_topic("orders-app-dlq");
    /// assert_eq!(config.dead_letter_queue_topic_name(), Some("orders-app-dlq"));
    /// ```
    pub fn dead_letter_queue_topic(self, topic: impl AsRef<str>) -> Self {
        self.set(DLQ_KEY, topic.as_ref())
    }

    /// `errors.dead.letter.queue.topic.name`, if set.
    pub fn dead_letter_queue_topic_name(&self) -> Option<&str> {
        self.errors.dead_letter_queue.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use crate::errors::LogAndContinueExceptionHandler;
    use crate::StreamsConfig;

    #[test]
    fn settings_accept_java_class_names_and_report_bad_values() {
        let c = StreamsConfig::from_properties([
            ("application.id", "a"),
            (
                "deserialization.exception.handler",
                "org.apache.kafka.streams.errors.LogAndContinueExceptionHandler",
            ),
            ("default.production.exception.handler", "retry"),
            (
                "processing.exception.handler",
                "LogAndContinueProcessingExceptionHandler",
            ),
            ("errors.dead.letter.queue.topic.name", "dlq"),
        ])
        .expect("valid");
        let debug = format!("{:?}", c.errors);
        for needle in [
            "LogAndContinueExceptionHandler",
            "Retry",
            "LogAndContinueProcessingExceptionHandler",
            "dlq",
        ] {
            assert!(debug.contains(needle), "{needle} missing from {debug}");
        }
        let err = StreamsConfig::from_properties([
            ("application.id", "a"),
            ("deserialization.exception.handler", "Skip"),
        ])
        .expect_err("invalid");
        assert!(
            err.to_string()
                .contains("deserialization.exception.handler: `Skip`"),
            "{err}"
        );
    }

    #[test]
    fn defaults_fail_and_builders_name_custom_handlers() {
        let c = StreamsConfig::new("a");
        assert_eq!(c.errors.deserialization.name, "LogAndFailExceptionHandler");
        assert_eq!(
            c.errors.production.name,
            "DefaultProductionExceptionHandler"
        );
        assert_eq!(
            c.errors.processing.name,
            "LogAndFailProcessingExceptionHandler"
        );
        let c = c.deserialization_exception_handler(LogAndContinueExceptionHandler);
        assert_eq!(
            c.errors.deserialization.name,
            "LogAndContinueExceptionHandler"
        );
    }
}
