//! The provider's last answer reaches Terraform.
//!
//! When Terraform is interrupted it calls StopProvider, and tf-provider
//! 0.2.2 answers by shutting its server down: the connection closes the
//! moment the last request in flight (an apply that stopped early) has
//! written its answer. By then Terraform has sent frames the server no
//! longer reads (flow-control updates for that very answer), and closing a
//! socket with unread data makes the kernel reset it and throw away what it
//! had not yet sent. Terraform then got half an answer and reported "Plugin
//! did not respond": the apply's record of the links it had just sent was
//! lost, and the next apply would send them again.
//!
//! So the process keeps a second descriptor of Terraform's connection.
//! tf-provider's close then only drops its own descriptor; the socket stays
//! open until the server has stopped, and this module reads what is left
//! until Terraform closes its end (it has read the whole answer by then)
//! before the process exits.

use std::io::Read;
use std::net::{SocketAddr, TcpStream};
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::sync::Mutex;
use std::time::{Duration, Instant};

static HELD: Mutex<Vec<OwnedFd>> = Mutex::new(Vec::new());

/// How long to look for Terraform's connection once the handshake line is
/// out; Terraform connects within milliseconds of reading it.
const FIND_FOR: Duration = Duration::from_secs(10);
const LOOK_EVERY: Duration = Duration::from_millis(2);

/// How long the exit waits for Terraform to close its end: go-plugin gives
/// a provider two seconds to exit before it kills it.
pub const RELEASE_WITHIN: Duration = Duration::from_secs(2);

/// Starts looking for the connection Terraform makes to `listener` and
/// keeps a descriptor of it. Runs on the thread that forwarded the
/// handshake line, which has nothing else to do until the next line.
pub fn hold_connection(listener: SocketAddr) {
    let deadline = Instant::now() + FIND_FOR;
    while Instant::now() < deadline {
        let connections: Vec<RawFd> = crate::fds::sockets_bound_to(listener)
            .into_iter()
            .filter_map(|(fd, connected)| connected.then_some(fd))
            .collect();
        if let Some(fd) = connections.first() {
            hold(*fd);
            return;
        }
        std::thread::sleep(LOOK_EVERY);
    }
}

fn hold(fd: RawFd) {
    // SAFETY: fcntl(F_DUPFD_CLOEXEC) on an open fd returns a new fd that
    // this process owns and nothing else closes.
    let dup = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
    if dup < 0 {
        return;
    }
    // SAFETY: dup is a fresh, open fd owned by nobody else.
    let owned = unsafe { OwnedFd::from_raw_fd(dup) };
    if let Ok(mut held) = HELD.lock() {
        held.push(owned);
    }
}

/// Call once the server has stopped: reads what Terraform still sends on
/// each held connection until it closes its end or `within` has passed,
/// then closes.
pub fn release(within: Duration) {
    let held = match HELD.lock() {
        Ok(mut held) => std::mem::take(&mut *held),
        Err(_) => return,
    };
    let deadline = Instant::now() + within;
    for fd in held {
        let mut stream = TcpStream::from(fd);
        let _ = stream.set_nonblocking(false);
        let _ = stream.shutdown(std::net::Shutdown::Write);
        drain(&mut stream, deadline);
    }
}

fn drain(stream: &mut TcpStream, deadline: Instant) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::TcpListener;

    const ANSWER: usize = 4 * 1024 * 1024;

    /// A server that writes a long answer and closes its descriptor while
    /// the client's last frames sit unread (as Terraform's flow-control
    /// frames do); returns what the client read.
    fn answer_then_close(held: bool) -> std::io::Result<usize> {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let mut client = TcpStream::connect(addr).unwrap();
        let (mut server, _) = l.accept().unwrap();
        client.write_all(b"unread").unwrap();
        std::thread::sleep(Duration::from_millis(50));
        if held {
            hold_connection(addr);
        }
        let writer = std::thread::spawn(move || {
            server.write_all(&vec![7u8; ANSWER]).unwrap();
            server.shutdown(std::net::Shutdown::Write).unwrap();
            drop(server);
            // Only the test that holds releases: HELD is the process's.
            if held {
                release(RELEASE_WITHIN);
            }
        });
        let mut got = Vec::new();
        let read = client.read_to_end(&mut got);
        // Terraform closes its end once it has the answer; so does this.
        drop(client);
        writer.join().unwrap();
        read
    }

    #[test]
    fn a_held_connection_delivers_the_whole_answer_after_the_server_closes() {
        for _ in 0..5 {
            assert_eq!(answer_then_close(true).unwrap(), ANSWER);
        }
    }

    /// The control: without the held descriptor the kernel resets the
    /// connection and the client loses the tail (most tries; one of five
    /// is enough to show the test above can fail).
    #[test]
    fn without_it_the_answer_is_cut() {
        let cut = (0..5)
            .filter(|_| !matches!(answer_then_close(false), Ok(ANSWER)))
            .count();
        assert!(
            cut > 0,
            "five answers arrived whole without the held descriptor"
        );
    }
}
