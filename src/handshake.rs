//! Removes tf-provider 0.2.2's ~40 ms stall per provider process.
//!
//! tf-provider accepts Terraform's gRPC connections on a listener without
//! TCP_NODELAY, so small gRPC frames wait on Nagle + delayed ACK. It gives
//! no hook to change that, but two facts do: on Linux an accepted socket
//! inherits TCP_NODELAY from its listening socket, and Terraform connects
//! only after reading the handshake line the plugin prints on stdout. So
//! stdout goes through a pipe; when the handshake line passes, the listening
//! socket it names gets TCP_NODELAY, and only then is the line forwarded.
//! The same thread then finds Terraform's connection for `linger`.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

/// `ENROLL_KEEP_NAGLE=1` leaves the sockets as tf-provider makes them, so a
/// benchmark can measure the difference. Not a user setting.
pub fn install() {
    let keep_nagle = std::env::var("ENROLL_KEEP_NAGLE").is_ok_and(|v| v == "1");
    if let Err(e) = try_install(keep_nagle) {
        crate::logging::warn(
            "handshake",
            "cannot intercept the handshake line",
            &[("error", e.to_string().into())],
        );
    }
}

fn try_install(keep_nagle: bool) -> std::io::Result<()> {
    let (reader, writer) = std::io::pipe()?;
    // SAFETY: fd 1 is open for the life of the process; dup gives a new fd
    // we own, so the original stdout survives the dup2 below.
    let real_stdout = unsafe { libc::dup(1) };
    if real_stdout < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: real_stdout is a fresh fd nobody else owns.
    let real_stdout = unsafe { OwnedFd::from_raw_fd(real_stdout) };
    // SAFETY: replaces fd 1 with the pipe's write end; the pipe fd itself is
    // closed when `writer` drops, fd 1 keeps the pipe open.
    if unsafe { libc::dup2(writer.as_raw_fd(), 1) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    drop(writer);
    std::thread::Builder::new()
        .name("handshake".into())
        .spawn(move || {
            forward(
                BufReader::new(reader),
                std::fs::File::from(real_stdout),
                keep_nagle,
            )
        })?;
    Ok(())
}

fn forward(reader: impl BufRead, mut out: std::fs::File, keep_nagle: bool) {
    for line in reader.lines() {
        let Ok(line) = line else { return };
        let addr = handshake_addr(&line);
        if let (Some(addr), false) = (addr, keep_nagle) {
            set_nodelay_on_listener(addr);
        }
        if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
            return;
        }
        if let Some(addr) = addr {
            crate::linger::hold_connection(addr);
        }
    }
}

/// The address in a go-plugin handshake line `1|6|tcp|127.0.0.1:1234|grpc|…`.
pub fn handshake_addr(line: &str) -> Option<SocketAddr> {
    let mut parts = line.split('|');
    let (_core, _proto, network, addr) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if network != "tcp" {
        return None;
    }
    addr.parse().ok()
}

fn set_nodelay_on_listener(addr: SocketAddr) {
    for (fd, _) in crate::fds::sockets_bound_to(addr) {
        // SAFETY: the fd is only borrowed for one syscall.
        let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
        let _ = socket2::SockRef::from(&borrowed).set_nodelay(true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_handshake_line() {
        assert_eq!(
            handshake_addr("1|6|tcp|127.0.0.1:1025|grpc|"),
            Some("127.0.0.1:1025".parse().unwrap())
        );
        assert_eq!(handshake_addr("1|6|unix|/tmp/x|grpc|"), None);
        assert_eq!(handshake_addr("hello"), None);
    }

    #[test]
    fn sets_nodelay_on_the_named_listener() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        set_nodelay_on_listener(addr);
        let s = std::net::TcpStream::connect(addr).unwrap();
        let (accepted, _) = l.accept().unwrap();
        drop(s);
        if cfg!(target_os = "linux") {
            assert!(
                accepted.nodelay().unwrap(),
                "accepted socket inherits TCP_NODELAY"
            );
        }
    }
}
