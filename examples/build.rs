//! Compiles `proto/orders.proto` for the `protobuf_pipeline` example.
//!
//! protox parses the `.proto` file in pure Rust (no `protoc` on the
//! machine, no system package) and hands prost-build the file descriptors.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto/orders.proto");
    let descriptors = protox::compile(["proto/orders.proto"], ["proto"])?;
    prost_build::Config::new().compile_fds(descriptors)?;
    Ok(())
}
