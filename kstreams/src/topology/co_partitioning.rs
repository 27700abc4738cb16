//! Co-partitioning, checked at compile time: inputs that are joined must
//! have the same partition count, so that records with the same key meet
//! in the same task (Kafka Streams' copartition groups; a `merge` or a
//! processor with several parents has no such rule).
//!
//! `#[topology]` cannot see a topic constant's partition count (it is in
//! the constant's type, declared outside the function), so for each join of
//! two topic constants it emits, spanned at the user's join call,
//!
//! ```text
//! const _: () = {
//!     let (left, right) = (partitions_of(ORDERS), partitions_of(PRICES));
//!     if left != right { panic!("{}", CoPartitionMessage::new("ORDERS", left, false, "PRICES", right, true).as_str()) }
//! };
//! ```
//!
//! and the compiler reports a mismatch as `evaluation panicked: <message>`
//! at the join: the message names both topics, both counts and the fix.
//! Constant evaluation cannot format numbers, hence this small writer.

/// Room for the message; longer topic paths are cut short.
const CAPACITY: usize = 1024;

/// The compile-time error message of a join of two topics with different
/// partition counts, built in a constant expression.
#[doc(hidden)]
pub struct CoPartitionMessage {
    buf: [u8; CAPACITY],
    len: usize,
}

impl CoPartitionMessage {
    /// The message for topic constants `left` and `right` (as the user
    /// wrote them) read with `left_partitions` and `right_partitions`;
    /// `*_is_table` says whether a side was read as a table (which cannot
    /// be repartitioned).
    pub const fn new(
        left: &str,
        left_partitions: u32,
        left_is_table: bool,
        right: &str,
        right_partitions: u32,
        right_is_table: bool,
    ) -> Self {
        let m = CoPartitionMessage {
            buf: [0; CAPACITY],
            len: 0,
        };
        let m = m
            .text("`")
            .text(left)
            .text("` (")
            .number(left_partitions)
            .text(" partitions) and `")
            .text(right)
            .text("` (")
            .number(right_partitions)
            .text(" partitions) are joined here, but joined inputs must have the same partition count, so that records with the same key meet in the same task; ");
        let (stream, partitions) = match (left_is_table, right_is_table) {
            (false, _) => (left, right_partitions),
            (true, false) => (right, left_partitions),
            (true, true) => {
                return m.text("declare both topics with the same partition count (tables cannot be repartitioned)");
            }
        };
        m.text("repartition the stream read from `")
            .text(stream)
            .text("` before the join with `.repartition(Repartitioned::new().with_partitions(")
            .number(partitions)
            .text("))`, or declare both topics with the same partition count")
    }

    /// The message.
    pub const fn as_str(&self) -> &str {
        let (written, _) = self.buf.split_at(self.len);
        match core::str::from_utf8(written) {
            Ok(text) => text,
            // Cut inside a character: the essentials still reach the user.
            Err(_) => "joined topics have different partition counts; repartition one side with `.repartition(Repartitioned::new().with_partitions(..))`, or declare both topics with the same partition count",
        }
    }

    const fn text(mut self, text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() && self.len < CAPACITY {
            self.buf[self.len] = bytes[i];
            self.len += 1;
            i += 1;
        }
        self
    }

    const fn number(mut self, n: u32) -> Self {
        let mut digits = [0u8; 10];
        let (mut count, mut rest) = (0, n);
        loop {
            digits[count] = b'0' + (rest % 10) as u8;
            count += 1;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        while count > 0 && self.len < CAPACITY {
            count -= 1;
            self.buf[self.len] = digits[count];
            self.len += 1;
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_both_topics_their_counts_and_the_fix() {
        let m = CoPartitionMessage::new("ORDERS", 4, false, "PRICES", 2, true);
        assert_eq!(
            m.as_str(),
            "`ORDERS` (4 partitions) and `PRICES` (2 partitions) are joined here, but joined inputs \
             must have the same partition count, so that records with the same key meet in the same \
             task; repartition the stream read from `ORDERS` before the join with \
             `.repartition(Repartitioned::new().with_partitions(2))`, or declare both topics with the \
             same partition count"
        );
        let m = CoPartitionMessage::new("USERS", 12, true, "CLICKS", 100, false);
        assert!(m.as_str().contains("`CLICKS` before the join with `.repartition(Repartitioned::new().with_partitions(12))`"), "{}", m.as_str());
        let m = CoPartitionMessage::new("A", 1, true, "B", 3, true);
        assert!(m.as_str().ends_with("declare both topics with the same partition count (tables cannot be repartitioned)"), "{}", m.as_str());
    }

    #[test]
    fn usable_in_a_constant_and_cut_short_when_too_long() {
        const M: CoPartitionMessage = CoPartitionMessage::new("L", 0, false, "R", u32::MAX, false);
        assert!(M.as_str().contains("`R` (4294967295 partitions)"));
        let long = "é".repeat(CAPACITY);
        let m = CoPartitionMessage::new(&long, 1, false, "R", 2, false);
        assert!(m
            .as_str()
            .starts_with("joined topics have different partition counts"));
    }
}
