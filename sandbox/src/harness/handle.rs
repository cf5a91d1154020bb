//! Running a sandbox in-process, on its own thread and runtime, so that
//! synchronous tests (and tests with a runtime of their own) can use it.

use std::io;
use std::net::{Ipv4Addr, TcpListener as StdTcpListener};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::oneshot;

use super::faults::Fault;
use super::requests::RequestRecord;
use super::seed::Seed;
use crate::http::server::serve;
use crate::sandbox::Sandbox;
use crate::ui::outbox::OutboxMessage;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SandboxConfig {
    /// `0` picks any free port.
    pub port: u16,
}

/// A running sandbox; stops when dropped.
pub struct SandboxHandle {
    sandbox: Sandbox,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl SandboxHandle {
    /// Binds `127.0.0.1:{port}` before returning, so the URL is live at once.
    pub fn spawn(config: SandboxConfig) -> io::Result<SandboxHandle> {
        let listener = StdTcpListener::bind((Ipv4Addr::LOCALHOST, config.port))?;
        listener.set_nonblocking(true)?;
        let url = format!("http://{}", listener.local_addr()?);
        let sandbox = Sandbox::new(url, Seed::default());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (shutdown, stopped) = oneshot::channel::<()>();
        let served = sandbox.clone();
        let thread = std::thread::Builder::new()
            .name("enroll-sandbox".to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    let result = match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => {
                            serve(listener, served, async {
                                let _ = stopped.await;
                            })
                            .await
                        }
                        Err(e) => Err(e),
                    };
                    if let Err(e) = result {
                        eprintln!("enroll-sandbox: {e}");
                    }
                });
            })?;
        Ok(SandboxHandle {
            sandbox,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        self.sandbox.url().to_owned()
    }

    pub fn seed(&self) -> &Seed {
        self.sandbox.seed()
    }

    /// The provider's environment variables that point it at this sandbox.
    pub fn env(&self) -> Vec<(String, String)> {
        self.sandbox.env()
    }

    /// Oldest first.
    pub fn outbox(&self) -> Vec<OutboxMessage> {
        self.sandbox.outbox()
    }

    pub fn requests(&self) -> Vec<RequestRecord> {
        self.sandbox.requests()
    }

    pub fn clear_requests(&self) {
        self.sandbox.clear_requests();
    }

    pub fn add_fault(&self, fault: Fault) {
        self.sandbox.add_fault(fault);
    }

    pub fn clear_faults(&self) {
        self.sandbox.clear_faults();
    }

    /// `0` turns the limit off.
    pub fn set_rate_limit(&self, per_second: u32) {
        self.sandbox.set_rate_limit(per_second);
    }

    pub fn set_latency(&self, ms: u64) {
        self.sandbox.set_latency(ms);
    }

    pub fn advance_clock(&self, by: Duration) {
        self.sandbox.advance_clock(by);
    }

    /// True when the job is complete afterwards.
    pub fn complete_job(&self, job_id: &str) -> bool {
        self.sandbox.complete_job(job_id)
    }

    pub fn fail_bindid_target(&self, target: &str) {
        self.sandbox.fail_bindid_target(target);
    }

    /// As `GET …/credential-binding-jobs/{id}` returns it.
    pub fn job(&self, job_id: &str) -> Option<Value> {
        self.sandbox.job(job_id)
    }

    /// Every job of the realm, oldest first, as the API returns them.
    pub fn jobs(&self) -> Vec<Value> {
        self.sandbox.jobs()
    }

    pub fn authenticator_config(&self, id: &str) -> Option<Value> {
        self.sandbox.authenticator_config(id)
    }

    /// As `GET …/identities/{id}` returns it.
    pub fn identity(&self, id: &str) -> Option<Value> {
        self.sandbox.identity(id)
    }

    /// An active identity added behind the client's back; returns its id.
    pub fn add_identity(&self, username: &str, email: Option<&str>) -> String {
        self.sandbox.add_identity(username, email)
    }

    /// Every batch, oldest first, as `GET …/batch-credential-binding-jobs/{id}`
    /// returns them.
    pub fn batches(&self) -> Vec<Value> {
        self.sandbox.batches()
    }

    pub fn batch(&self, id: &str) -> Option<Value> {
        self.sandbox.batch(id)
    }

    /// Jobs made per second by the batch queue (default 500); `0`: as fast
    /// as possible.
    pub fn set_batch_rate(&self, per_second: u32) {
        self.sandbox.set_batch_rate(per_second);
    }

    /// Default 1000, the API's.
    pub fn set_batch_queue_limit(&self, limit: usize) {
        self.sandbox.set_batch_queue_limit(limit);
    }

    /// Jobs of running batches not made yet.
    pub fn batch_queue_len(&self) -> usize {
        self.sandbox.batch_queue_len()
    }

    /// The most jobs the batch queue has held at once.
    pub fn batch_queue_high_water(&self) -> usize {
        self.sandbox.batch_queue_high_water()
    }

    /// `count` identities with email addresses, `{prefix}00001`, …; their ids.
    pub fn seed_identities(&self, count: usize, prefix: &str) -> Vec<String> {
        self.sandbox.seed_identities(count, prefix)
    }

    /// As `seed_identities`, without email addresses.
    pub fn seed_identities_without_email(&self, count: usize, prefix: &str) -> Vec<String> {
        self.sandbox.seed_identities_without_email(count, prefix)
    }

    /// Deletes a config behind the client's back.
    pub fn delete_authenticator_config(&self, id: &str) -> bool {
        self.sandbox.delete_authenticator_config(id)
    }

    /// Back to the seed.
    pub fn reset(&self) {
        self.sandbox.reset();
    }

    /// The shared state, for anything the handle does not forward.
    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }

    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        self.shut_down();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handle_can_be_shared_between_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<SandboxHandle>();
    }

    #[test]
    fn a_stopped_sandbox_no_longer_accepts_connections() {
        let handle = SandboxHandle::spawn(SandboxConfig::default()).unwrap();
        let address = handle.url().trim_start_matches("http://").to_owned();
        assert!(std::net::TcpStream::connect(&address).is_ok());
        handle.stop();
        assert!(std::net::TcpStream::connect(&address).is_err());
    }
}
