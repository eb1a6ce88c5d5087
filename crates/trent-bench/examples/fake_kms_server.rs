//! The tests' fake KMS as a process of its own, to measure the load generator's own ceiling:
//! it verifies every SigV4 signature but does no cryptography, so whatever req/s `trent bench`
//! reaches against it is what the generator (and the fake) can do on this machine.
//!
//! ```text
//! cargo run --release -p trent-bench --example fake_kms_server -- 1     # 1 runtime thread
//! AWS_ACCESS_KEY_ID=AKIAFAKEBENCH0000001 \
//! AWS_SECRET_ACCESS_KEY=fake/secret/for/the/bench/tests/0000000000 \
//!   cargo run --release -p trent-bench --example bench -- --endpoint http://127.0.0.1:PORT …
//! ```

#[path = "../tests/fake_kms/mod.rs"]
mod fake_kms;

fn main() {
    let threads = std::env::args()
        .nth(1)
        .and_then(|threads| threads.parse().ok())
        .unwrap_or(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    runtime.block_on(async {
        let server = fake_kms::FakeKms::start(fake_kms::Behaviour::default()).await;
        println!("{}", server.url);
        std::future::pending::<()>().await;
    });
}
