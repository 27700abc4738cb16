use kstreams::processor;

#[processor]
fn parse(line: String) -> Result<i64, Box<dyn std::error::Error>> {
    Ok(line.parse()?)
}

fn main() {}
