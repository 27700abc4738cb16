//! Fallible flat-mappers: a `Vec` in a `Result` with a boxed error, and an
//! `impl IntoIterator` in a `Result` with a `String` message.
use kstreams::serde::I64;
use kstreams::{processor, StreamsBuilder, Topic};

const LINES: Topic<String, String, 4> = Topic::new("lines");
const OUT: Topic<String, I64, 4> = Topic::new("out");

#[processor]
fn numbers(line: String) -> Result<Vec<i64>, Box<dyn std::error::Error + Send + Sync>> {
    let mut out = Vec::new();
    for word in line.split_whitespace() {
        out.push(word.parse::<i64>()?);
    }
    Ok(out)
}

#[processor]
fn per_digit(key: String, n: i64) -> Result<impl IntoIterator<Item = (String, i64)>, String> {
    if n < 0 {
        return Err(format!("negative number {n}"));
    }
    Ok(n.to_string().chars().map(move |c| (key.clone(), i64::from(c as u8 - b'0'))).collect::<Vec<_>>())
}

fn main() {
    let b = StreamsBuilder::new();
    b.stream(LINES).via(numbers).via(per_digit).to(OUT);
    b.build().unwrap();
    assert_eq!(numbers("1 2".to_string()).unwrap(), vec![1, 2]);
}
