//! The plugin's sockets, found by address: tf-provider makes its listener
//! and accepts Terraform's connection itself and hands out neither, so the
//! only way to reach them is through the process's file descriptors.

use std::net::SocketAddr;
use std::os::fd::{BorrowedFd, RawFd};

/// Descriptors that are sockets bound to `addr`: the listener, and every
/// connection accepted on it (an accepted socket shares the listener's
/// local address). The flag says whether it has a peer (is a connection).
pub fn sockets_bound_to(addr: SocketAddr) -> Vec<(RawFd, bool)> {
    open_fds()
        .into_iter()
        .filter_map(|fd| {
            // SAFETY: the fd is only borrowed for two syscalls; a non-socket
            // or closed fd makes getsockname fail, which skips it.
            let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
            let sock = socket2::SockRef::from(&borrowed);
            let local = sock.local_addr().ok()?.as_socket()?;
            (local == addr).then(|| (fd, sock.peer_addr().is_ok()))
        })
        .collect()
}

fn open_fds() -> Vec<RawFd> {
    let listed = std::fs::read_dir("/proc/self/fd")
        .or_else(|_| std::fs::read_dir("/dev/fd"))
        .map(|dir| {
            dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<RawFd>().ok())
                .filter(|fd| *fd > 2)
                .collect::<Vec<_>>()
        });
    listed.unwrap_or_else(|_| (3..1024).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_listener_and_its_accepted_connection() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let _client = std::net::TcpStream::connect(addr).unwrap();
        let (_accepted, _) = l.accept().unwrap();
        let mut found: Vec<bool> = sockets_bound_to(addr).into_iter().map(|(_, p)| p).collect();
        found.sort();
        assert_eq!(found, vec![false, true]);
    }
}
