use kstreams::processor;

#[processor]
fn validate(amount: &i64) -> kstreams::Result<()> {
    if *amount < 0 {
        return Err(kstreams::Error::IllegalState("negative".into()));
    }
    Ok(())
}

fn main() {}
