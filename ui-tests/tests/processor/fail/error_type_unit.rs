use kstreams::processor;

#[processor]
fn parse(line: String) -> Result<i64, ()> {
    line.parse().map_err(|_| ())
}

fn main() {}
