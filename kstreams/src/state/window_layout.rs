//! Key layouts of the window and session stores (designed now, used by the
//! windowing issue), byte-for-byte as Kafka Streams' `WindowKeySchema` and
//! `SessionKeySchema`, so their changelogs are interchangeable with Java's.
//!
//! | store | key bytes | why this order |
//! | --- | --- | --- |
//! | window | `[key][window start: 8 BE][seq: 4 BE]` | all windows of a key are adjacent, by start; `seq` keeps duplicates (join stores with `retain_duplicates`), 0 otherwise |
//! | session | `[key][session end: 8 BE][session start: 8 BE]` | sessions of a key by end, so "sessions ending at or after t" is one range scan |
//!
//! Seed 003 §6 draws the window key as `[key][start][end]`; that is the
//! *windowed record key* shape for sessions only: Kafka's window store keeps
//! no end (it is `start + size`), and we follow Kafka.
//!
//! Timestamps are non-negative (Kafka rejects negative window starts), so
//! big-endian bytes sort like the numbers. The key has no length prefix, so
//! a range scan for key `k` also meets keys that extend `k` (`k` = "ab"
//! meets "abc"): stores must check the parsed key equals `k`.
//!
//! Overlap: `kstreams_serde::window` (another engineer's work in progress)
//! has `RawWindowStoreKey` / `RawSessionKey` for the same layouts; when it
//! lands, these functions should delegate to it or be removed.
//!
//! Owns: encoding, decoding and scan bounds. Must never: touch a store.

const TS: usize = 8;
const SEQ: usize = 4;

/// Length of the window-store suffix (start + seq).
pub(crate) const WINDOW_SUFFIX_LEN: usize = TS + SEQ;
/// Length of the session-store suffix (end + start).
pub(crate) const SESSION_SUFFIX_LEN: usize = 2 * TS;

/// `[key][start_ms][seq]`: a window-store key.
pub(crate) fn window_store_key(key: &[u8], start_ms: i64, seq: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(key.len() + WINDOW_SUFFIX_LEN);
    out.extend_from_slice(key);
    out.extend_from_slice(&start_ms.to_be_bytes());
    out.extend_from_slice(&seq.to_be_bytes());
    out
}

/// Splits a window-store key into (key, start_ms, seq); `None` if too short.
pub(crate) fn parse_window_store_key(bytes: &[u8]) -> Option<(&[u8], i64, u32)> {
    let split = bytes.len().checked_sub(WINDOW_SUFFIX_LEN)?;
    let (key, suffix) = bytes.split_at(split);
    let start = i64::from_be_bytes(suffix[..TS].try_into().ok()?);
    let seq = u32::from_be_bytes(suffix[TS..].try_into().ok()?);
    Some((key, start, seq))
}

/// Inclusive bounds of all windows of `key` starting in `[from_ms, to_ms]`.
pub(crate) fn window_key_range(key: &[u8], from_ms: i64, to_ms: i64) -> (Vec<u8>, Vec<u8>) {
    (
        window_store_key(key, from_ms, 0),
        window_store_key(key, to_ms, u32::MAX),
    )
}

/// `[key][end_ms][start_ms]`: a session-store key.
pub(crate) fn session_store_key(key: &[u8], start_ms: i64, end_ms: i64) -> Vec<u8> {
    let mut out = Vec::with_capacity(key.len() + SESSION_SUFFIX_LEN);
    out.extend_from_slice(key);
    out.extend_from_slice(&end_ms.to_be_bytes());
    out.extend_from_slice(&start_ms.to_be_bytes());
    out
}

/// Splits a session-store key into (key, start_ms, end_ms); `None` if too short.
pub(crate) fn parse_session_store_key(bytes: &[u8]) -> Option<(&[u8], i64, i64)> {
    let split = bytes.len().checked_sub(SESSION_SUFFIX_LEN)?;
    let (key, suffix) = bytes.split_at(split);
    let end = i64::from_be_bytes(suffix[..TS].try_into().ok()?);
    let start = i64::from_be_bytes(suffix[TS..].try_into().ok()?);
    Some((key, start, end))
}

/// Inclusive scan bounds for the sessions of `key` that end at or after
/// `earliest_end_ms` and start at or before `latest_start_ms` (Java's
/// `findSessions`). The scan can still meet sessions that start later
/// (their end sorts first): callers filter on the parsed start.
pub(crate) fn session_key_range(
    key: &[u8],
    earliest_end_ms: i64,
    latest_start_ms: i64,
) -> (Vec<u8>, Vec<u8>) {
    (
        session_store_key(key, 0, earliest_end_ms),
        session_store_key(key, latest_start_ms, i64::MAX),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_keys_round_trip_and_sort_by_start() {
        let a = window_store_key(b"YERB", 0, 0);
        assert_eq!(a, b"YERB\0\0\0\0\0\0\0\0\0\0\0\0".to_vec());
        let b = window_store_key(b"YERB", 20_000, 1);
        assert!(a < b);
        assert_eq!(parse_window_store_key(&b), Some((&b"YERB"[..], 20_000, 1)));
        assert_eq!(parse_window_store_key(b"short"), None);
        let (lo, hi) = window_key_range(b"YERB", 0, 20_000);
        assert!(lo <= a && b <= hi);
    }

    #[test]
    fn session_keys_round_trip_and_sort_by_end() {
        let early = session_store_key(b"k", 50, 100);
        let late = session_store_key(b"k", 0, 200);
        assert!(early < late, "ordered by end first");
        assert_eq!(parse_session_store_key(&late), Some((&b"k"[..], 0, 200)));
        let (lo, hi) = session_key_range(b"k", 150, 10);
        assert!(lo > early && lo <= late && late <= hi);
    }
}
